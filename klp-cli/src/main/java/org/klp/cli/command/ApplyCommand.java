package org.klp.cli.command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.boot.BootGuard;
import org.klp.cli.boot.InitrdRegeneration;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.apply.OnTimeout;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "apply", description = {
        "Loads a live patch module and waits for its transition to complete.",
        "With atomic replace it replaces the active patch (an upgrade or a downgrade alike). If the",
        "transition does not complete within --timeout,",
        "--on-timeout decides: revert (default: the previous patch stays active), wait (leave it to the kernel,",
        "exit 1), or force (last resort: the replaced module can never be unloaded; plan a reboot).",
        "MODULE is a .ko on a real host, a simulated module on a simulated host."})
public final class ApplyCommand extends KlpCommand {

    @Parameters(paramLabel = "MODULE", description = "The live patch module file.")
    Path module;

    @Option(names = "--record", paramLabel = "FILE", description = "The package record (JSON) describing the module's package and fixes, when no installed package provides it.")
    Path record;

    @Mixin
    TransitionOptions transition = new TransitionOptions();


    @Option(names = {"-q", "--quiet"}, description = "Print only failures (for package scriptlets).")
    boolean quiet;

    @Override
    public Integer call() {
        OnTimeout action = transition.action();
        Host host = host();
        ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.ofNullable(record));
        checked.record().filter(r -> record != null).ifPresent(r -> ModuleCheck.keepRecord(host, r));
        return applyChecked(this, host, "apply", checked, transition.timeout, action, quiet);
    }

    static OnTimeout parseOnTimeout(String text) {
        try {
            return OnTimeout.parse(text);
        } catch (IllegalArgumentException e) {
            throw new org.klp.cli.UsageException(e.getMessage());
        }
    }

    /** Applies a checked module through the operation runner and reports how it ended. */
    static int applyChecked(KlpCommand command, Host host, String operation, ModuleCheck.Checked checked, Duration timeout,
                            OnTimeout action, boolean quiet) {
        String kernel = host.reader().kernelRelease();
        Optional<PatchRecord> before = host.reader().snapshot().active().map(LoadedPatch::name)
                .flatMap(a -> PatchInfo.record(host, a, kernel));
        return applyChecked(command, host, operation, checked, timeout, action, quiet, before);
    }

    /**
     * As above, with the active patch's record read before anything was installed: a package
     * manager replacing the package removes the old record.
     */
    static int applyChecked(KlpCommand command, Host host, String operation, ModuleCheck.Checked checked, Duration timeout,
                            OnTimeout action, boolean quiet, Optional<PatchRecord> before) {
        OperationRunner runner = new OperationRunner(host);
        BootGuard boot = new BootGuard(host);
        String phase = operation.equals("restore") ? "boot" : "apply";
        ApplyResult result = runner.run(new OperationRunner.Subject(operation, checked.patch(), Optional.of(checked.module()), checked.record()),
                () -> {
                    boot.inspect();
                    boot.arm(checked.patch(), checked.module(), phase);
                    return host.applier().apply(checked.module(), checked.patch(), timeout, action, command::progress);
                });
        List<InitrdRegeneration.Result> initrd = boot.afterOperation(operation, checked.patch(), Optional.of(checked.module()),
                checked.record(), result);
        java.io.PrintWriter out = quiet && !command.json() ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : command.out();
        return Outcomes.report(host, out, command.err(), command.json(), operation, result, before, checked.record(), initrd);
    }
}
