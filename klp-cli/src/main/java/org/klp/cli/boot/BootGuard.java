package org.klp.cli.boot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.klp.cli.Host;
import org.klp.cli.record.HistoryEvent;
import org.klp.cli.record.HostState;
import org.klp.core.boot.BootCandidate;
import org.klp.core.boot.BootDecision;
import org.klp.core.boot.BootPlan;
import org.klp.core.boot.CrashedPatch;
import org.klp.core.boot.KernelChoice;
import org.klp.core.boot.LoadingMarker;
import org.klp.core.boot.ModuleFileVersion;
import org.klp.kernel.apply.ApplyResult;
import org.klp.packaging.record.PatchRecord;

/**
 * Keeps boots safe and right around every load: writes the {@link LoadingMarker} before a load,
 * turns a marker left by a crash into a {@link CrashedPatch}, records the administrator's choice
 * per kernel after an operation, and keeps the early-boot plan and the initrds in step with them.
 * Callers hold the host's lock.
 */
public final class BootGuard {

    /** Where the early-boot hook says which patch it loaded in this boot (tmpfs: gone at the next boot). */
    public static final String RESTORED_EARLY = "run/klp/restored-early";

    private final Host host;
    private final BootRecordStore store;

    public BootGuard(Host host) {
        this.host = host;
        this.store = new BootRecordStore(host.root().path());
    }

    public BootRecordStore store() {
        return store;
    }

    /**
     * The boot record, with the host record's active patch as the choice for its kernel when it is
     * newer than the recorded choice, or when no choice was recorded (older klp): a transition left
     * to the kernel ({@code --on-timeout=wait}) becomes the choice only once klp records it complete.
     */
    public BootRecord record() {
        BootRecord r = store.read();
        Optional<HostState.ActivePatch> active = host.records().read().active();
        if (active.isEmpty() || !InstalledLivePatches.validRelease(active.get().kernel())) {
            return r;
        }
        HostState.ActivePatch a = active.get();
        Optional<KernelChoice> choice = r.choice(a.kernel());
        boolean samePatch = choice.map(c -> c.patch().equals(a.patch())).orElse(false);
        if (choice.isEmpty() || a.since().isAfter(choice.get().chosen()) || (samePatch && choice.get().moduleCopy().isEmpty())) {
            String packageFile = samePatch ? choice.get().packageFile() : "";
            r = r.withChoice(new KernelChoice(a.kernel(), a.patch(), samePatch && a.version() == 0 ? choice.get().version() : a.version(),
                    a.moduleCopy(), packageFile, a.since()));
        }
        return r;
    }

    /** Marks that {@code patch} is about to be loaded from {@code module}, forced to disk. */
    public void arm(String patch, Path module, String phase) {
        store.writeMarker(new LoadingMarker(patch, host.reader().kernelRelease(), module.toString(), phase,
                host.reader().bootId().orElse(""), host.now()));
    }

    /**
     * Looks at the marker: one left by an earlier boot becomes a crash record (and a history entry
     * and a kernel log line); one that has been stable long enough in this boot goes.
     */
    public Optional<CrashedPatch> inspect() {
        Optional<LoadingMarker> marker = store.marker();
        if (marker.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> boot = host.reader().bootId();
        if (marker.get().leftByACrash(boot)) {
            CrashedPatch crash = marker.get().asCrash(host.now());
            store.write(record().withCrash(crash));
            store.removeMarker();
            host.records().appendHistory(new HistoryEvent(host.now(), "boot", crash.patch(), "crashed", crash.reason()));
            KernelLog.warn(host, "live patch " + crash.patch() + " for " + crash.kernel() + ": " + crash.reason());
            refreshPlan(Set.of());
            return Optional.of(crash);
        }
        if (marker.get().stableAt(host.now(), boot)) {
            store.removeMarker();
        }
        return Optional.empty();
    }

    /** The patch ran long enough or the system is shutting down cleanly: it is trusted at the next boot. */
    public boolean markStable() {
        Optional<LoadingMarker> marker = store.marker();
        if (marker.isEmpty() || marker.get().leftByACrash(host.reader().bootId())) {
            return false;
        }
        store.removeMarker();
        return true;
    }

    /**
     * After a live operation: a load that brought nothing new clears the marker; an apply,
     * update or downgrade that made {@code patch} active is the administrator's choice for this
     * kernel (and forgives a crash it caused before); a completed disable chooses none. Returns
     * what changed for the initrds.
     */
    public List<InitrdRegeneration.Result> afterOperation(String operation, String patch, Optional<Path> module, Optional<PatchRecord> rec,
                                                          ApplyResult result) {
        String kernel = host.reader().kernelRelease();
        boolean loadedNew = operation.equals("disable") ? false
                : result instanceof ApplyResult.Completed c ? c.activeAfter().map(patch::equals).orElse(false)
                : result instanceof ApplyResult.Forced || result instanceof ApplyResult.StillInProgress;
        store.marker().filter(m -> m.patch().equals(patch) && !m.leftByACrash(host.reader().bootId()) && !loadedNew)
                .ifPresent(m -> store.removeMarker());
        if (!InstalledLivePatches.validRelease(kernel)) {
            return List.of();
        }
        BootRecord before = store.read();
        BootRecord next = record();
        boolean chosen = loadedNew && !(result instanceof ApplyResult.StillInProgress) || result instanceof ApplyResult.AlreadyActive;
        if (chosen && !operation.equals("restore")) {
            String copy = host.records().read().active().filter(a -> a.patch().equals(patch)).map(HostState.ActivePatch::moduleCopy).orElse("");
            String packageFile = module.map(m -> host.root().path().relativize(m.toAbsolutePath().normalize()).toString())
                    .filter(r -> r.startsWith(InstalledLivePatches.folder(kernel) + "/"))
                    .or(() -> rec.map(PatchRecord::moduleFile).filter(f -> f != null && InstalledLivePatches.presentInsideRoot(host, f)))
                    .orElse("");
            int version = rec.map(r -> r.livePatch().version())
                    .orElse(module.map(m -> ModuleFileVersion.of(m.getFileName().toString()).orElse(0)).orElse(0));
            next = next.withChoice(new KernelChoice(kernel, patch, version, copy, packageFile, host.now())).withoutCrash(kernel, patch);
        } else if (operation.equals("disable") && result instanceof ApplyResult.Completed c && c.activeAfter().isEmpty()) {
            next = next.withChoice(KernelChoice.none(kernel, host.now()));
        }
        if (!next.equals(before)) {
            store.write(next);
        }
        return refreshPlan(Set.of());
    }

    /** What a boot of {@code kernel} would do now, with the running kernel's loaded patch and command line when it is the running one. */
    public BootDecision decide(String kernel, boolean skipRequested, Optional<String> loaded) {
        BootRecord r = record();
        Optional<KernelChoice> choice = r.choice(kernel);
        boolean available = choice.map(c -> c.isNone() || (c.fromPackage() ? InstalledLivePatches.presentInsideRoot(host, c.packageFile())
                : InstalledLivePatches.presentInsideRoot(host, c.moduleCopy()))).orElse(false);
        return BootPlan.decide(new BootPlan.Input(kernel, skipRequested, choice, available, InstalledLivePatches.forKernel(host, kernel),
                r.crashedOn(kernel), loaded));
    }

    /** Whether this boot's kernel command line asks to skip every klp load. */
    public boolean skipRequested() {
        return host.root().readIfExists("proc/cmdline").map(BootPlan::skipRequested).orElse(false);
    }

    /**
     * Rewrites the early-boot plan from the records and regenerates the initrd of every kernel
     * whose line changed (and of those in {@code alsoKernels}).
     */
    public List<InitrdRegeneration.Result> refreshPlan(Set<String> alsoKernels) {
        Map<String, String> before = store.plan();
        Map<String, String> plan = new LinkedHashMap<>();
        for (String kernel : knownKernels()) {
            BootDecision d = decide(kernel, false, Optional.empty());
            if (d instanceof BootDecision.Load l) {
                plan.put(kernel, line(l.candidate()));
            }
        }
        if (plan.equals(before) && alsoKernels.isEmpty()) {
            return List.of();
        }
        if (!plan.equals(before)) {
            store.writePlan(plan);
        }
        Set<String> changed = new LinkedHashSet<>(alsoKernels);
        Set<String> all = new LinkedHashSet<>(before.keySet());
        all.addAll(plan.keySet());
        for (String k : all) {
            if (!java.util.Objects.equals(before.get(k), plan.get(k))) {
                changed.add(k);
            }
        }
        List<InitrdRegeneration.Result> results = new ArrayList<>();
        for (String k : changed) {
            String holds = Optional.ofNullable(plan.get(k)).map(l -> "live patch " + l.split(" ")[0]).orElse("no live patch");
            results.add(InitrdRegeneration.regenerate(host, k, holds));
        }
        return results;
    }

    private static String line(BootCandidate c) {
        return c.patch() + " " + c.module();
    }

    /** Kernels klp has a choice for, and those with a livepatch folder under lib/modules (at most 64). */
    private Set<String> knownKernels() {
        Set<String> kernels = new LinkedHashSet<>();
        record().choices().forEach(c -> kernels.add(c.kernel()));
        Path modules = host.root().resolve("lib/modules");
        try (var dirs = java.nio.file.Files.newDirectoryStream(modules)) {
            for (Path d : dirs) {
                if (kernels.size() >= BootRecord.LIMIT) {
                    break;
                }
                String k = d.getFileName().toString();
                if (InstalledLivePatches.validRelease(k) && java.nio.file.Files.isDirectory(d.resolve("livepatch"))) {
                    kernels.add(k);
                }
            }
        } catch (java.io.IOException e) {
            // no lib/modules: only the recorded choices
        }
        kernels.removeIf(k -> !InstalledLivePatches.validRelease(k));
        return kernels;
    }
}
