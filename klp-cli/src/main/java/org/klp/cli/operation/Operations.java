package org.klp.cli.operation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.cli.boot.BootGuard;
import org.klp.cli.boot.InitrdRegeneration;
import org.klp.cli.record.HostState;
import org.klp.cli.record.PackagedLivePatch;
import org.klp.cli.repo.Repositories;
import org.klp.cli.repo.RpmDatabase;
import org.klp.cli.repo.Zypper;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixChange;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.SystemState;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.rpm.Changelog;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;
import org.klp.packaging.rpm.RpmTags;

/**
 * The changes klp makes to a host's live patching, as plain typed calls: apply, update,
 * downgrade, restore, disable, revert and force, each returning an {@link Outcome}. The picocli
 * commands parse, call one of these and print the outcome; {@code klp agent} calls them directly.
 *
 * <p>Every call that touches the kernel goes through {@link OperationRunner}: under the host's
 * lock, recorded as pending before and as finished after. A request that cannot be met is
 * refused with a {@link UsageException} (the command line asked for the impossible) or an
 * {@link IllegalArgumentException}/{@link IllegalStateException} naming the offending input,
 * before anything changes.
 */
public final class Operations {

    private final Host host;
    private final Consumer<String> progress;

    /** {@code progress} hears what happens as it happens ({@code klp -v} prints it). */
    public Operations(Host host, Consumer<String> progress) {
        this.host = host;
        this.progress = progress;
    }

    public record ApplyRequest(Path module, Optional<Path> recordFile, Deadline deadline) {
    }

    public record UpdateRequest(List<String> repositories, Optional<Path> trustedKeys, Optional<Integer> to, boolean dryRun,
                                Deadline deadline) {
        public UpdateRequest {
            repositories = List.copyOf(repositories);
        }
    }

    /** The older version by {@code module} file, or by version {@code to} (default: the active one minus one). */
    public record DowngradeRequest(Optional<Path> module, Optional<Integer> to, Optional<Path> recordFile, List<String> repositories,
                                   Optional<Path> trustedKeys, Deadline deadline) {
        public DowngradeRequest {
            repositories = List.copyOf(repositories);
        }
    }

    /** Loads a live patch module, replacing the active patch (atomic replace) or stacking on it. */
    public Outcome apply(ApplyRequest request) {
        ModuleCheck.Checked checked = ModuleCheck.check(host, request.module(), request.recordFile());
        checked.record().filter(r -> request.recordFile().isPresent()).ifPresent(r -> ModuleCheck.keepRecord(host, r));
        return change("apply", checked, request.deadline(), activeRecord(), new Steps(progress));
    }

    /** Moves to the newest version in the repositories, or to version {@code to}; zypper installs it where it manages the package. */
    public Outcome update(UpdateRequest request) {
        KernelRelease kernel = KernelRelease.parse(host.reader().kernelRelease());
        Optional<PatchRecord> current = activeRecord();
        int currentVersion = current.map(r -> r.livePatch().version()).orElse(0);
        Optional<Integer> to = request.to();
        if (to.isPresent() && to.get() < 1) {
            throw new UsageException("--to must be 1 or more, was " + to.get());
        }
        Repositories repositories = Repositories.open(host.root().path(), request.repositories(), request.trustedKeys(), progress);
        String packageName = LivePatchPackage.packageName(kernel);
        Optional<Repositories.Offer> newest;
        if (to.isEmpty()) {
            newest = repositories.newest(kernel);
        } else {
            int wanted = to.get();
            if (wanted < currentVersion) {
                throw new UsageException("version " + wanted + " is older than the active version " + currentVersion + "; use klp downgrade --to " + wanted);
            }
            newest = Optional.of(repositories.version(kernel, wanted).orElseThrow(() -> new IllegalArgumentException(
                    "version " + wanted + " of " + packageName + " is not in " + String.join(", ", repositories.locations()))));
        }
        if (newest.isEmpty() || newest.get().patch().patchVersion() <= currentVersion) {
            String why = newest.isEmpty()
                    ? "no live patch for kernel " + kernel + " in " + String.join(", ", repositories.locations())
                    : packageName + " is up to date at version " + currentVersion;
            return new Outcome.UpToDate(why, currentVersion, repositories.endOfSupport(kernel), kernel.uname());
        }
        Repositories.Offer offer = newest.get();
        FixChange change = offer.patch().livePatch().changeFrom(current.map(PatchRecord::livePatch).orElse(null));
        if (request.dryRun()) {
            return new Outcome.WouldUpdate(packageName, offer.patch().nevra(), currentVersion, offer.patch().patchVersion(), change);
        }
        Steps steps = new Steps(progress);
        Path module = PackageInstall.obtain(steps, host, repositories, offer, false);
        ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.empty());
        return change("update", checked, request.deadline(), current, steps);
    }

    /**
     * Replaces the active patch with an older version. {@code confirm} sees the plan (the fixes it
     * drops) before anything is installed or loaded; when it declines, nothing changes.
     */
    public Outcome downgrade(DowngradeRequest request, Predicate<DowngradePlan> confirm) {
        Optional<Integer> to = request.to();
        if (to.isPresent() && to.get() < 1) {
            throw new UsageException("--to must be 1 or more (1 is the initial patch), was " + to.get());
        }
        KernelRelease kernel = KernelRelease.parse(host.reader().kernelRelease());
        Optional<String> activeName = host.reader().snapshot().active().map(LoadedPatch::name);
        Optional<PatchRecord> current = activeName.flatMap(a -> host.patchRecord(a, kernel.uname()));
        String packageName = LivePatchPackage.packageName(kernel);
        Steps steps = new Steps(progress);

        Supplier<Path> obtainModule;
        LivePatchPackage targetPackage;
        String targetLabel;
        Optional<List<SystemState>> targetStates = Optional.empty();
        if (request.module().isPresent()) {
            Path module = request.module().get();
            ModuleCheck.Checked checked = ModuleCheck.check(host, module, request.recordFile());
            int version = checked.record().map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException("cannot tell the version of " + module + ": no package record; give one with --record"));
            if (to.isPresent() && to.get() != version) {
                throw new UsageException("--to " + to.get() + " conflicts with MODULE, which is version " + version);
            }
            targetPackage = checked.record().get().livePatch();
            targetLabel = label(checked.patch(), checked.record());
            targetStates = checked.record().flatMap(PatchRecord::systemStates).or(() -> statesOfModule(module));
            checked.record().filter(r -> request.recordFile().isPresent()).ifPresent(r -> ModuleCheck.keepRecord(host, r));
            obtainModule = () -> module;
        } else {
            int currentVersion = current.map(r -> r.livePatch().version())
                    .orElseThrow(() -> new UsageException(activeName.map(a -> "the active patch " + a + " has no package record, so its version is unknown;")
                            .orElse("no live patch is active;") + " name the older module: klp downgrade MODULE"));
            int wanted = to.orElse(currentVersion - 1);
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
                Optional<PatchRecord> known = installed
                        .or(() -> zypper.get().download(packageName, wanted).map(this::recordOfPackage));
                targetPackage = known.map(PatchRecord::livePatch).orElse(null);
                targetStates = known.flatMap(PatchRecord::systemStates);
                targetLabel = packageName + "=" + wanted;
                obtainModule = () -> PackageInstall.withZypper(steps, host, zypper.get(), kernel, packageName, wanted, true);
            } else if (installed.isPresent()) {
                targetPackage = installed.get().livePatch();
                targetLabel = label(installed.get().moduleName(), installed);
                targetStates = installed.get().systemStates();
                obtainModule = () -> host.root().resolve(installed.get().moduleFile());
            } else {
                Repositories repositories = Repositories.open(host.root().path(), request.repositories(), request.trustedKeys(), progress);
                Repositories.Offer offer = repositories.version(kernel, wanted).orElseThrow(() -> new IllegalArgumentException(
                        "version " + wanted + " of " + packageName + " is neither installed nor in " + String.join(", ", repositories.locations())));
                targetPackage = offer.patch().livePatch();
                targetLabel = offer.patch().record().moduleName() + " (" + packageName + " version " + wanted + ")";
                targetStates = offer.patch().record().systemStates();
                obtainModule = () -> PackageInstall.obtain(steps, host, repositories, offer, true);
            }
        }
        int targetVersion = targetPackage == null ? to.orElse(0) : targetPackage.version();
        if (current.isPresent() && targetPackage != null && targetVersion >= current.get().livePatch().version()) {
            throw new UsageException("version " + targetVersion + " is not older than the active version " + current.get().livePatch().version()
                    + "; use klp update (or klp apply) to move forward");
        }
        Optional<String> warning = stateWarning(current.flatMap(PatchRecord::systemStates), targetStates, activeName.orElse(""), targetLabel,
                current.isPresent());
        DowngradePlan plan = new DowngradePlan(activeName.map(a -> label(a, current)).orElse("(no active patch)"), targetLabel, targetVersion,
                Optional.ofNullable(targetPackage).map(t -> FixChange.between(current.map(r -> r.livePatch().fixes()).orElse(List.of()), t.fixes())), warning);
        if (!confirm.test(plan)) {
            return new Outcome.Cancelled("downgrade");
        }
        ModuleCheck.Checked target = ModuleCheck.check(host, obtainModule.get(), Optional.empty());
        return change("downgrade", target, request.deadline(), current, steps);
    }

    /** Loads the live patch the host record names for the running kernel, when it is not loaded yet (at boot). */
    public Outcome restore(Deadline deadline) {
        HostState state = host.records().read();
        String kernel = host.reader().kernelRelease();
        Optional<HostState.ActivePatch> active = state.active();
        if (active.isEmpty()) {
            return new Outcome.NothingToRestore("the host record names no active live patch", false);
        }
        HostState.ActivePatch a = active.get();
        if (!a.kernel().equals(kernel)) {
            return new Outcome.NothingToRestore("the recorded live patch " + a.patch() + " is for kernel " + a.kernel() + ", but " + kernel + " is running",
                    false);
        }
        if (host.reader().patch(a.patch()).map(LoadedPatch::enabled).orElse(false)) {
            return new Outcome.NothingToRestore(a.patch() + " is already loaded", false);
        }
        if (a.moduleCopy().isEmpty() || !Files.isRegularFile(host.root().resolve(a.moduleCopy()))) {
            return new Outcome.NothingToRestore("klp's copy of the module of " + a.patch() + " is missing", true);
        }
        ModuleCheck.Checked checked = ModuleCheck.check(host, host.root().resolve(a.moduleCopy()), Optional.empty());
        return change("restore", checked, deadline, activeRecord(), new Steps(progress));
    }

    /**
     * Loads {@code module}, the live patch a boot decision chose for the running kernel (the
     * administrator's choice for it, or the newest installed), as a {@code boot}-phase load.
     */
    public Outcome.Changed restore(Path module, Deadline deadline) {
        ModuleCheck.Checked checked = ModuleCheck.check(host, module, Optional.empty());
        return change("restore", checked, deadline, activeRecord(), new Steps(progress));
    }

    /** Disables {@code patch} (default: the active one): the kernel's original code runs again. */
    public Outcome disable(Optional<String> patch, Deadline deadline) {
        String kernel = host.reader().kernelRelease();
        String target = patch.or(() -> host.reader().snapshot().active().map(LoadedPatch::name))
                .orElseThrow(() -> new UsageException("no live patch is active; nothing to disable"));
        Optional<PatchRecord> before = host.patchRecord(target, kernel);
        BootGuard boot = new BootGuard(host);
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("disable", target, Optional.empty(), before),
                () -> host.applier().disable(target, deadline.timeout(), deadline.onTimeout(), progress));
        List<InitrdRegeneration.Result> initrd = boot.afterOperation("disable", target, Optional.empty(), before, result);
        return new Outcome.Changed("disable", result, before, Optional.empty(), List.of(), initrd);
    }

    /** Reverses the transition in progress: the previously active patch stays active. */
    public Outcome revert(java.time.Duration timeout) {
        String kernel = host.reader().kernelRelease();
        LoadedPatch transition = host.reader().snapshot().transitionPatch()
                .orElseThrow(() -> new UsageException("no transition is in progress; nothing to revert"));
        Optional<PatchRecord> before = activeRecord();
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("revert", transition.name(), Optional.empty(), Optional.empty()),
                () -> host.applier().revert(timeout, progress));
        return new Outcome.Changed("revert", result, before, Optional.empty(), List.of());
    }

    /** Forces the transition in progress: a last resort; the replaced modules can never be unloaded. */
    public Outcome force(java.time.Duration timeout) {
        String kernel = host.reader().kernelRelease();
        LoadedPatch transition = host.reader().snapshot().transitionPatch()
                .orElseThrow(() -> new UsageException("no transition is in progress; nothing to force"));
        Optional<PatchRecord> before = host.reader().snapshot().patches().stream().filter(p -> !p.transition()).map(LoadedPatch::name)
                .reduce((a, b) -> b).flatMap(a -> host.patchRecord(a, kernel));
        Optional<PatchRecord> target = host.patchRecord(transition.name(), kernel);
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("force", transition.name(), Optional.empty(), target),
                () -> host.applier().force(timeout, progress));
        return new Outcome.Changed("force", result, before, target, List.of());
    }

    /**
     * Finishes the record of an operation a crash or {@code --on-timeout=wait} left pending, when
     * its transition has ended; read-only commands call it, and it gives way to a running operation.
     */
    public static void settleRecord(Host host) {
        OperationRunner.settleRecord(host);
    }

    /**
     * Applies a checked module under the runner ({@code before} was read before anything was
     * installed), with the loading marker forced to disk first (a crash during the load is found at
     * the next boot), then records the administrator's boot choice and refreshes the early-boot
     * plan and initrds; a load at boot is phase {@code boot}.
     */
    private Outcome.Changed change(String operation, ModuleCheck.Checked checked, Deadline deadline, Optional<PatchRecord> before, Steps steps) {
        BootGuard boot = new BootGuard(host);
        String phase = operation.equals("restore") ? "boot" : "apply";
        ApplyResult result = new OperationRunner(host).run(
                new OperationRunner.Subject(operation, checked.patch(), Optional.of(checked.module()), checked.record()),
                () -> {
                    boot.inspect();
                    boot.arm(checked.patch(), checked.module(), phase);
                    return host.applier().apply(checked.module(), checked.patch(), deadline.timeout(), deadline.onTimeout(), progress);
                });
        List<InitrdRegeneration.Result> initrd = boot.afterOperation(operation, checked.patch(), Optional.of(checked.module()),
                checked.record(), result);
        return new Outcome.Changed(operation, result, before, checked.record(), steps.done(), initrd);
    }

    /** The record of the active patch, read before anything is installed: a package manager replacing the package removes it. */
    private Optional<PatchRecord> activeRecord() {
        String kernel = host.reader().kernelRelease();
        return host.reader().snapshot().active().map(LoadedPatch::name).flatMap(a -> host.patchRecord(a, kernel));
    }

    /**
     * The kernel refuses a replacement that lowers a system state: refused here, before anything is
     * installed or loaded. When only one side's states are known, the kernel has the last word: the
     * answer is a warning to show.
     */
    private static Optional<String> stateWarning(Optional<List<SystemState>> activeStates, Optional<List<SystemState>> targetStates, String activeName,
                                     String targetLabel, boolean somethingActive) {
        if (activeStates.isPresent() && targetStates.isPresent()) {
            List<String> problems = SystemState.incompatibilities(activeStates.get(), targetStates.get());
            if (!problems.isEmpty()) {
                throw new IllegalStateException("the kernel would refuse to load " + targetLabel + " over the active patch " + activeName + ": "
                        + String.join("; ", problems) + "; nothing was changed. A patch that changed system state can only be replaced by one"
                        + " that keeps it (disable it with 'klp disable' only if its fixes allow; see the fix's notes)");
            }
        } else if (somethingActive && activeStates.isPresent() != targetStates.isPresent()) {
            return Optional.of("the system states of " + (activeStates.isEmpty() ? "the active patch" : targetLabel)
                    + " are not recorded; if the kernel refuses the downgrade for them, the active patch stays");
        }
        return Optional.empty();
    }

    /** A module file's system states, read from the module when no record says them. */
    private static Optional<List<SystemState>> statesOfModule(Path module) {
        try {
            return org.klp.packaging.elf.KlpPatchStates.of(Files.readAllBytes(module), module.toString());
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** What a package zypper downloaded carries: its changelog's fixes, enriched by klp's record (and its system states) when the package has one. */
    private PatchRecord recordOfPackage(Path rpm) {
        progress.accept("reading the changelog of " + rpm.getFileName());
        RpmPackage p = RpmPackage.read(rpm);
        List<String> problems = new java.util.ArrayList<>();
        RpmDatabase.InstalledPackage described = new RpmDatabase.InstalledPackage(p.name(), p.version(), p.release(), p.arch(),
                p.header().number(RpmTags.BUILDTIME).orElse(0L), p.files(), Changelog.of(p).entries().stream().map(Changelog.Entry::text).toList());
        PatchRecord fromChangelog = PackagedLivePatch.of(described, problems).orElseThrow(() -> new IllegalStateException(
                rpm.getFileName() + " installs no live patch module" + (problems.isEmpty() ? "" : ": " + String.join("; ", problems))));
        try {
            return PackagedLivePatch.enrich(fromChangelog, LivePatchRpm.recordOf(p));
        } catch (RuntimeException noKlpRecord) {
            return fromChangelog;
        }
    }

    /** {@code klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2)}, or the bare name without a record. */
    public static String label(String patch, Optional<PatchRecord> record) {
        return record.map(r -> patch + " (" + r.livePatch().name() + " version " + r.livePatch().version() + ")").orElse(patch);
    }
}
