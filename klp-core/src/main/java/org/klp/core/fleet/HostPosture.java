package org.klp.core.fleet;

import java.util.List;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;

/**
 * What a host reports of its live patching at a check-in: the running kernel, the kernels and
 * live patch packages installed, the loaded live patch and its version, the transition (state,
 * how long it has run, how many tasks block it), the kernel's taint flags, whether a transition
 * was forced, and how the last apply ended.
 *
 * <p>The <em>posture</em> of the architecture is {@code (kernel, loadedVersion)}; the rest tells
 * whether that posture is settled (transition complete, not forced) and why not. This record is
 * the shape the server stores and the CVE audit reads; the agent builds it from the host tool's
 * own reading of the kernel.
 *
 * @param loadedPatch   name of the active live patch in {@code /sys/kernel/livepatch}, null for none
 * @param loadedPackage its package ({@code kernel-livepatch-…}), null when unknown or none
 * @param loadedVersion its live patch version N, 0 when none is loaded or the version is unknown
 * @param transition    {@link #READY} or {@link #IN_PROGRESS}
 * @param lastApply     how the last change ended, null when klp never changed this host
 */
public record HostPosture(String kernel, List<String> installedKernels, List<InstalledLivePatch> installedLivePatches,
                          String loadedPatch, String loadedPackage, int loadedVersion, String transition,
                          long transitionSeconds, int blockers, long taint, boolean forced, ApplyReport lastApply) {

    public static final String READY = "ready";
    public static final String IN_PROGRESS = "in_progress";

    public HostPosture {
        Objects.requireNonNull(kernel, "kernel");
        KernelRelease.parse(kernel);
        installedKernels = List.copyOf(installedKernels == null ? List.of() : installedKernels);
        installedKernels.forEach(KernelRelease::parse);
        installedLivePatches = List.copyOf(installedLivePatches == null ? List.of() : installedLivePatches);
        if (transition == null) {
            transition = READY;
        }
        if (!transition.equals(READY) && !transition.equals(IN_PROGRESS)) {
            throw new IllegalArgumentException("Not a transition state: '" + transition + "' (expected ready or in_progress)");
        }
        if (loadedVersion < 0 || transitionSeconds < 0 || blockers < 0 || taint < 0) {
            throw new IllegalArgumentException("loadedVersion, transitionSeconds, blockers and taint must not be negative");
        }
    }

    public KernelRelease kernelRelease() {
        return KernelRelease.parse(kernel);
    }

    /** The transition is complete and was not forced: the loaded version's fixes are in effect for every task. */
    public boolean settled() {
        return transition.equals(READY) && !forced;
    }

    /** A live patch package installed on the host (its files on disk, loaded or not). */
    public record InstalledLivePatch(String packageName, int version) {
        public InstalledLivePatch {
            Objects.requireNonNull(packageName, "packageName");
            if (version < 1) {
                throw new IllegalArgumentException("Live patch version must be 1 or more, was " + version);
            }
        }
    }

    /**
     * How the host tool's last change of the live patch ended.
     *
     * @param result {@code completed}, {@code unchanged}, {@code reverted}, {@code forced},
     *               {@code in_progress} or {@code failed}
     * @param at     when it ended, ISO-8601
     */
    public record ApplyReport(String operation, int targetVersion, String result, String message, String at) {
        public static final List<String> RESULTS = List.of("completed", "unchanged", "reverted", "forced", "in_progress", "failed");

        public ApplyReport {
            Objects.requireNonNull(operation, "operation");
            if (!RESULTS.contains(result)) {
                throw new IllegalArgumentException("Not an apply result: '" + result + "' (expected one of " + String.join(", ", RESULTS) + ")");
            }
            message = message == null ? "" : message;
            Objects.requireNonNull(at, "at");
            java.time.Instant.parse(at);
        }

        /** The change did not take effect as asked: the signal a staged rollout halts on. */
        public boolean failed() {
            return result.equals("reverted") || result.equals("failed");
        }
    }
}
