package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.build.KernelSymbol;
import org.klp.packaging.build.KernelSymbolTable;
import org.klp.packaging.build.LivePatchBuild;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.LivePatchRpm;

/**
 * From fix sources to a live patch on the running kernel, end to end, on each of Debian's kernels
 * ({@link DebianKernel}), one boot per kernel line: what a publisher and a host do, with klp's own
 * code on both sides.
 *
 * <p>On the host, as {@code klp-pack key generate}, {@code klp-pack build} and
 * {@code klp-pack repo publish} do: an OpenPGP key pair is made, {@link LivePatchBuild} builds
 * three versions of {@code kernel-livepatch-<kernel>} from fix sources against the kernel line's
 * headers ({@code /lib/modules/<release>/build}) and signs them, and the repository's metadata is
 * published signed. Version 1 is the empty initial patch; version 2 fixes CVE-2026-0001 by
 * replacing {@code cmdline_proc_show} with code that reads the non-exported
 * {@code saved_command_line} through a livepatch relocation the kernel resolves when the patch is
 * enabled (system state 1 at version 1); version 3 adds bsc#1200002, a replacement of
 * {@code version_proc_show}, which raises system state 1 to version 2.
 *
 * <p>In the guest, through klp only (the real {@code klp.jar}, no {@code insmod}), as a host
 * without zypper does: {@code klp update --to 2} from the signed repository given on the command
 * line downloads, verifies, installs and applies version 2, and {@code /proc/cmdline} shows what
 * the replacement printed through the relocation; {@code klp -v patches} names the CVE and the
 * package. Then the repository is configured as {@code klp register} would
 * ({@code /etc/klp/repositories}, {@code /etc/klp/trusted.asc}) and a plain {@code klp update}
 * moves to version 3, which replaces version 2 atomically. {@code klp downgrade --to 2} is refused
 * before anything is loaded, naming the state that would go down: the kernel still shows version 3
 * alone, enabled.
 *
 * <p>The guest's {@code /usr} and {@code /etc} are the host's, read-only over 9p: an overlay on a
 * tmpfs makes them writable for the boot, as a host's root file system is, so that klp installs
 * the package's module under {@code /lib/modules} and its record under {@code /usr/share/klp}.
 *
 * <p>Symbol positions ({@code --symbols}): Debian's {@code /boot/System.map-*} is a stub and the
 * real one comes only with the {@code linux-image-<release>-dbg} package (hundreds of MiB, which CI
 * does not install), and the guest's {@code /proc/kallsyms} exists only after the build. So the boot
 * dumps {@code /proc/kallsyms} at its end, the test checks the fixes' symbols against that real
 * table as the build would, and keeps it beside the guest folder; the next run's build of the same
 * kernel release takes it as its symbol table. A first run (as in a fresh CI checkout) builds
 * without one, and the kernel checks the positions when it loads the patch.
 *
 * <p>Budget: one boot per kernel line of about 70 s under TCG (six klp commands of 4 to 12 s, the
 * CDS training run unless {@link #reuseCdsArchive} finds the archive another class's boot made of
 * the same jar), and three kbuild runs of 5 to 15 s each.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class KlpPackBuildOnRealKernelTest {

    /** The kernel line of this run of the class. */
    @Parameter
    DebianKernel line;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LP = "/sys/kernel/livepatch";
    private static final String REPO = GuestFolder.MOUNT_POINT + "/repo";
    private static final String TRUSTED = GuestFolder.MOUNT_POINT + "/trusted.asc";
    private static final String CVE = "CVE-2026-0001";
    private static final String BUG = "bsc#1200002";
    private static final String VERSION_MARKER = "patched by klp " + BUG;
    /** What the kernel shows of live patching: each patch folder with its enabled and transition files, and the loaded modules. */
    private static final String KERNEL_VIEW = "cd " + LP + " && grep -H . */enabled */transition; cd /; echo modules:; "
            + "grep '^livepatch_' /proc/modules | cut -d' ' -f1 | sort; true";
    /**
     * Writable {@code /usr} and {@code /etc} (overlays on a tmpfs over the host's read-only 9p
     * shares), where a package installs its files.
     */
    private static final String WRITABLE_ROOT = "modprobe overlay && for d in usr etc; do mkdir -p /tmp/root/$d/upper /tmp/root/$d/work"
            + " && mount -t overlay overlay -o lowerdir=/$d,upperdir=/tmp/root/$d/upper,workdir=/tmp/root/$d/work /$d || exit 1; done";
    /** Where the guest writes its {@code /proc/kallsyms}, in the guest folder. */
    private static final String KALLSYMS_DUMP = "out/kallsyms.txt";
    /** Where the last dump is kept for the next run's build, beside the guest folder (which every run makes anew). */
    private static final String KALLSYMS_CACHE = "klp-pack-build.kallsyms.txt";
    /** The boot takes about 70 s under TCG (see the class comment); room for a machine other builds keep busy. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(8);

    private static RealKernelLab lab;
    private static GuestRun run;
    private static String packageName;
    private static String v2;
    private static String v3;
    private static GuestFolder folder;
    /** The kallsyms dump an earlier boot of this kernel left, which the build checked the fixes' kernel symbols against; null on a first run. */
    private static Path symbolsUsed;

    @BeforeParameterizedClassInvocation
    static void buildPublishAndBoot(DebianKernel line) throws IOException {
        long start = System.nanoTime();
        lab = RealKernelLab.of(line);
        KernelRelease kernel = lab.kernel().release();
        packageName = LivePatchPackage.packageName(kernel);
        Path base = lab.workDir().resolve("klp-pack-build");
        deleteTree(base);
        folder = lab.newFolder("klp-pack-build-guest");
        Path cachedSymbols = lab.workDir().resolve(KALLSYMS_CACHE);
        symbolsUsed = Files.isRegularFile(cachedSymbols) ? cachedSymbols : null;
        Path repo = Files.createDirectories(folder.hostPath("repo"));

        // klp-pack key generate
        KeyPairGenerator.GeneratedKey generated = KeyPairGenerator.generate("klp test publisher <klp-publisher@example.org>", 2048);
        SigningKey key = SigningKey.parse(generated.secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "the test publisher's key");
        folder.write("trusted.asc", generated.publicKeyArmored());

        // klp-pack build, three versions, each cumulative over the one before in the repository
        Path fixes = base.resolve("fixes");
        long buildStart = System.nanoTime();
        build(kernel, 1, Files.createDirectories(base.resolve("empty")), repo, key, null);
        fix(fixes.resolve("10-cmdline"), "id = " + CVE + "\ncvss = 5.5\nsummary = proc: cmdline marker\nstates = 1:1\n"
                        + "kernel-symbols = vmlinux:saved_command_line\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n",
                "#include <linux/seq_file.h>\n\nextern char *saved_command_line;\n\n"
                        + "int klp_cmdline_proc_show(struct seq_file *m, void *v)\n{\n"
                        + "\tseq_printf(m, \"%s klp=" + CVE + "\\n\", saved_command_line);\n\treturn 0;\n}\n");
        v2 = build(kernel, 2, fixes, repo, key, symbolsUsed);
        fix(fixes.resolve("20-version"), "id = " + BUG + "\nsummary = proc: version marker\nstates = 1:2\n",
                "vmlinux version_proc_show klp_version_proc_show\n",
                "#include <linux/seq_file.h>\n\nint klp_version_proc_show(struct seq_file *m, void *v)\n{\n"
                        + "\tseq_puts(m, \"" + VERSION_MARKER + "\\n\");\n\treturn 0;\n}\n");
        v3 = build(kernel, 3, fixes, repo, key, symbolsUsed);
        Duration buildTime = Duration.ofNanos(System.nanoTime() - buildStart);

        // klp-pack repo publish --key
        RepositoryPublisher.Result published = new RepositoryPublisher(key).publish(repo);
        assertThat(published.livePatches()).as("live patches published").isEqualTo(3);

        folder.put("klp.jar", lab.klpJar().jar());
        boolean cdsReused = reuseCdsArchive(folder);
        String repoUrl = "file://" + REPO;
        run = lab.guest().withTimeout(BOOT_TIMEOUT).boot(folder, Scenario.builder()
                .step("setup", KlpScript.SETUP)
                .step("writable-root", WRITABLE_ROOT)
                .step("cmdline-before", "cat /proc/cmdline")
                .step("version-before", "cat /proc/version")
                .step("update-v2", "klp update --to 2 --repo " + repoUrl + " --trusted " + TRUSTED)
                .step("cmdline-v2", "cat /proc/cmdline")
                .step("patches-v2", "klp -v patches")
                .step("status-v2", "klp status --json")
                .step("configure", "mkdir -p /etc/klp && echo " + repoUrl + " > /etc/klp/repositories && cp " + TRUSTED + " /etc/klp/trusted.asc")
                .step("update-v3", "klp update --json")
                .step("view-v3", KERNEL_VIEW + "; echo cmdline:; cat /proc/cmdline; echo version:; cat /proc/version")
                .step("patches-v3", "klp -v patches")
                .step("downgrade-v2", "klp downgrade -n --to 2")
                .step("view-after-downgrade", KERNEL_VIEW + "; echo version:; cat /proc/version"
                        + "; echo installed:; ls /lib/modules/$(uname -r)/livepatch; echo kernel-log:; dmesg | grep 'livepatch: '")
                .step("kallsyms", "cat /proc/kallsyms > " + folder.guestPath(KALLSYMS_DUMP) + " && wc -l < " + folder.guestPath(KALLSYMS_DUMP))
                .build());
        keepForTheNextBuild(folder.hostPath(KALLSYMS_DUMP), cachedSymbols);
        System.out.println(run.summary());
        System.out.println("klp-pack build of versions 1-3 for " + kernel.uname() + ": " + buildTime.toMillis() + " ms; boot "
                + run.wallTime().toSeconds() + " s (klp's CDS archive " + (cdsReused ? "reused" : "made in the guest") + "); in all "
                + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    }

    /**
     * The CDS archive an earlier boot made of the same klp jar (another real-kernel class's, or this
     * class's on the other kernel line: the archive depends on the JVM and the jar, which the guests
     * share, not on the kernel), copied into the folder so that {@link KlpScript#SETUP} skips its
     * training run (about 17 s under TCG). The JVM checks an archive against the jar's path, size
     * and time and ignores one that does not match; the jar is compared byte for byte here, and the
     * guest path, {@code /work/klp.jar}, is the same in every folder.
     */
    private static boolean reuseCdsArchive(GuestFolder folder) throws IOException {
        Path jar = folder.hostPath("klp.jar");
        for (Path other : earlierGuestFolders(folder)) {
            Path otherJar = other.resolve("klp.jar");
            Path archive = other.resolve("klp.jsa");
            if (Files.isRegularFile(archive) && Files.isRegularFile(otherJar) && Files.size(otherJar) == Files.size(jar)
                    && Files.getLastModifiedTime(otherJar).equals(Files.getLastModifiedTime(jar)) && Files.mismatch(otherJar, jar) == -1) {
                folder.put("klp.jsa", archive);
                return true;
            }
        }
        return false;
    }

    /** Every folder of every kernel release's work folder but {@code folder}: {@code target/realkernel/<release>/<folder>}. */
    private static List<Path> earlierGuestFolders(GuestFolder folder) throws IOException {
        List<Path> folders = new ArrayList<>();
        try (Stream<Path> releases = Files.list(lab.workDir().getParent())) {
            for (Path release : releases.filter(Files::isDirectory).toList()) {
                try (Stream<Path> inRelease = Files.list(release)) {
                    inRelease.filter(Files::isDirectory).filter(d -> !d.equals(folder.root())).forEach(folders::add);
                }
            }
        }
        return folders;
    }

    /** Keeps the kernel's symbol table the guest dumped, for the next run's build of the same kernel release. */
    private static void keepForTheNextBuild(Path dump, Path cache) throws IOException {
        if (Files.isRegularFile(dump) && Files.size(dump) > 0) {
            Path partial = cache.resolveSibling(cache.getFileName() + ".part");
            Files.copy(dump, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static String build(KernelRelease kernel, int version, Path fixes, Path repo, SigningKey key, Path symbols) {
        LivePatchBuild.Request request = new LivePatchBuild.Request(kernel, version, fixes, lab.kernel().headers(), null, Set.of(),
                LocalDate.now(), LocalDate.now().minusDays(30), null, null, symbols, 2);
        LivePatchBuild.Result r = LivePatchBuild.build(request, LivePatchRpm.previousIn(repo, kernel, version), key, repo);
        return r.rpm().record().moduleName();
    }

    private static void fix(Path folder, String properties, String csv, String c) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("fix.properties"), properties);
        Files.writeString(folder.resolve("patched_funcs.csv"), csv);
        Files.writeString(folder.resolve("fix.c"), c);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String step) {
        try {
            return JSON.readTree(run.step(step).requireSuccess().stdout());
        } catch (IOException e) {
            throw new AssertionError("Step " + step + " did not print one JSON document: " + run.step(step), e);
        }
    }

    /** The lines of a view step between {@code from:} and the next {@code word:} line (or the end). */
    private static List<String> section(String step, String from) {
        List<String> out = new ArrayList<>();
        boolean in = from == null;
        for (String l : run.step(step).lines()) {
            if (l.matches("[a-z-]+:")) {
                in = l.equals(from + ":");
            } else if (in) {
                out.add(l);
            }
        }
        return out;
    }

    @Test
    void updateInstallsVersionTwoFromTheSignedRepositoryAndItsReplacementReadsANonExportedVariable() {
        assertThat(folder.hostPath("repo/repodata/repomd.xml.asc")).as("the repository's signature").isRegularFile();
        run.step("setup").requireSuccess();
        run.step("writable-root").requireSuccess();
        String before = run.step("cmdline-before").requireSuccess().out();
        assertThat(before).doesNotContain("klp=");
        List<String> update = run.step("update-v2").requireSuccess().lines();
        assertThat(update.get(0)).startsWith("update done: " + v2 + " (" + packageName + " version 2) in ");
        assertThat(update).contains("active: " + v2 + " (" + packageName + " version 2)", "fixes: +1 gained, -0 dropped",
                        "  + " + CVE + " (CVSS 5.5) proc: cmdline marker");
        // the replacement printed the kernel's own command line, read through the livepatch relocation
        assertThat(run.step("cmdline-v2").requireSuccess().out()).isEqualTo(before.strip() + " klp=" + CVE);
    }

    @Test
    void patchesNameTheCveAndThePackageAndStatusTheVersion() {
        assertThat(run.step("patches-v2").requireSuccess().lines()).containsExactly("livepatch: " + v2, "    active: yes",
                "    RPM: " + packageName + "-2-1.x86_64", "    CVE: " + CVE + " (CVSS 5.5) proc: cmdline marker",
                "    bug fixes and enhancements: (none)");
        JsonNode status = json("status-v2");
        String kernel = lab.kernel().release().uname();
        assertThat(status.get("state").asText()).isEqualTo("ready");
        assertThat(status.get("kernel").asText()).isEqualTo(kernel);
        assertThat(status.get("effectiveKernelRelease").asText()).isEqualTo(kernel + "+lp2");
        assertThat(status.get("activePatch").asText()).isEqualTo(v2);
        assertThat(texts(status.get("loadedPatches"))).containsExactly(v2);
        assertThat(status.at("/package/name").asText()).isEqualTo(packageName);
        assertThat(status.at("/package/version").asInt()).isEqualTo(2);
        assertThat(status.at("/package/rpm").asText()).isEqualTo(packageName + "-2-1.x86_64");
        assertThat(status.get("transition").isNull()).isTrue();
        assertThat(status.at("/taint/livePatched").asBoolean()).isTrue();
    }

    @Test
    void theNextVersionFromTheConfiguredRepositoryReplacesItAtomically() {
        run.step("configure").requireSuccess();
        JsonNode update = json("update-v3");
        assertThat(update.get("result").asText()).isEqualTo("completed");
        assertThat(update.get("activePatch").asText()).isEqualTo(v3);
        assertThat(update.get("previousPatch").asText()).isEqualTo(v2);
        assertThat(update.at("/package/version").asInt()).isEqualTo(3);
        assertThat(texts(update.get("fixesGained"), "id")).containsExactly(BUG);
        assertThat(update.get("fixesDropped")).isEmpty();
        assertThat(texts(update.get("unloadedModules"))).containsExactly(v2);
        assertThat(section("view-v3", null)).containsExactly(v3 + "/enabled:1", v3 + "/transition:0");
        assertThat(section("view-v3", "modules")).containsExactly(v3);
        assertThat(String.join("\n", section("view-v3", "cmdline"))).endsWith(" klp=" + CVE).doesNotContain("\n");
        assertThat(section("view-v3", "version")).containsExactly(VERSION_MARKER);
        assertThat(run.step("patches-v3").requireSuccess().lines()).containsExactly("livepatch: " + v3, "    active: yes",
                "    RPM: " + packageName + "-3-1.x86_64", "    CVE: " + CVE + " (CVSS 5.5) proc: cmdline marker",
                "    bug fixes and enhancements: " + BUG + " proc: version marker");
    }

    @Test
    void aDowngradeThatLowersASystemStateIsRefusedBeforeAnythingIsLoaded() {
        StepResult downgrade = run.step("downgrade-v2");
        assertThat(downgrade.exitCode()).as("klp's exit code for a refusal (3, 'failure' in klp --help)").isEqualTo(3);
        assertThat(downgrade.stdout()).as("refused before the plan is shown").isEmpty();
        assertThat(downgrade.err()).isEqualTo("klp: the kernel would refuse to load " + v2 + " (" + packageName + " version 2) over the active patch "
                + v3 + ": system state 1 would go down from version 2 to 1; nothing was changed. A patch that changed system state can only be"
                + " replaced by one that keeps it (disable it with 'klp disable' only if its fixes allow; see the fix's notes)");
        assertThat(section("view-after-downgrade", null)).containsExactly(v3 + "/enabled:1", v3 + "/transition:0");
        assertThat(section("view-after-downgrade", "modules")).containsExactly(v3);
        assertThat(section("view-after-downgrade", "version")).containsExactly(VERSION_MARKER);
        // version 2 stays installed (the downgrade would have used it), and the kernel was never asked to load it again
        assertThat(section("view-after-downgrade", "installed")).containsExactlyInAnyOrder(v2 + ".ko", v3 + ".ko");
        List<String> kernelLog = section("view-after-downgrade", "kernel-log").stream().map(l -> l.replaceFirst("^\\[[ 0-9.]+\\] ", "")).toList();
        assertThat(kernelLog).filteredOn(l -> l.contains("enabling patch"))
                .containsExactly("livepatch: enabling patch '" + v2 + "'", "livepatch: enabling patch '" + v3 + "'");
        assertThat(kernelLog).noneMatch(l -> l.contains("not compatible"));
    }

    @Test
    void theRunningKernelsSymbolTableHasTheSymbolsTheFixesUseOnceEach() {
        int lines = Integer.parseInt(run.step("kallsyms").requireSuccess().out());
        KernelSymbolTable table = KernelSymbolTable.read(folder.hostPath(KALLSYMS_DUMP));
        assertThat(lines).as("symbols in /proc/kallsyms").isGreaterThan(50_000);
        // the checks the build makes with --symbols: the declared non-exported variable exists once (position 0 is right) ...
        assertThat(table.resolve(new KernelSymbol("vmlinux", "saved_command_line", 0, "10-cmdline/fix.properties:5"))).isZero();
        // ... and so do the replaced functions, which the fixes name without a position
        assertThat(table.candidates("vmlinux", "cmdline_proc_show")).hasSize(1);
        assertThat(table.candidates("vmlinux", "version_proc_show")).hasSize(1);
        // the patches the kernel loaded are in its table as modules
        assertThat(table.candidates(v3, "klp_version_proc_show")).hasSize(1);
        System.out.println("kallsyms of " + lab.kernel().release().uname() + ": " + lines + " symbols; this run's build "
                + (symbolsUsed == null ? "had no dump of an earlier boot (first run of this release)"
                        : "checked the fixes' symbols against " + symbolsUsed));
    }

    private static List<String> texts(JsonNode array) {
        return texts(array, null);
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(field == null ? n.asText() : n.get(field).asText()));
        return out;
    }
}
