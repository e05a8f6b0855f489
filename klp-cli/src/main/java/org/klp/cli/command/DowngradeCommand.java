package org.klp.cli.command;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.cli.record.PackagedLivePatch;
import org.klp.cli.repo.Repositories;
import org.klp.cli.repo.RpmDatabase;
import org.klp.cli.repo.Zypper;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixChange;
import org.klp.core.patch.LivePatchPackage;
import org.klp.kernel.apply.OnTimeout;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.rpm.Changelog;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;
import org.klp.packaging.rpm.RpmTags;
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
        OnTimeout action = transition.action();
        if (to != null && to < 1) {
            throw new UsageException("--to must be 1 or more (1 is the initial patch), was " + to);
        }
        Host host = host();
        KernelRelease kernel = KernelRelease.parse(host.reader().kernelRelease());
        Optional<String> activeName = host.reader().snapshot().active().map(LoadedPatch::name);
        Optional<PatchRecord> current = activeName.flatMap(a -> PatchInfo.record(host, a, kernel.uname()));
        String packageName = LivePatchPackage.packageName(kernel);

        // Which version, and what it carries.
        Supplier<Path> obtainModule;
        LivePatchPackage targetPackage;
        String targetLabel;
        if (module != null) {
            ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.ofNullable(record));
            int version = checked.record().map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException("cannot tell the version of " + module + ": no package record; give one with --record"));
            if (to != null && to != version) {
                throw new UsageException("--to " + to + " conflicts with MODULE, which is version " + version);
            }
            targetPackage = checked.record().get().livePatch();
            targetLabel = PatchInfo.label(checked.patch(), checked.record());
            checked.record().filter(r -> record != null).ifPresent(r -> ModuleCheck.keepRecord(host, r));
            obtainModule = () -> module;
        } else {
            int currentVersion = current.map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException(activeName.map(a -> "the active patch " + a + " has no package record, so its version is unknown;")
                            .orElse("no live patch is active;") + " name the older module: klp downgrade MODULE"));
            int wanted = to != null ? to : currentVersion - 1;
            if (wanted < 1) {
                throw new UsageException("version " + currentVersion + " is the initial patch; there is nothing older");
            }
            if (wanted >= currentVersion) {
                throw new UsageException("version " + wanted + " is not older than the active version " + currentVersion
                        + "; use klp update (or klp apply) to move forward");
            }
            Optional<Zypper> zypper = Zypper.managing(host.root().path(), packageName);
            Optional<PatchRecord> installed = host.patchRecords().version(kernel.uname(), wanted)
                    .filter(r -> Files.isRegularFile(host.root().resolve(r.moduleFile())));
            if (zypper.isPresent()) {
                // as SUSE's klp does: the package manager installs the older package
                Optional<LivePatchPackage> known = installed.map(PatchRecord::livePatch)
                        .or(() -> zypper.get().download(packageName, wanted).map(this::recordOfPackage));
                targetPackage = known.orElse(null);
                targetLabel = packageName + "=" + wanted;
                obtainModule = () -> PackageInstall.withZypper(this, host, zypper.get(), kernel, packageName, wanted, true);
            } else if (installed.isPresent()) {
                targetPackage = installed.get().livePatch();
                targetLabel = PatchInfo.label(installed.get().moduleName(), installed);
                obtainModule = () -> host.root().resolve(installed.get().moduleFile());
            } else {
                Repositories repositories = Repositories.open(host.root().path(), repos, Optional.ofNullable(trusted), this::progress);
                Repositories.Offer offer = repositories.version(kernel, wanted).orElseThrow(() -> new IllegalArgumentException(
                        "version " + wanted + " of " + packageName + " is neither installed nor in " + String.join(", ", repositories.locations())));
                targetPackage = offer.patch().livePatch();
                targetLabel = offer.patch().record().moduleName() + " (" + packageName + " version " + wanted + ")";
                obtainModule = () -> PackageInstall.obtain(this, host, repositories, offer, true);
            }
        }
        int targetVersion = targetPackage == null ? (to != null ? to : 0) : targetPackage.version();
        if (current.isPresent() && targetPackage != null && targetVersion >= current.get().livePatch().version()) {
            throw new UsageException("version " + targetVersion + " is not older than the active version " + current.get().livePatch().version()
                    + "; use klp update (or klp apply) to move forward");
        }

        // What it drops, and the user's consent.
        if (!json()) {
            out().println("downgrade " + activeName.map(a -> PatchInfo.label(a, current)).orElse("(no active patch)") + " to " + targetLabel);
            if (targetPackage == null) {
                out().println("the fixes version " + targetVersion + " lacks are unknown until it is installed; everything after it is dropped");
            } else {
                FixChange change = FixChange.between(current.map(r -> r.livePatch().fixes()).orElse(List.of()), targetPackage.fixes());
                out().println(change.dropped().isEmpty() ? "no fixes are dropped" : "fixes dropped (" + change.dropped().size() + "):");
                change.dropped().forEach(f -> out().println("  - " + PatchInfo.fixLine(f)));
            }
            out().flush();
        }
        if (!noConfirm && !confirm()) {
            err().println("klp: downgrade cancelled; nothing changed");
            return ExitCode.FAILURE;
        }
        ModuleCheck.Checked target = ModuleCheck.check(host, obtainModule.get(), Optional.empty());
        return ApplyCommand.applyChecked(this, host, "downgrade", target, transition.timeout, action, false, current);
    }

    /** What a package zypper downloaded carries: its changelog's fixes, enriched by klp's record when the package has one. */
    private LivePatchPackage recordOfPackage(Path rpm) {
        progress("reading the changelog of " + rpm.getFileName());
        RpmPackage p = RpmPackage.read(rpm);
        List<String> problems = new ArrayList<>();
        RpmDatabase.InstalledPackage described = new RpmDatabase.InstalledPackage(p.name(), p.version(), p.release(), p.arch(),
                p.header().number(RpmTags.BUILDTIME).orElse(0L), p.files(), Changelog.of(p).entries().stream().map(Changelog.Entry::text).toList());
        PatchRecord fromChangelog = PackagedLivePatch.of(described, problems).orElseThrow(() -> new IllegalStateException(
                rpm.getFileName() + " installs no live patch module" + (problems.isEmpty() ? "" : ": " + String.join("; ", problems))));
        try {
            return PackagedLivePatch.enrich(fromChangelog, LivePatchRpm.recordOf(p)).livePatch();
        } catch (RuntimeException noKlpRecord) {
            return fromChangelog.livePatch();
        }
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
