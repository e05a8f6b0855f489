package org.klp.cli.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.klp.cli.repo.RpmDatabase;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;

/**
 * The live patches a host knows, with the rpm database as the truth: every installed package that
 * put a module into a kernel's {@code livepatch} folder (its version, its changelog's fixes, its
 * {@code name-version-release.arch}), enriched by klp's own records where they exist; then klp's
 * records no installed package matches: those in {@code usr/share/klp/patches} on hosts without an
 * rpm database, and those klp keeps in {@code var/lib/klp/patches} (given with {@code --record}, or
 * kept when a patch was applied, so a loaded patch stays known after zypper replaced its package).
 * A record or package that cannot be read is reported, not fatal: the rest still describe their patches.
 */
public final class PatchRecords {

    public static final List<String> DIRS = List.of("usr/share/klp/patches", HostRecordStore.DIR + "/patches");
    /** The packages that may hold live patches, by rpm's name pattern; other owners are asked for by file. */
    static final String PACKAGE_GLOB = "kernel-livepatch-*";

    private final Path root;
    private final List<PatchRecord> records;
    private final List<PatchRecord> packaged;
    private final List<String> problems;
    private final Optional<RpmDatabase> rpm;

    private PatchRecords(Path root, List<PatchRecord> records, List<PatchRecord> packaged, List<String> problems, Optional<RpmDatabase> rpm) {
        this.root = root;
        this.records = records;
        this.packaged = packaged;
        this.problems = problems;
        this.rpm = rpm;
    }

    /** klp's records and, where the root has an rpm database and rpm is installed, the installed live patch packages. */
    public static PatchRecords load(Path root) {
        return load(root, RpmDatabase.at(root));
    }

    static PatchRecords load(Path root, Optional<RpmDatabase> rpm) {
        List<String> problems = new ArrayList<>();
        List<PatchRecord> own = readOwn(root, problems);
        List<PatchRecord> packaged = new ArrayList<>();
        if (rpm.isPresent()) {
            try {
                RpmDatabase.Query q = rpm.get().installed(PACKAGE_GLOB);
                problems.addAll(q.problems());
                q.packages().forEach(p -> PackagedLivePatch.of(p, problems).ifPresent(packaged::add));
            } catch (IllegalStateException e) {
                problems.add("cannot read the rpm database: " + e.getMessage());
            }
        }
        List<PatchRecord> enriched = new ArrayList<>();
        List<PatchRecord> unmatched = new ArrayList<>(own);
        for (PatchRecord p : packaged) {
            Optional<PatchRecord> mine = own.stream().filter(r -> sameVersion(r, p)).reduce((a, b) -> b);
            mine.ifPresent(unmatched::remove);
            enriched.add(mine.map(r -> PackagedLivePatch.enrich(p, r)).orElse(p));
        }
        // the same version's other copies (the kept one beside the package's) describe the same package
        unmatched.removeIf(r -> packaged.stream().anyMatch(p -> sameVersion(r, p)));
        List<PatchRecord> all = new ArrayList<>(unmatched);
        all.addAll(enriched);
        Comparator<PatchRecord> order = Comparator.comparing((PatchRecord r) -> r.livePatch().kernel()).thenComparingInt(r -> r.livePatch().version());
        all.sort(order);
        enriched.sort(order);
        return new PatchRecords(root, all, List.copyOf(enriched), problems, rpm);
    }

    private static boolean sameVersion(PatchRecord a, PatchRecord b) {
        return a.livePatch().kernel().equals(b.livePatch().kernel()) && a.livePatch().version() == b.livePatch().version();
    }

    private static List<PatchRecord> readOwn(Path root, List<String> problems) {
        List<PatchRecord> records = new ArrayList<>();
        for (String d : DIRS) {
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
                for (Path f : s) {
                    try {
                        records.add(PatchRecordJson.read(Files.readString(f, StandardCharsets.UTF_8), f.toString()));
                    } catch (IOException | IllegalArgumentException e) {
                        problems.add(e.getMessage());
                    }
                }
            } catch (IOException e) {
                problems.add("Cannot list " + dir + ": " + e.getMessage());
            }
        }
        records.sort(Comparator.comparing((PatchRecord r) -> r.livePatch().kernel()).thenComparingInt(r -> r.livePatch().version()));
        return records;
    }

    public List<PatchRecord> all() {
        return records;
    }

    public List<String> problems() {
        return problems;
    }

    /** Whether the host has an rpm database klp reads. */
    public boolean hasPackageDatabase() {
        return rpm.isPresent();
    }

    /**
     * The record of the module a loaded patch came from, for the running kernel: a known record,
     * else the owner, in the rpm database, of the module file of that name in the kernel's
     * {@code livepatch} folder (the kernel turns the file name's dashes into underscores).
     */
    public Optional<PatchRecord> forModule(String moduleName, String kernelRelease) {
        Optional<PatchRecord> known = records.stream()
                .filter(r -> r.moduleName().equals(moduleName) && r.livePatch().kernel().uname().equals(kernelRelease))
                .reduce((a, b) -> b);
        return known.or(() -> ownerOfModule(moduleName, kernelRelease));
    }

    private Optional<PatchRecord> ownerOfModule(String moduleName, String kernelRelease) {
        if (rpm.isEmpty() || kernelRelease.contains("/") || kernelRelease.contains("..")) {
            return Optional.empty();
        }
        for (String base : List.of("lib/modules/", "usr/lib/modules/")) {
            Path dir = root.resolve(base + kernelRelease + "/livepatch");
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.ko*")) {
                for (Path f : s) {
                    String file = f.getFileName().toString();
                    String stem = file.substring(0, file.indexOf(".ko"));
                    if (PackagedLivePatch.moduleName(stem).equals(moduleName)) {
                        RpmDatabase.Query q = rpm.get().owner(base + kernelRelease + "/livepatch/" + file);
                        problems.addAll(q.problems());
                        List<String> quiet = new ArrayList<>();
                        for (RpmDatabase.InstalledPackage p : q.packages()) {
                            Optional<PatchRecord> r = PackagedLivePatch.of(p, quiet);
                            if (r.isPresent() && r.get().moduleName().equals(moduleName)) {
                                return r;
                            }
                        }
                    }
                }
            } catch (IOException | IllegalStateException e) {
                problems.add("cannot tell which package owns module " + moduleName + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Every known version of the running kernel's live patch, oldest first. */
    public List<PatchRecord> forKernel(String kernelRelease) {
        return records.stream().filter(r -> r.livePatch().kernel().uname().equals(kernelRelease)).toList();
    }

    /** The versions of a kernel's live patch installed now: their module file is under the root. Oldest first. */
    public List<PatchRecord> installed(String kernelRelease) {
        return forKernel(kernelRelease).stream().filter(this::moduleInstalled).toList();
    }

    /** The versions of a kernel's live patch the rpm database lists as installed, oldest first (empty without a database). */
    public List<PatchRecord> packaged(String kernelRelease) {
        return packaged.stream().filter(r -> r.livePatch().kernel().uname().equals(kernelRelease)).toList();
    }

    private boolean moduleInstalled(PatchRecord r) {
        return !r.moduleFile().isEmpty() && Files.isRegularFile(root.resolve(r.moduleFile()));
    }

    public Optional<PatchRecord> version(String kernelRelease, int version) {
        return forKernel(kernelRelease).stream().filter(r -> r.livePatch().version() == version).reduce((a, b) -> b);
    }
}
