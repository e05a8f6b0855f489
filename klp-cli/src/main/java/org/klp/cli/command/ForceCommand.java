package org.klp.cli.command;

import java.time.Duration;
import org.klp.cli.Durations;
import org.klp.cli.Host;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


@Command(name = "force", description = {
        "Forces the transition in progress: a last resort; plan a reboot after it.",
        "Every task is marked switched at once: tasks that were blocked may keep running old code, and the",
        "modules of the patches loaded now can never be unloaded. klp records that a reboot should be planned."})
public final class ForceCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for completion (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(10);

    @Override
    public Integer call() {
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).force(timeout);
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }
}
