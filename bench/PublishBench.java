import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.SyntheticModule;
import org.klp.core.patch.Fix;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;

/**
 * klp-pack repo publish against createrepo_c on the same folder of synthetic live patch packages,
 * full and incremental (one package added), in one run. Every publish is a separate process
 * (bin/klp-pack, a cold JVM; createrepo_c), timed from start to exit; the median of RUNS is shown.
 *
 * Run: bench/publish-bench.sh [PACKAGES] [RUNS]   (defaults 2000 and 3)
 */
public class PublishBench {

    public static void main(String[] args) throws Exception {
        int packages = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path top = Path.of(System.getProperty("klp.top", ".")).toAbsolutePath();
        Path work = Files.createTempDirectory("klp-publish-bench");
        try {
            run(top, work, packages, runs);
        } finally {
            delete(work);
        }
    }

    static void run(Path top, Path work, int packages, int runs) throws Exception {
        System.out.printf("Generating %d signed synthetic live patch packages (%d kernels x 5 versions) in %s ...%n",
                packages, packages / 5, work);
        KeyPairGenerator.GeneratedKey generated = KeyPairGenerator.generate("klp bench <bench@example.org>", 2048);
        Path keyFile = work.resolve("bench.secret.asc");
        Files.writeString(keyFile, generated.secretKeyArmored(), StandardCharsets.US_ASCII);
        SigningKey key = SigningKey.read(keyFile);
        Path pool = work.resolve("pool");
        Path extra = work.resolve("extra");
        int kernels = packages / 5;
        for (int k = 0; k < kernels; k++) {
            chain(KernelRelease.parse("5.14.21-150500." + (10 + k / 100) + "." + (k % 100) + "-default"), 5, key, pool);
        }
        // the packages added one at a time: version 6 of some kernels
        List<Path> additions = new ArrayList<>();
        for (int i = 0; i < runs * 2; i++) {
            KernelRelease kernel = KernelRelease.parse("5.14.21-150500." + (10 + i / 100) + "." + (i % 100) + "-default");
            LivePatchRpm.Previous five = LivePatchRpm.previousOf(RpmPackage.read(pool.resolve(
                    LivePatchPackageName(kernel) + "-5-1.x86_64.rpm")));
            additions.add(LivePatchRpm.build(spec(kernel, 6), five, key, extra).file());
        }
        long bytes;
        try (Stream<Path> s = Files.list(pool)) {
            bytes = s.mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf("%d packages, %.1f MB%n%n", packages, bytes / 1e6);

        String klpPack = top.resolve("bin/klp-pack").toString();
        exec(List.of(klpPack, "--version")); // builds the jar if needed, outside the timings
        // an untimed publish, which also lets bin/klp-pack record its class data sharing archive
        Path warm = copy(pool, work.resolve("warm-up"));
        exec(List.of(klpPack, "repo", "publish", warm.toString(), "--key", keyFile.toString()));
        exec(List.of("createrepo_c", "--quiet", warm.toString()));
        delete(warm);

        List<Double> klpFull = new ArrayList<>(), klpInc = new ArrayList<>(), crFull = new ArrayList<>(), crFullNoDb = new ArrayList<>(),
                crUpdate = new ArrayList<>(), crUpdateNoDb = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            Path klp = copy(pool, work.resolve("klp-" + r));
            klpFull.add(exec(List.of(klpPack, "repo", "publish", klp.toString(), "--key", keyFile.toString())));
            Files.copy(additions.get(2 * r), klp.resolve(additions.get(2 * r).getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            klpInc.add(exec(List.of(klpPack, "repo", "publish", klp.toString(), "--key", keyFile.toString())));

            Path cr = copy(pool, work.resolve("cr-" + r));
            crFull.add(exec(List.of("createrepo_c", "--quiet", cr.toString())));
            Files.copy(additions.get(2 * r), cr.resolve(additions.get(2 * r).getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            crUpdate.add(exec(List.of("createrepo_c", "--quiet", "--update", cr.toString())));

            Path crn = copy(pool, work.resolve("crn-" + r));
            crFullNoDb.add(exec(List.of("createrepo_c", "--quiet", "--no-database", crn.toString())));
            Files.copy(additions.get(2 * r + 1), crn.resolve(additions.get(2 * r + 1).getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            crUpdateNoDb.add(exec(List.of("createrepo_c", "--quiet", "--no-database", "--update", crn.toString())));
            delete(klp);
            delete(cr);
            delete(crn);
        }
        System.out.printf("Median of %d runs, wall time of each command from start to exit (%d cores):%n", runs,
                Runtime.getRuntime().availableProcessors());
        row("klp-pack repo publish --key (full)", klpFull);
        row("createrepo_c (full, with sqlite)", crFull);
        row("createrepo_c --no-database (full)", crFullNoDb);
        row("klp-pack repo publish --key (1 added)", klpInc);
        row("createrepo_c --update (1 added)", crUpdate);
        row("createrepo_c --update --no-database (1 added)", crUpdateNoDb);
        System.out.printf("%nRatio, incremental: createrepo_c --update / klp-pack = %.2f wall, %.2f cpu (with sqlite); %.2f wall, %.2f cpu (--no-database)%n",
                median(crUpdate) / median(klpInc), medianCpu(crUpdate) / medianCpu(klpInc),
                median(crUpdateNoDb) / median(klpInc), medianCpu(crUpdateNoDb) / medianCpu(klpInc));
        System.out.printf("Ratio, full:        createrepo_c / klp-pack = %.2f wall, %.2f cpu (with sqlite); %.2f wall, %.2f cpu (--no-database)%n",
                median(crFull) / median(klpFull), medianCpu(crFull) / medianCpu(klpFull),
                median(crFullNoDb) / median(klpFull), medianCpu(crFullNoDb) / medianCpu(klpFull));
        System.out.println("(a ratio above 1 means klp-pack is faster)");
        System.out.println("(klp-pack also writes updateinfo, lifecycle and patch records and signs repomd.xml; createrepo_c does neither.)");
    }

    static String LivePatchPackageName(KernelRelease k) {
        return org.klp.core.patch.LivePatchPackage.packageName(k);
    }

    static void chain(KernelRelease kernel, int last, SigningKey key, Path dir) {
        LivePatchRpm.Previous previous = null;
        for (int v = 1; v <= last; v++) {
            LivePatchRpm.Result r = LivePatchRpm.build(spec(kernel, v), previous, key, dir);
            previous = LivePatchRpm.previousOf(RpmPackage.read(r.file()));
        }
    }

    static LivePatchRpm.Spec spec(KernelRelease kernel, int version) {
        List<Fix> fixes = new ArrayList<>();
        for (int i = 1; i < version; i++) {
            fixes.add(Fix.security(String.format(Locale.ROOT, "CVE-2024-%05d", 50000 + i), 7.0 + i * 0.3, "synthetic fix " + i, "bsc#" + (1230000 + i)));
        }
        String module = "klp_" + kernel.release().replace('.', '_') + "_v" + version;
        return new LivePatchRpm.Spec(kernel, version, SyntheticModule.livePatch(module, kernel.uname()), module + ".ko", fixes,
                LocalDate.of(2024, 3, 1).plusDays(14L * version), version == 1 ? LocalDate.of(2024, 3, 1) : null, "x86_64");
    }

    static final boolean TIME = Files.isExecutable(Path.of("/usr/bin/time"));
    /** CPU seconds (user + system) of each command, by the command's wall time: filled when /usr/bin/time exists. */
    static final java.util.Map<Double, Double> CPU = new java.util.HashMap<>();

    static double exec(List<String> command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (TIME) {
            cmd.addAll(List.of("/usr/bin/time", "-f", "KLPTIME %U %S"));
        }
        cmd.addAll(command);
        Path err = Files.createTempFile("klp-bench", ".err");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        if (!p.waitFor(600, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String stderr = Files.readString(err);
        Files.delete(err);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n" + stderr);
        }
        for (String line : stderr.split("\n")) {
            if (line.startsWith("KLPTIME ")) {
                String[] f = line.split(" ");
                CPU.put(seconds, Double.parseDouble(f[1]) + Double.parseDouble(f[2]));
            }
        }
        return seconds;
    }

    static void row(String what, List<Double> times) {
        List<Double> cpu = times.stream().map(t -> CPU.getOrDefault(t, Double.NaN)).toList();
        System.out.printf("  %-48s %7.3f s wall %7.3f s cpu   (wall of each run: %s)%n", what, median(times), median(cpu),
                String.join(", ", times.stream().map(t -> String.format(Locale.ROOT, "%.3f", t)).toList()));
    }

    static double medianCpu(List<Double> times) {
        return median(times.stream().map(t -> CPU.getOrDefault(t, Double.NaN)).toList());
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        return sorted.get(sorted.size() / 2);
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
