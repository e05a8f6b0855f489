package org.klp.cli.record;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.klp.cli.repo.RpmDatabase.InstalledPackage;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.ChangelogFixes;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.record.PatchRecord;

/**
 * A live patch as the rpm database describes it: the package that installed a module into a
 * kernel's {@code livepatch} folder, its version (the live patch's version), and the fixes its
 * changelog names. Any package laid out so qualifies, SUSE's and klp-pack's alike; klp's own record
 * of the same version may then add what a changelog lacks (scores, categories, functions, the
 * kernel's release date) without being needed.
 */
public final class PackagedLivePatch {

    /** {@code /lib/modules/<kernel>/livepatch/<module>.ko}, with usr-merge and compressed modules. */
    private static final Pattern MODULE_FILE = Pattern.compile(
            "^/((?:usr/)?lib/modules/([^/]{1,100})/livepatch/([A-Za-z0-9_-]{1,55})\\.ko(?:\\.xz|\\.zst|\\.gz)?)$");
    private static final int MAX_VERSION = 1_000_000;

    private PackagedLivePatch() {
    }

    /** The name the kernel gives a module file: dashes become underscores ({@code livepatch-2-2_1.ko} loads as {@code livepatch_2_2_1}). */
    public static String moduleName(String fileBaseName) {
        return fileBaseName.replace('-', '_');
    }

    /**
     * The record of an installed package, or empty when it installs no live patch module. A
     * package that installs one but cannot describe it (version not a whole number, kernel folder
     * not a kernel release) is skipped with the reason in {@code problems}.
     */
    public static Optional<PatchRecord> of(InstalledPackage p, List<String> problems) {
        Optional<Matcher> module = p.files().stream().map(MODULE_FILE::matcher).filter(Matcher::matches).findFirst();
        if (module.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = module.get();
        KernelRelease kernel;
        try {
            kernel = LivePatchPackage.isLivePatchName(p.name()) ? LivePatchPackage.kernelOfPackageName(p.name()) : KernelRelease.parse(m.group(2));
        } catch (IllegalArgumentException e) {
            problems.add(p.nevra() + ": its module folder " + m.group(2) + " is not a kernel release; skipped");
            return Optional.empty();
        }
        int version;
        try {
            version = Integer.parseInt(p.version());
        } catch (NumberFormatException e) {
            version = -1;
        }
        if (version < 1 || version > MAX_VERSION) {
            problems.add(p.nevra() + ": version " + p.version() + " is not a live patch version (a whole number from 1); skipped");
            return Optional.empty();
        }
        // version 1 is the initial patch: whatever its changelog says, it carries no fixes
        List<Fix> fixes = version == LivePatchPackage.INITIAL_VERSION ? List.of() : ChangelogFixes.parse(p.changelog());
        LocalDate built = LocalDate.ofInstant(Instant.ofEpochSecond(Math.min(p.buildTime(), 253_402_300_799L)), ZoneOffset.UTC);
        try {
            LivePatchPackage livePatch = new LivePatchPackage(kernel, version, built, fixes, List.of());
            return Optional.of(new PatchRecord(livePatch, moduleName(m.group(3)), m.group(1), p.nevra()));
        } catch (IllegalArgumentException e) {
            problems.add(p.nevra() + ": " + e.getMessage() + "; skipped");
            return Optional.empty();
        }
    }

    /**
     * The package's record with what klp's own record of the same version adds: for each fix the
     * changelog names, the record's score, category and references; the record's fixes the
     * changelog does not name; its functions and dates. Bug ids the changelog could not pair with a
     * CVE but the record names as a CVE's reference are no fixes of their own.
     */
    public static PatchRecord enrich(PatchRecord fromPackage, PatchRecord klpRecord) {
        Map<String, Fix> known = klpRecord.livePatch().fixes().stream()
                .collect(Collectors.toMap(Fix::id, f -> f, (a, b) -> a, LinkedHashMap::new));
        Set<String> referenced = klpRecord.livePatch().fixes().stream().flatMap(f -> f.references().stream()).collect(Collectors.toSet());
        List<Fix> fixes = new ArrayList<>();
        for (Fix f : fromPackage.livePatch().fixes()) {
            Fix k = known.remove(f.id());
            if (k != null) {
                fixes.add(new Fix(f.id(), k.cvss() > 0 ? k.cvss() : f.cvss(), k.summary().isEmpty() ? f.summary() : k.summary(),
                        union(k.references(), f.references()), k.category(), k.changesDataStructures()));
            } else if (f.isCve() || !referenced.contains(f.id())) {
                fixes.add(f);
            }
        }
        fixes.addAll(known.values());
        LivePatchPackage p = fromPackage.livePatch();
        if (p.isInitial()) {
            fixes = List.of();
        }
        LivePatchPackage merged = new LivePatchPackage(p.kernel(), p.version(), klpRecord.livePatch().releaseDate(), fixes,
                klpRecord.livePatch().functions());
        return new PatchRecord(merged, fromPackage.moduleName(), fromPackage.moduleFile(), fromPackage.rpm(),
                klpRecord.kernelReleaseDate().orElse(null));
    }

    private static List<String> union(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        b.stream().filter(x -> !out.contains(x)).forEach(out::add);
        return out;
    }
}
