package org.klp.cli.command;

import java.time.Duration;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


@Command(name = "restore", description = {
        "Loads the live patch the host record says is active (run at boot).",
        "Only if it is for the running kernel and not yet loaded. The initramfs hook and klp-restore.service",
        "do this at boot, so an unexpected reboot comes back with the live patch fixes applied."})
public final class RestoreCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for the transition (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(30);

    @Option(names = "--on-timeout", paramLabel = "ACTION", description = "wait, revert or force (default: ${DEFAULT-VALUE}: at boot nothing should block for long).")
    String onTimeout = "wait";

    @Override
    public Integer call() {
        Deadline deadline = new Deadline(timeout, ApplyCommand.parseOnTimeout(onTimeout));
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).restore(deadline);
        if (outcome instanceof Outcome.NothingToRestore n) {
            if (json()) {
                out().print(Json.object().field("operation", "restore").field("result", "nothing-to-do").field("reason", n.reason()).end());
            } else {
                out().println("nothing to restore: " + n.reason());
            }
            return n.failure() ? ExitCode.FAILURE : ExitCode.OK;
        }
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }
}
