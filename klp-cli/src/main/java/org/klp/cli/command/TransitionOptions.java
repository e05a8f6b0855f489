package org.klp.cli.command;

import java.time.Duration;
import org.klp.cli.Durations;
import org.klp.kernel.apply.OnTimeout;
import picocli.CommandLine.Option;

/** How long an operation waits for its transition, and what it does then: shared by every command that loads or unloads a patch. */
final class TransitionOptions {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class,
            description = "How long to wait for the transition (default: ${DEFAULT-VALUE}; 60, 500ms, 30s, 5m).")
    Duration timeout = Duration.ofSeconds(60);

    @Option(names = "--on-timeout", paramLabel = "ACTION",
            description = "When it has not completed by then: revert (the previous patch stays active), wait (leave it to the kernel, exit 1) "
                    + "or force (last resort; plan a reboot). Default: ${DEFAULT-VALUE}.")
    String onTimeout = "revert";

    OnTimeout action() {
        return ApplyCommand.parseOnTimeout(onTimeout);
    }

    org.klp.cli.operation.Deadline deadline() {
        return new org.klp.cli.operation.Deadline(timeout, action());
    }
}
