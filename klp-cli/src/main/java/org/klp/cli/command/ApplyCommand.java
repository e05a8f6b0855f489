package org.klp.cli.command;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import org.klp.kernel.apply.OnTimeout;
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
        Deadline deadline = transition.deadline();
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).apply(new Operations.ApplyRequest(module, Optional.ofNullable(record), deadline));
        PrintWriter out = quiet && !json() ? new PrintWriter(Writer.nullWriter()) : out();
        return Outcomes.report(host, out, err(), json(), (Outcome.Changed) outcome);
    }

    static OnTimeout parseOnTimeout(String text) {
        try {
            return OnTimeout.parse(text);
        } catch (IllegalArgumentException e) {
            throw new org.klp.cli.UsageException(e.getMessage());
        }
    }
}
