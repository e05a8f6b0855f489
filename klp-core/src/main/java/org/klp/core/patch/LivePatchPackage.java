package org.klp.core.patch;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.klp.core.kernel.KernelRelease;

/**
 * Version N of the live patch for one exact kernel release: the package
 * {@code kernel-livepatch-<kernel in package form>} at version N.
 *
 * <p>Live patches are cumulative: version N carries every fix of version N-1 (checked by
 * {@link #requireCumulativeOver}). Version 1 is the <em>initial patch</em>, shipped empty with
 * every kernel as the seed for later versions.
 */
public record LivePatchPackage(KernelRelease kernel, int version, LocalDate releaseDate,
                               List<Fix> fixes, List<PatchedFunction> functions) {

    public static final String NAME_PREFIX = "kernel-livepatch-";
    public static final int INITIAL_VERSION = 1;

    public LivePatchPackage {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(releaseDate, "releaseDate");
        if (version < INITIAL_VERSION) {
            throw new IllegalArgumentException("Live patch version must be 1 or more, was " + version
                    + " (version 1 is the initial patch)");
        }
        fixes = List.copyOf(fixes);
        functions = List.copyOf(functions);
        Set<String> seen = new HashSet<>();
        for (Fix f : fixes) {
            if (!seen.add(f.id())) {
                throw new IllegalArgumentException("Fix " + f.id() + " is listed twice in " + packageName(kernel) + " version " + version);
            }
        }
        if (version == INITIAL_VERSION && !fixes.isEmpty()) {
            throw new IllegalArgumentException("Version 1 of " + packageName(kernel)
                    + " is the initial patch and carries no fixes; fixes start at version 2");
        }
    }

    /** The empty initial patch that ships with every kernel. */
    public static LivePatchPackage initial(KernelRelease kernel, LocalDate releaseDate) {
        return new LivePatchPackage(kernel, INITIAL_VERSION, releaseDate, List.of(), List.of());
    }

    public static String packageName(KernelRelease kernel) {
        return NAME_PREFIX + kernel.packageForm();
    }

    /**
     * Whether a package name is a live patch package's: {@code kernel-livepatch-} and a kernel in
     * package form. Other packages share the prefix, such as the host tool's
     * {@code kernel-livepatch-tools}.
     */
    public static boolean isLivePatchName(String name) {
        if (name == null || !name.startsWith(NAME_PREFIX)) {
            return false;
        }
        try {
            KernelRelease.parsePackageForm(name.substring(NAME_PREFIX.length()));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Reads the kernel release out of a package name such as {@code kernel-livepatch-5_14_21-150500_55_49-default}. */
    public static KernelRelease kernelOfPackageName(String name) {
        if (name == null || !name.startsWith(NAME_PREFIX)) {
            throw new IllegalArgumentException("Not a live patch package name: '" + name
                    + "' (expected kernel-livepatch-<kernel>, such as kernel-livepatch-5_14_21-150500_55_49-default)");
        }
        return KernelRelease.parsePackageForm(name.substring(NAME_PREFIX.length()));
    }

    public String name() {
        return packageName(kernel);
    }

    public boolean isInitial() {
        return version == INITIAL_VERSION;
    }

    public List<String> cveIds() {
        return fixes.stream().filter(Fix::isCve).map(Fix::id).toList();
    }

    /** The highest CVSS score among the fixes, 0.0 for none. */
    public double highestCvss() {
        return fixes.stream().mapToDouble(Fix::cvss).max().orElse(0.0);
    }

    /** The fixes gained and dropped by moving from {@code from} (the loaded patch) to this one. */
    public FixChange changeFrom(LivePatchPackage from) {
        return FixChange.between(from == null ? List.of() : from.fixes, fixes);
    }

    /**
     * Checks the cumulative rule against an earlier version of the same kernel's live patch.
     *
     * @throws NotCumulativeException naming every fix of {@code previous} this version lacks
     */
    public void requireCumulativeOver(LivePatchPackage previous) {
        if (!previous.kernel.equals(kernel)) {
            throw new IllegalArgumentException("Cannot compare live patches of different kernels: "
                    + previous.kernel + " and " + kernel);
        }
        if (previous.version >= version) {
            throw new IllegalArgumentException(name() + " version " + version + " must be newer than version " + previous.version);
        }
        List<String> missing = changeFrom(previous).dropped().stream().map(Fix::id).toList();
        if (!missing.isEmpty()) {
            throw new NotCumulativeException(name(), version, previous.version, missing);
        }
    }

    /** {@code kernel-livepatch-5_14_21-150500_55_49-default-3}: name and version, as users say it. */
    public String nameVersion() {
        return name() + "-" + version;
    }
}
