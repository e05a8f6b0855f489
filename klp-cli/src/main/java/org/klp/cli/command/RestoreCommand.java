package org.klp.cli.command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.record.HostState;
import org.klp.kernel.apply.OnTimeout;
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
        var action = ApplyCommand.parseOnTimeout(onTimeout);
        Host host = host();
        HostState state = host.records().read();
        String kernel = host.reader().kernelRelease();
        Optional<HostState.ActivePatch> active = state.active();
        String skip = null;
        if (active.isEmpty()) {
            skip = "the host record names no active live patch";
        } else if (!active.get().kernel().equals(kernel)) {
            skip = "the recorded live patch " + active.get().patch() + " is for kernel " + active.get().kernel() + ", but " + kernel + " is running";
        } else if (host.reader().patch(active.get().patch()).map(p -> p.enabled()).orElse(false)) {
            skip = active.get().patch() + " is already loaded";
        } else if (active.get().moduleCopy().isEmpty() || !Files.isRegularFile(host.root().resolve(active.get().moduleCopy()))) {
            skip = "klp's copy of the module of " + active.get().patch() + " is missing";
        }
        if (skip != null) {
            if (json()) {
                out().print(Json.object().field("operation", "restore").field("result", "nothing-to-do").field("reason", skip).end());
            } else {
                out().println("nothing to restore: " + skip);
            }
            return skip.contains("missing") ? ExitCode.FAILURE : ExitCode.OK;
        }
        Path module = host.root().resolve(active.get().moduleCopy());
        ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.empty());
        return ApplyCommand.applyChecked(this, host, "restore", checked, timeout, action, false);
    }
}
