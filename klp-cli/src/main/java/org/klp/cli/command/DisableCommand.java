package org.klp.cli.command;

import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.apply.OnTimeout;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "disable", description = {
        "Disables the active live patch, or PATCH: the kernel's original code runs again.",
        "Once every task has switched back, the patch's module is unloaded where the kernel allows.",
        "The fixes it carried are lost."})
public final class DisableCommand extends KlpCommand {

    @Parameters(paramLabel = "PATCH", arity = "0..1", description = "The patch to disable (default: the active one).")
    String patch;

    @Mixin
    TransitionOptions transition = new TransitionOptions();


    @Override
    public Integer call() {
        OnTimeout action = transition.action();
        Host host = host();
        String kernel = host.reader().kernelRelease();
        Optional<LoadedPatch> active = host.reader().snapshot().active();
        String target = patch != null ? patch : active.map(LoadedPatch::name)
                .orElseThrow(() -> new UsageException("no live patch is active; nothing to disable"));
        Optional<PatchRecord> before = PatchInfo.record(host, target, kernel);
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("disable", target, Optional.empty(), before),
                () -> host.applier().disable(target, transition.timeout, action, this::progress));
        var initrd = new org.klp.cli.boot.BootGuard(host).afterOperation("disable", target, Optional.empty(), before, result);
        return Outcomes.report(host, out(), err(), json(), "disable", result, before, Optional.empty(), initrd);
    }
}
