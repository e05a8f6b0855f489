package org.klp.cli.command;

import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
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
        Deadline deadline = transition.deadline();
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).disable(Optional.ofNullable(patch), deadline);
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }
}
