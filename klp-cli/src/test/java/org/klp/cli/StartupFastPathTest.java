package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up fast path of {@code klp status} and {@code klp check} answers exactly what the full
 * picocli path answers (standard output byte for byte, exit code, nothing on standard error) on the
 * same host, and declines whenever the full path would do more than read.
 */
class StartupFastPathTest {

    @TempDir
    Path tmp;

    private SimHostFixture host;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
    }

    @Test
    void freshHostWithoutAnyPatchIsAnsweredAsTheFullPathAnswers() {
        assertSameAnswers(host.root, "ready\n", 0);
    }

    @Test
    void hostWithAnAppliedPatchIsAnsweredAsTheFullPathAnswers() {
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        assertSameAnswers(host.root, "ready\n", 0);
    }

    @Test
    void stackedPatchesWithoutReplaceAreAnsweredAsTheFullPathAnswers() {
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        Path stacked = tmp.resolve("stacked.ko");
        assertThat(host.klp("sim", "make-module", stacked.toString(), "--name", "klp_stacked", "--kernel", SimHostFixture.KERNEL,
                "--function", "vmlinux:cmdline_proc_show", "--no-replace").exitCode()).isZero();
        assertThat(host.klp("apply", stacked.toString()).exitCode()).isZero();
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1", "klp_stacked");
        assertSameAnswers(host.root, "ready\n", 0);
    }

    @Test
    void transitionTheSimulatedKernelHasYetToSettleIsLeftToTheFullPath() {
        blockAnUpgrade();
        assertDeclined("--root", host.root.toString(), "status");
        assertDeclined("--root", host.root.toString(), "check");
        assertThat(host.klp("status").out()).isEqualTo("in_progress\n");
    }

    @Test
    void transitionOnAHostThatIsNotSimulatedIsAnsweredAsTheFullPathAnswers() throws IOException {
        blockAnUpgrade();
        Path copy = copyWithoutSimulation(host.root, tmp.resolve("real-like"));
        assertSameAnswers(copy, "in_progress\n", 1);
    }

    @Test
    void pendingOperationInTheHostRecordIsLeftToTheFullPathWhichSettlesIt() {
        blockAnUpgrade();
        host.klp("sim", "advance", "20s");
        assertDeclined("--root", host.root.toString(), "status");
        assertThat(host.klp("status").out()).isEqualTo("ready\n");
        assertSameAnswers(host.root, "ready\n", 0);
    }

    @Test
    void advisedRebootAndDamagedOrForeignRecordsAreLeftToTheFullPath() throws IOException {
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        Path record = host.root.resolve("var/lib/klp/state");
        String good = Files.readString(record);
        for (String bad : List.of(good + "reboot.reason=module klp_x is held\nreboot.boot=0000\n", good + "held=klp_x\nreboot.boot=0000\n",
                good.replace("format=1", "format=9"), good + "no equals sign here\n", good + "last.message=a\\nb\n", "")) {
            Files.writeString(record, bad);
            assertDeclined("--root", host.root.toString(), "status");
        }
        String bootId = Files.readString(host.root.resolve("proc/sys/kernel/random/boot_id")).strip();
        Files.writeString(record, good + "reboot.reason=module klp_x is held\nheld=klp_x\nreboot.boot=" + bootId + "\n");
        assertSameAnswers(host.root, "ready\n", 0);
        Files.writeString(record, good);
        assertSameAnswers(host.root, "ready\n", 0);
    }

    @Test
    void garbageInTheKernelsFilesIsLeftToTheFullPathWhichReportsIt() throws IOException {
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        Path copy = copyWithoutSimulation(host.root, tmp.resolve("garbage"));
        Path transition = copy.resolve("sys/kernel/livepatch/klp_patch_v1/transition");
        Files.writeString(transition, "maybe\n");
        assertDeclined("--root", copy.toString(), "status");
        assertDeclined("--root", copy.toString(), "check");
        KlpRun full = KlpRun.run(SimHostFixture.CLOCK, "--root", copy.toString(), "status");
        assertThat(full.exitCode()).as(full.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(full.err()).contains("transition holds 'maybe', expected 0 or 1");

        Files.writeString(transition, "0\n");
        Files.writeString(copy.resolve("sys/kernel/livepatch/klp_patch_v1/enabled"), "2\n");
        assertDeclined("--root", copy.toString(), "check");
        Files.writeString(copy.resolve("sys/kernel/livepatch/klp_patch_v1/enabled"), "1\n");
        Files.writeString(copy.resolve("proc/sys/kernel/tainted"), "lots\n");
        assertDeclined("--root", copy.toString(), "status");
        Files.delete(copy.resolve("proc/sys/kernel/tainted"));
        assertDeclined("--root", copy.toString(), "status");
    }

    /**
     * Damage of every kind to every file the reader reads, one at a time on a copy of a host with a
     * stacked and an in-transition patch: the fast path either declines or answers exactly as the
     * full path does. Catches a full path that grew stricter than the fast path.
     */
    @Test
    void damagedKernelFilesAreEitherDeclinedOrAnsweredAsTheFullPathAnswers() throws IOException {
        blockAnUpgrade();
        Path pristine = copyWithoutSimulation(host.root, tmp.resolve("pristine"));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(pristine)) {
            files = walk.filter(p -> {
                String rel = pristine.relativize(p).toString();
                return rel.startsWith("sys/kernel/livepatch") || rel.equals("proc/modules") || rel.startsWith("proc/sys/kernel");
            }).sorted().toList();
        }
        List<String> damage = List.of("", "2", "maybe", "1 1", " 1\n", "-1", "\n\n", "x 1 2 3", "a b c d e f");
        int compared = 0;
        int declined = 0;
        for (Path file : files) {
            for (int d = -1; d < (Files.isDirectory(file) ? 0 : damage.size()); d++) {
                Path copy = copyWithoutSimulation(pristine, tmp.resolve("damaged"));
                Path target = copy.resolve(pristine.relativize(file).toString());
                if (d < 0) {
                    deleteTree(target);
                } else {
                    Files.writeString(target, damage.get(d));
                }
                for (String command : List.of("status", "check")) {
                    String[] args = {"--root", copy.toString(), command};
                    Optional<FastPath.Answer> fast = FastPath.answer(args);
                    if (fast.isEmpty()) {
                        declined++;
                        continue;
                    }
                    KlpRun full = KlpRun.run(SimHostFixture.CLOCK, args);
                    String what = pristine.relativize(file) + (d < 0 ? " deleted" : " = '" + damage.get(d) + "'") + ": klp " + command;
                    assertThat(full.err()).as(what + "\n" + full).isEmpty();
                    assertThat(fast.get().output()).as(what).isEqualTo(full.out());
                    assertThat(fast.get().exitCode()).as(what).isEqualTo(full.exitCode());
                }
                deleteTree(copy);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(50);
        assertThat(declined).isGreaterThan(20);
    }

    /** The fast path's checks of sysfs names never accept what {@link org.klp.core.patch.PatchedFunction} refuses. */
    @Test
    void namesTheFastPathAcceptsAreNamesTheReaderAccepts() {
        java.util.Random random = new java.util.Random(9);
        String alphabet = "aZ_09.$-,+ /x";
        int accepted = 0;
        for (int n = 0; n < 200_000; n++) {
            StringBuilder name = new StringBuilder();
            int length = random.nextInt(n % 100 == 0 ? 200 : 12);
            for (int i = 0; i < length; i++) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = name.toString();
            if (TransitionFiles.isFunctionFolder(s)) {
                accepted++;
                org.klp.core.patch.PatchedFunction.fromSysfs("vmlinux", s);
            }
            if (TransitionFiles.isObjectName(s)) {
                org.klp.core.patch.PatchedFunction.fromSysfs(s, "f,0");
            }
        }
        assertThat(accepted).isGreaterThan(100);
        assertThat(TransitionFiles.isFunctionFolder("cmdline_proc_show,0")).isTrue();
        assertThat(TransitionFiles.isFunctionFolder("a".repeat(128) + ",1")).isTrue();
        assertThat(TransitionFiles.isFunctionFolder("a".repeat(129) + ",1")).isFalse();
        assertThat(TransitionFiles.isFunctionFolder("f,-1")).isFalse();
        assertThat(TransitionFiles.isFunctionFolder("f,99999999999")).isFalse();
        assertThat(TransitionFiles.isObjectName("klp_target")).isTrue();
        assertThat(TransitionFiles.isObjectName("a".repeat(65))).isFalse();
    }

    @Test
    void hostWithoutLivePatchingOrWithoutRootIsLeftToTheFullPath() throws IOException {
        Path bare = Files.createDirectories(tmp.resolve("bare/proc/sys/kernel"));
        Files.writeString(bare.resolve("osrelease"), SimHostFixture.KERNEL + "\n");
        assertDeclined("--root", tmp.resolve("bare").toString(), "status");
        assertDeclined("--root", tmp.resolve("bare").toString(), "check");
        assertDeclined("--root", tmp.resolve("nowhere").toString(), "status");
    }

    @Test
    void onlyTheArgumentsItKnowsAreAnswered() {
        String root = host.root.toString();
        for (String[] args : List.of(new String[] {"--root", root, "status", "-v"}, new String[] {"--root", root, "-vv", "status"},
                new String[] {"--root", root, "status", "--json"}, new String[] {"--root", root, "status", "--help"},
                new String[] {"--root", root, "check", "-h"}, new String[] {"--root", root, "status", "extra"},
                new String[] {"--root", root, "status", "check"}, new String[] {"--root", root, "--root", root, "status"},
                new String[] {"--root", root, "check", "--json", "--json"}, new String[] {"--root"}, new String[] {"--root", "-v", "status"},
                new String[] {"status", "--root"}, new String[] {"--root", root}, new String[] {"--root", root, "patches"},
                new String[] {"--version"}, new String[] {})) {
            assertDeclined(args);
        }
    }

    @Test
    void theFastPathLoadsNoPicocliClass() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:off", "-Xlog:class+load",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--root", host.root.toString(), "status")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("org.klp.cli.FastPath ");
        assertThat(out.lines()).contains("ready");
        assertThat(out.lines().filter(l -> l.contains(" picocli.") || l.contains(" com.fasterxml.")).toList()).isEmpty();
    }

    /** Every argument spelling the fast path answers, compared with the full path on the same host. */
    private static void assertSameAnswers(Path root, String expectedStatus, int expectedCheck) {
        String r = root.toString();
        List<String[]> variants = List.of(new String[] {"--root", r, "status"}, new String[] {"status", "--root", r},
                new String[] {"--root=" + r, "status"}, new String[] {"--root", r, "check"}, new String[] {"--root", r, "-v", "check"},
                new String[] {"--root", r, "check", "-vv"}, new String[] {"--root", r, "check", "--json"},
                new String[] {"--json", "--root", r, "check"});
        for (String[] args : variants) {
            Optional<FastPath.Answer> fast = FastPath.answer(args);
            KlpRun full = KlpRun.run(SimHostFixture.CLOCK, args);
            assertThat(fast).as(String.join(" ", args)).isPresent();
            assertThat(full.err()).as(full.toString()).isEmpty();
            assertThat(fast.get().output()).as(String.join(" ", args)).isEqualTo(full.out());
            assertThat(fast.get().exitCode()).as(String.join(" ", args)).isEqualTo(full.exitCode());
        }
        assertThat(FastPath.answer(new String[] {"--root", r, "status"}).orElseThrow().output()).isEqualTo(expectedStatus);
        assertThat(FastPath.answer(new String[] {"--root", r, "check"}).orElseThrow().exitCode()).isEqualTo(expectedCheck);
    }

    private static void assertDeclined(String... args) {
        assertThat(FastPath.answer(args)).as(String.join(" ", args)).isEmpty();
    }

    /** v1 applied, then v2 held in transition by a task sleeping in a function it replaces. */
    private void blockAnUpgrade() {
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        KlpRun apply = host.klp("apply", host.module(2), "--timeout", "5", "--on-timeout=wait");
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(ExitCode.IN_PROGRESS);
    }

    private static void deleteTree(Path top) throws IOException {
        if (!Files.exists(top)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The host's files without the simulation's model: what a real host shows, which the reader cannot tell apart. */
    private static Path copyWithoutSimulation(Path from, Path to) throws IOException {
        List<Path> all;
        try (Stream<Path> walk = Files.walk(from)) {
            all = new ArrayList<>(walk.filter(p -> !from.relativize(p).startsWith(".klp-sim")).sorted(Comparator.naturalOrder()).toList());
        }
        for (Path p : all) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target);
            }
        }
        return to;
    }
}
