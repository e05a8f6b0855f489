package org.klp.cli.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.DowngradePlan;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;


@Command(name = "downgrade", description = {
        "Replaces the active live patch with an older version (default: N-1).",
        "Shows the fixes it drops first and asks for confirmation (-n: do not ask).",
        "The older version comes from an installed package (--to N), the repositories (downloaded and",
        "verified), or a module file (MODULE). Where zypper manages the live patch package, klp runs",
        "'zypper in --oldpackage kernel-livepatch-<kernel>=<N>' instead, as SUSE's klp does."})
public final class DowngradeCommand extends KlpCommand {

    @Parameters(paramLabel = "MODULE", arity = "0..1", description = "The older live patch module to load.")
    Path module;

    @Option(names = "--to", paramLabel = "N", description = "The version to go back to (default: the active version minus one).")
    Integer to;

    @Option(names = "-n", description = "Do not ask for confirmation (non-interactive).")
    boolean noConfirm;

    @Option(names = "--record", paramLabel = "FILE", description = "The package record of MODULE, when no installed package provides it.")
    Path record;

    @Mixin
    TransitionOptions transition = new TransitionOptions();


    @Option(names = "--repo", paramLabel = "URL", description = "A repository to fetch the older version from when it is not installed (repeatable; default: etc/klp/repositories).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--trusted", paramLabel = "FILE", description = "The repository signing key(s) to trust (default: etc/klp/trusted.asc).")
    Path trusted;

    @Override
    public Integer call() {
        Deadline deadline = transition.deadline();
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).downgrade(new Operations.DowngradeRequest(Optional.ofNullable(module),
                Optional.ofNullable(to), Optional.ofNullable(record), repos, Optional.ofNullable(trusted), deadline), this::showAndConfirm);
        if (outcome instanceof Outcome.Cancelled) {
            err().println("klp: downgrade cancelled; nothing changed");
            return ExitCode.FAILURE;
        }
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }

    /** Shows what the downgrade drops, then asks (unless -n). */
    private boolean showAndConfirm(DowngradePlan plan) {
        if (!json()) {
            out().println("downgrade " + plan.from() + " to " + plan.to());
            plan.change().ifPresentOrElse(change -> {
                out().println(change.dropped().isEmpty() ? "no fixes are dropped" : "fixes dropped (" + change.dropped().size() + "):");
                change.dropped().forEach(f -> out().println("  - " + PatchInfo.fixLine(f)));
            }, () -> out().println("the fixes version " + plan.targetVersion() + " lacks are unknown until it is installed; everything after it is dropped"));
            out().flush();
        }
        return noConfirm || confirm();
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
