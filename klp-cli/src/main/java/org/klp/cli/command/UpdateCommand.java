package org.klp.cli.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


@Command(name = "update", description = {
        "Updates the running kernel's live patch to the newest version in the repositories.",
        "Reads the repositories (--repo, or etc/klp/repositories) with their signature checked, downloads the",
        "package, verifies it, installs its module and record, and applies it safely (see klp apply). Where",
        "zypper manages the live patch package, zypper installs it instead."})
public final class UpdateCommand extends KlpCommand {

    @Option(names = "--repo", paramLabel = "URL", description = "A repository (http://, file:// or a path); repeatable. Default: etc/klp/repositories.")
    List<String> repos = new ArrayList<>();

    @Option(names = "--trusted", paramLabel = "FILE", description = "The repository signing key(s) to trust (default: etc/klp/trusted.asc).")
    Path trusted;

    @Mixin
    TransitionOptions transition = new TransitionOptions();


    @Option(names = "--to", paramLabel = "N", description = "Update to version N instead of the newest (a pinned or staged version).")
    Integer to;

    @Option(names = "--dry-run", description = "Say what would be installed and which fixes it brings; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        Deadline deadline = transition.deadline();
        Host host = host();
        Outcome outcome = new Operations(host, this::progress).update(new Operations.UpdateRequest(repos, Optional.ofNullable(trusted),
                Optional.ofNullable(to), dryRun, deadline));
        if (outcome instanceof Outcome.UpToDate u) {
            if (json()) {
                out().print(Json.object().field("operation", "update").field("result", "up-to-date").field("reason", u.reason())
                        .field("version", u.version()).field("endOfSupport", u.endOfSupport().map(Object::toString)).end());
            } else {
                out().println(u.reason());
                u.endOfSupport().ifPresent(d -> out().println("live patches for " + u.kernel() + " are supported until " + d));
            }
            return ExitCode.OK;
        }
        if (outcome instanceof Outcome.WouldUpdate w) {
            if (json()) {
                Json j = Json.object().field("operation", "update").field("result", "dry-run").field("package", w.nevra())
                        .field("from", w.from()).field("to", w.to());
                PatchInfo.fixesJson(j, "fixesGained", w.change().gained());
                out().print(j.end());
            } else {
                out().println("would update " + w.packageName() + " from version " + w.from() + " to " + w.to() + " (" + w.nevra() + ")");
                PatchInfo.printChange(out(), w.change());
            }
            return ExitCode.OK;
        }
        return Outcomes.report(host, out(), err(), json(), (Outcome.Changed) outcome);
    }
}
