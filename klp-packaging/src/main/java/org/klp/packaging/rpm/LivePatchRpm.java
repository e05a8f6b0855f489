package org.klp.packaging.rpm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.PatchedFunction;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;

/**
 * Builds a live patch package {@code kernel-livepatch-<kernel package form>-N-1.<arch>.rpm}.
 *
 * <h2>Layout</h2>
 * <ul>
 * <li>{@code /lib/modules/<kernel>/livepatch/<module>.ko}: the module, checked first (an ELF
 *     kernel module or a simulated one, {@code livepatch=Y}, vermagic naming exactly the kernel);
 *     the package owns the folder {@code /lib/modules/<kernel>/livepatch}, which no other
 *     kernel's packages touch.</li>
 * <li>{@code /usr/share/klp/patches/<package>-<N>.json}: the {@link PatchRecord}, with {@code rpm}
 *     set to this package's {@code name-version-release.arch}.</li>
 * <li>The changelog: one SUSE-style entry per version, the previous version's entries carried on.</li>
 * </ul>
 *
 * <h2>Dependencies</h2>
 * <ul>
 * <li>{@code Requires: kernel-uname-r = <kernel>}: the capability SUSE's kernel packages provide
 *     (and klp's stand-in kernels), naming release and flavor exactly. It needs the kernel
 *     <em>installed</em>, not running.</li>
 * <li>{@code Provides: kernel-livepatch(<kernel>) = N}: the patch level of that kernel, which other
 *     packages may require ({@code >= N}).</li>
 * <li>{@code Supplements: (kernel-uname-r = <kernel> and kernel-livepatch-tools)}: see
 *     {@link #ACTIVATED_BY}.</li>
 * <li>No Conflicts and no Obsoletes: every kernel's package has its own name and its own folder,
 *     so live patches for several installed kernels sit side by side; versions of one kernel's
 *     package replace one another by ordinary upgrade or {@code --oldpackage} downgrade.</li>
 * </ul>
 *
 * <h2>Scriptlet</h2>
 * {@link #postScript}: loads the module with {@code klp apply} only when the running kernel is
 * this package's kernel and klp is installed; otherwise it does nothing. It always exits 0, so an
 * install for another kernel, or inside {@code zypper --root}'s chroot, never fails.
 *
 * <h2>Versions</h2>
 * Version 1 is the initial patch: no fixes, but a module all the same (one that patches nothing
 * of substance), as SUSE ships it; loading it puts the kernel in the state every later version
 * replaces atomically. Version N > 1 is checked against version N-1: same kernel, exactly one
 * version apart, a different module name (the kernel cannot load two modules of one name, and a
 * replacing patch is loaded next to the one it replaces), and every fix of N-1 carried over.
 */
public final class LivePatchRpm {

    public static final String RELEASE = "1";

    /**
     * The package whose presence means live patching is active on a host: the host tool. A live
     * patch package supplements its kernel together with it, so that the solver selects the live
     * patch of every installed kernel when the host tool comes, and of every kernel installed while
     * it is there; without it, installing a kernel pulls no live patch.
     */
    public static final String ACTIVATED_BY = "kernel-livepatch-tools";
    public static final String DEFAULT_ARCH = "x86_64";

    /** What to build. {@code kernelReleased} null: taken from the previous version, or {@code released} for version 1. */
    public record Spec(KernelRelease kernel, int version, byte[] module, String moduleSource, List<Fix> fixes,
                       LocalDate released, LocalDate kernelReleased, String arch, java.util.Set<String> dropped) {
        public Spec {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(module, "module");
            Objects.requireNonNull(released, "released");
            fixes = List.copyOf(fixes);
            dropped = dropped == null ? java.util.Set.of() : java.util.Set.copyOf(dropped.stream().map(Fix::normalizeId).toList());
            arch = arch == null || arch.isBlank() ? DEFAULT_ARCH : arch;
            if (!arch.matches("[A-Za-z0-9_]+")) {
                throw new IllegalArgumentException("Not an architecture: '" + arch + "' (expected e.g. x86_64, aarch64, ppc64le, s390x)");
            }
        }

        /** A package that drops none of its previous version's fixes. */
        public Spec(KernelRelease kernel, int version, byte[] module, String moduleSource, List<Fix> fixes,
                    LocalDate released, LocalDate kernelReleased, String arch) {
            this(kernel, version, module, moduleSource, fixes, released, kernelReleased, arch, java.util.Set.of());
        }
    }

    /** Version N-1 of the same package, as read from its RPM. */
    public record Previous(PatchRecord record, Changelog changelog, String source) {
    }

    /** A built package, and what the publisher should know (system states that could not be read). */
    public record Result(Path file, PatchRecord record, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }

        public Result(Path file, PatchRecord record) {
            this(file, record, List.of());
        }
    }

    private LivePatchRpm() {
    }

    /** Reads the record and changelog out of a live patch package, checking its digests. */
    public static Previous previousOf(RpmPackage rpm) {
        rpm.verifyDigests();
        PatchRecord record = recordOf(rpm);
        return new Previous(record, Changelog.of(rpm), rpm.source());
    }

    /**
     * Finds version N-1 of {@code kernel}'s live patch among the packages in {@code repoDir},
     * refusing a duplicate (version N already there) and a gap (N-1 missing).
     *
     * @return null for version 1 when the folder has no version of the package yet
     */
    public static Previous previousIn(Path repoDir, KernelRelease kernel, int version) {
        String name = LivePatchPackage.packageName(kernel);
        java.util.TreeMap<Integer, Path> versions = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(repoDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith(name + "-") && f.getFileName().toString().endsWith(".rpm")).toList()) {
                RpmPackage rpm = RpmPackage.read(f);
                if (rpm.name().equals(name)) {
                    try {
                        versions.put(Integer.parseInt(rpm.version()), f);
                    } catch (NumberFormatException e) {
                        throw new RpmFormatException(f + " has version '" + rpm.version() + "', not a live patch version number");
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("Repository folder " + repoDir + " does not exist");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot list " + repoDir + ": " + e.getMessage(), e);
        }
        if (versions.containsKey(version)) {
            throw new IllegalArgumentException("Duplicate version: " + name + " version " + version + " already exists in " + repoDir
                    + " (" + versions.get(version).getFileName() + "); the next version is " + (versions.lastKey() + 1));
        }
        if (!versions.isEmpty() && versions.lastKey() > version) {
            throw new IllegalArgumentException(repoDir + " already has " + name + " version " + versions.lastKey()
                    + ", newer than " + version + "; the next version is " + (versions.lastKey() + 1));
        }
        if (version == LivePatchPackage.INITIAL_VERSION) {
            return null;
        }
        Path previous = versions.get(version - 1);
        if (previous == null) {
            throw new IllegalArgumentException("Version gap: " + repoDir + " has " + (versions.isEmpty() ? "no version" : "versions up to "
                    + versions.lastKey()) + " of " + name + ", so version " + version + " cannot follow"
                    + (versions.isEmpty() ? " (build version 1, the initial patch, first)" : "; build version " + (versions.lastKey() + 1)));
        }
        return previousOf(RpmPackage.read(previous));
    }

    /** The patch record a live patch package ships. */
    public static PatchRecord recordOf(RpmPackage rpm) {
        String json = recordJsonOf(rpm);
        return PatchRecordJson.read(json, rpm.source() + ":/usr/share/klp/patches/" + rpm.name() + "-" + rpm.version() + ".json");
    }

    /** The patch record file of a live patch package as it is stored (not checked; see {@link #recordOf}). */
    public static String recordJsonOf(RpmPackage rpm) {
        String name = rpm.name();
        LivePatchPackage.kernelOfPackageName(name); // refuses non-live-patch packages with a clear message
        String path = "/usr/share/klp/patches/" + name + "-" + rpm.version() + ".json";
        Map<String, byte[]> files = rpm.extract(path::equals);
        byte[] json = files.get(path);
        if (json == null) {
            throw new RpmFormatException(rpm.source() + " is not a klp live patch package: it has no " + path);
        }
        return new String(json, StandardCharsets.UTF_8);
    }

    /**
     * Checks the module and the cumulative rule, then writes the package into {@code outputDir}.
     *
     * @param previous version N-1 (required for N > 1, null for version 1)
     * @param key      signs the package when not null
     */
    public static Result build(Spec spec, Previous previous, SigningKey key, Path outputDir) {
        ModuleInfo info = ModuleInfo.parse(spec.module(), spec.moduleSource());
        info.requireLivePatchFor(spec.kernel().uname(), spec.moduleSource());
        String moduleName = info.name().replace('-', '_');

        List<PatchedFunction> functions = new ArrayList<>();
        for (String f : info.values("function")) {
            functions.add(PatchRecordJson.parseFunction(f));
        }
        LivePatchPackage patch = new LivePatchPackage(spec.kernel(), spec.version(), spec.released(), spec.fixes(), functions);
        LocalDate kernelReleased = spec.kernelReleased();
        List<Fix> added = patch.fixes();
        List<Fix> droppedFixes = List.of();
        Changelog history = new Changelog(List.of());
        if (patch.isInitial()) {
            if (previous != null) {
                throw new IllegalArgumentException("Version 1 of " + patch.name() + " is the initial patch; it has no previous version ("
                        + previous.source() + " given)");
            }
            if (kernelReleased == null) {
                kernelReleased = spec.released();
            }
        } else {
            if (previous == null) {
                throw new IllegalArgumentException(patch.name() + " version " + patch.version() + " needs version " + (patch.version() - 1)
                        + " to check that it is cumulative: give --previous PKG.rpm or --repo DIR");
            }
            LivePatchPackage before = previous.record().livePatch();
            if (!before.kernel().equals(patch.kernel())) {
                throw new IllegalArgumentException(previous.source() + " is the live patch for kernel " + before.kernel()
                        + ", not for " + patch.kernel() + " (a package for another kernel)");
            }
            if (before.version() != patch.version() - 1) {
                throw new IllegalArgumentException(before.version() >= patch.version()
                        ? previous.source() + " is version " + before.version() + "; " + patch.name() + " version " + patch.version()
                                + " would not be newer (duplicate or older version)"
                        : "Version gap: " + previous.source() + " is version " + before.version() + ", so the next version of "
                                + patch.name() + " is " + (before.version() + 1) + ", not " + patch.version());
            }
            requireCumulative(patch, before, spec.dropped());
            if (previous.record().moduleName().equals(moduleName)) {
                throw new IllegalArgumentException("Module " + moduleName + " has the same name as version " + before.version()
                        + "'s module; a replacing live patch needs a new module name (the kernel cannot load two modules of one name),"
                        + " e.g. " + moduleName + "_v" + patch.version());
            }
            if (kernelReleased == null) {
                kernelReleased = previous.record().kernelReleased();
            }
            if (kernelReleased == null) {
                throw new IllegalArgumentException(previous.source() + " does not record its kernel's release date; give --kernel-released DATE");
            }
            added = patch.changeFrom(before).gained();
            droppedFixes = patch.changeFrom(before).dropped();
            history = previous.changelog();
        }

        java.util.Optional<List<org.klp.core.patch.SystemState>> states = org.klp.packaging.elf.KlpPatchStates.of(spec.module(), spec.moduleSource());
        List<String> warnings = new ArrayList<>();
        if (states.isEmpty()) {
            warnings.add("the system states of " + spec.moduleSource() + " cannot be known (no klp_patch found in its data and no"
                    + " state= in its .modinfo); a later version cannot be checked against them");
        }
        if (previous != null) {
            java.util.Optional<List<org.klp.core.patch.SystemState>> before = previous.record().systemStates();
            if (before.isPresent() && states.isPresent()) {
                List<String> problems = org.klp.core.patch.SystemState.incompatibilities(before.get(), states.get());
                if (!problems.isEmpty()) {
                    throw new IllegalArgumentException("The kernel would refuse to load " + spec.moduleSource() + " over version "
                            + previous.record().livePatch().version() + " (" + previous.source() + "): " + String.join("; ", problems)
                            + "; a cumulative patch keeps every system state at the same or a higher version");
                }
            } else if (before.isEmpty()) {
                warnings.add("the system states of version " + previous.record().livePatch().version() + " (" + previous.source()
                        + ") are not recorded, so whether the kernel accepts this version over it cannot be checked");
            }
        }

        String modulePath = PatchRecord.modulePath(patch, moduleName);
        String recordPath = PatchRecord.recordPath(patch);
        PackageWriter writer = new PackageWriter(patch.name(), Integer.toString(patch.version()), RELEASE, spec.arch());
        String nevra = patch.name() + "-" + patch.version() + "-" + RELEASE + "." + spec.arch();
        PatchRecord record = new PatchRecord(patch, moduleName, modulePath, nevra, kernelReleased, states);

        String kernel = patch.kernel().uname();
        writer.summary(patch.isInitial()
                        ? "Initial live patch for kernel " + kernel
                        : "Live patch " + patch.version() + " for kernel " + kernel)
                .description(description(patch))
                .buildTime(Instant.now())
                .changelog(history.prepend(Changelog.entryFor(patch, added, droppedFixes, Changelog.DEFAULT_AUTHOR)))
                .directory("/lib/modules/" + kernel + "/livepatch")
                .file("/" + modulePath, spec.module(), 0644)
                .file("/" + recordPath, PatchRecordJson.write(record).getBytes(StandardCharsets.UTF_8), 0644)
                .provides(PackageWriter.Dependency.equal("kernel-livepatch(" + kernel + ")", Integer.toString(patch.version())))
                .requires(PackageWriter.Dependency.equal("kernel-uname-r", kernel))
                .supplements(PackageWriter.Dependency.rich(supplements(patch.kernel())))
                .postScript(postScript(patch.kernel(), "/" + modulePath));
        Path file = writer.write(outputDir, key);
        return new Result(file, record, warnings);
    }

    /**
     * The cumulative rule with the publisher's explicit exceptions: every fix of {@code before}
     * must be in {@code patch} unless named in {@code dropped}; a name in {@code dropped} that
     * {@code before} does not carry, or that {@code patch} still carries, is refused (a typo must
     * not pass for a decision).
     */
    static void requireCumulative(LivePatchPackage patch, LivePatchPackage before, java.util.Set<String> dropped) {
        java.util.Set<String> previousIds = new java.util.HashSet<>(before.fixes().stream().map(Fix::id).toList());
        for (String id : new java.util.TreeSet<>(dropped)) {
            if (!previousIds.contains(id)) {
                throw new IllegalArgumentException("--drop " + id + ": version " + before.version() + " of " + patch.name()
                        + " does not carry " + id + " (it carries " + (previousIds.isEmpty() ? "no fix" : String.join(", ", new java.util.TreeSet<>(previousIds))) + ")");
            }
            if (patch.fixes().stream().anyMatch(f -> f.id().equals(id))) {
                throw new IllegalArgumentException("--drop " + id + ": version " + patch.version() + " still carries " + id
                        + "; remove the fix or do not drop it");
            }
        }
        List<String> missing = patch.changeFrom(before).dropped().stream().map(Fix::id).filter(id -> !dropped.contains(id)).toList();
        if (!missing.isEmpty()) {
            throw new org.klp.core.patch.NotCumulativeException(patch.name(), patch.version(), before.version(), missing);
        }
    }

    /** {@code (kernel-uname-r = KERNEL and kernel-livepatch-tools)}: see {@link #ACTIVATED_BY}. */
    public static String supplements(KernelRelease kernel) {
        return "(kernel-uname-r = " + kernel.uname() + " and " + ACTIVATED_BY + ")";
    }

    /**
     * The {@code %post} scriptlet: load the module when this kernel is running and klp is there,
     * say so on failure, never fail the installation.
     */
    public static String postScript(KernelRelease kernel, String modulePath) {
        // Nothing before the uname test touches the file system: inside zypper --root's chroot
        // there may be no /dev/null, and the running kernel is never the package's there.
        return "if [ \"$(uname -r)\" = \"" + kernel.uname() + "\" ] && command -v klp >/dev/null; then\n"
                + "  klp apply --quiet \"" + modulePath + "\" || echo \"klp: could not load " + modulePath
                + " now (the package is installed); see 'klp status'\" >&2\n"
                + "fi\n"
                + "exit 0\n";
    }

    private static String description(LivePatchPackage patch) {
        StringBuilder s = new StringBuilder();
        if (patch.isInitial()) {
            s.append("The initial live patch for kernel ").append(patch.kernel().uname())
                    .append(". It carries no fixes; later live patches for this kernel replace it.");
        } else {
            s.append("Live patch ").append(patch.version()).append(" for kernel ").append(patch.kernel().uname())
                    .append(". Cumulative: it carries every fix of the earlier live patches for this kernel.\n\nFixes:");
            for (Fix f : patch.fixes()) {
                s.append("\n- ").append(f.id());
                if (f.cvss() > 0) {
                    s.append(String.format(Locale.ROOT, " (CVSS %.1f)", f.cvss()));
                }
                if (!f.summary().isEmpty()) {
                    s.append(": ").append(f.summary());
                }
            }
        }
        return s.toString();
    }
}
