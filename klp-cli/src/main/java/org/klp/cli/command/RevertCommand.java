package org.klp.cli.command;

import java.time.Duration;
import org.klp.cli.Durations;
import org.klp.cli.Host;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


@Command(name = "revert", description = {
        "Reverses the transition in progress: the previously active patch stays active.",
        "(Writes to the transition patch's 'enabled', as the kernel documents.)"})
public final class RevertCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for the reversal (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(60);

    @Override
    public Integer call() {
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).revert(timeout);
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }
}
