package org.klp.cli.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.core.patch.FixChange;
import org.klp.kernel.apply.OnTimeout;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "downgrade", description = {
        "Replaces the active live patch with an older version (default: N-1).",
        "Shows the fixes it drops first and asks for confirmation (-n: do not ask).",
        "The older version comes from an installed package record (--to N) or a module file (MODULE)."})
public final class DowngradeCommand extends KlpCommand {

    @Parameters(paramLabel = "MODULE", arity = "0..1", description = "The older live patch module to load.")
    Path module;

    @Option(names = "--to", paramLabel = "N", description = "The version to go back to (default: the active version minus one).")
    Integer to;

    @Option(names = "-n", description = "Do not ask for confirmation (non-interactive).")
    boolean noConfirm;

    @Option(names = "--record", paramLabel = "FILE", description = "The package record of MODULE, when no installed package provides it.")
    Path record;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for the transition (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(60);

    @Option(names = "--on-timeout", paramLabel = "ACTION", description = "wait, revert or force (default: ${DEFAULT-VALUE}).")
    String onTimeout = "revert";

    @Override
    public Integer call() {
        OnTimeout action = ApplyCommand.parseOnTimeout(onTimeout);
        if (to != null && to < 1) {
            throw new UsageException("--to must be 1 or more (1 is the initial patch), was " + to);
        }
        Host host = host();
        String kernel = host.reader().kernelRelease();
        Optional<String> activeName = host.reader().snapshot().active().map(LoadedPatch::name);
        Optional<PatchRecord> current = activeName.flatMap(a -> PatchInfo.record(host, a, kernel));
        ModuleCheck.Checked target;
        if (module != null) {
            target = ModuleCheck.check(host, module, Optional.ofNullable(record));
            int version = target.record().map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException("cannot tell the version of " + module + ": no package record; give one with --record"));
            if (to != null && to != version) {
                throw new UsageException("--to " + to + " conflicts with MODULE, which is version " + version);
            }
        } else {
            int currentVersion = current.map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException(activeName.map(a -> "the active patch " + a + " has no package record, so its version is unknown;")
                            .orElse("no live patch is active;") + " name the older module: klp downgrade MODULE"));
            int wanted = to != null ? to : currentVersion - 1;
            if (wanted < 1) {
                throw new UsageException("version " + currentVersion + " is the initial patch; there is nothing older");
            }
            PatchRecord older = host.patchRecords().version(kernel, wanted)
                    .orElseThrow(() -> new IllegalArgumentException("version " + wanted + " of " + current.get().livePatch().name()
                            + " is not installed; install it first (zypper in --oldpackage " + current.get().livePatch().name() + "=" + wanted + ")"));
            target = ModuleCheck.check(host, host.root().resolve(older.moduleFile()), Optional.empty());
        }
        int targetVersion = target.record().map(r -> r.livePatch().version()).orElse(0);
        if (current.isPresent() && targetVersion >= current.get().livePatch().version()) {
            throw new UsageException("version " + targetVersion + " is not older than the active version " + current.get().livePatch().version()
                    + "; use klp apply (or klp update) to move forward");
        }
        FixChange change = FixChange.between(current.map(r -> r.livePatch().fixes()).orElse(java.util.List.of()),
                target.record().map(r -> r.livePatch().fixes()).orElse(java.util.List.of()));
        if (!json()) {
            out().println("downgrade " + activeName.map(a -> PatchInfo.label(a, current)).orElse("(no active patch)") + " to "
                    + PatchInfo.label(target.patch(), target.record()));
            out().println(change.dropped().isEmpty() ? "no fixes are dropped" : "fixes dropped (" + change.dropped().size() + "):");
            change.dropped().forEach(f -> out().println("  - " + PatchInfo.fixLine(f)));
            out().flush();
        }
        if (!noConfirm && !confirm()) {
            err().println("klp: downgrade cancelled; nothing changed");
            return ExitCode.FAILURE;
        }
        target.record().filter(r -> record != null).ifPresent(r -> ModuleCheck.keepRecord(host, r));
        return ApplyCommand.applyChecked(this, host, "downgrade", target, timeout, action, false);
    }

    private boolean confirm() {
        if (json() || System.console() == null) {
            throw new UsageException("a downgrade drops fixes and must be confirmed; run it in a terminal or pass -n");
        }
        out().print("Proceed with the downgrade? [y/N] ");
        out().flush();
        try {
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            return false;
        }
    }
}
