package org.klp.cli.command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.UsageException;
import org.klp.cli.repo.Repositories;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixChange;
import org.klp.core.patch.LivePatchPackage;
import org.klp.kernel.apply.OnTimeout;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
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
        OnTimeout action = transition.action();
        Host host = host();
        KernelRelease kernel = KernelRelease.parse(host.reader().kernelRelease());
        Optional<PatchRecord> current = host.reader().snapshot().active().map(LoadedPatch::name)
                .flatMap(a -> PatchInfo.record(host, a, kernel.uname()));
        int currentVersion = current.map(r -> r.livePatch().version()).orElse(0);
        if (to != null && to < 1) {
            throw new UsageException("--to must be 1 or more, was " + to);
        }
        Repositories repositories = Repositories.open(host.root().path(), repos, Optional.ofNullable(trusted), this::progress);
        String packageName = LivePatchPackage.packageName(kernel);
        Optional<Repositories.Offer> newest;
        if (to == null) {
            newest = repositories.newest(kernel);
        } else {
            if (to < currentVersion) {
                throw new UsageException("version " + to + " is older than the active version " + currentVersion + "; use klp downgrade --to " + to);
            }
            newest = Optional.of(repositories.version(kernel, to).orElseThrow(() -> new IllegalArgumentException(
                    "version " + to + " of " + packageName + " is not in " + String.join(", ", repositories.locations()))));
        }
        if (newest.isEmpty() || newest.get().patch().patchVersion() <= currentVersion) {
            String why = newest.isEmpty()
                    ? "no live patch for kernel " + kernel + " in " + String.join(", ", repositories.locations())
                    : packageName + " is up to date at version " + currentVersion;
            Optional<java.time.LocalDate> end = repositories.endOfSupport(kernel);
            if (json()) {
                out().print(Json.object().field("operation", "update").field("result", "up-to-date").field("reason", why)
                        .field("version", currentVersion).field("endOfSupport", end.map(Object::toString)).end());
            } else {
                out().println(why);
                end.ifPresent(d -> out().println("live patches for " + kernel + " are supported until " + d));
            }
            return ExitCode.OK;
        }
        Repositories.Offer offer = newest.get();
        FixChange change = offer.patch().livePatch().changeFrom(current.map(PatchRecord::livePatch).orElse(null));
        if (dryRun) {
            if (json()) {
                Json j = Json.object().field("operation", "update").field("result", "dry-run").field("package", offer.patch().nevra())
                        .field("from", currentVersion).field("to", offer.patch().patchVersion());
                PatchInfo.fixesJson(j, "fixesGained", change.gained());
                out().print(j.end());
            } else {
                out().println("would update " + packageName + " from version " + currentVersion + " to " + offer.patch().patchVersion()
                        + " (" + offer.patch().nevra() + ")");
                PatchInfo.printChange(out(), change);
            }
            return ExitCode.OK;
        }
        Path module = PackageInstall.obtain(this, host, repositories, offer, false);
        ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.empty());
        return ApplyCommand.applyChecked(this, host, "update", checked, transition.timeout, action, false, current);
    }
}
