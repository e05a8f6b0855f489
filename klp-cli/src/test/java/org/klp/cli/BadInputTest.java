package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.klp.core.module.SyntheticModule;

/** Every entry point tried with bad input: one clear line on stderr, the documented exit code, and nothing changed. */
class BadInputTest {

    @TempDir
    Path tmp;
    SimHostFixture host;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
    }

    private void assertOneLineError(KlpRun run, int code, String... fragments) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(code);
        assertThat(run.err().lines().toList()).as(run.toString()).hasSize(1);
        assertThat(run.err()).startsWith("klp: ").contains(fragments);
    }

    private void assertUnchanged() {
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");
        assertThat(host.klp("status").out()).isEqualTo("ready\n");
    }

    @Test
    void moduleThatDoesNotExist() {
        assertOneLineError(host.klp("apply", tmp.resolve("nope.ko").toString()), ExitCode.FAILURE, "nope.ko: no such module file");
        assertUnchanged();
    }

    @Test
    void moduleThatIsNotAModuleOrIsTruncated() throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.ko"), "hello");
        assertOneLineError(host.klp("apply", text.toString()), ExitCode.FAILURE, "not an ELF file");
        byte[] ko = SyntheticModule.livePatch("x", SimHostFixture.KERNEL);
        Path half = Files.write(tmp.resolve("half.ko"), Arrays.copyOf(ko, ko.length / 2));
        assertOneLineError(host.klp("apply", half.toString()), ExitCode.FAILURE, "truncated");
        assertUnchanged();
    }

    @Test
    void realModuleOnASimulatedHost() throws Exception {
        Path ko = Files.write(tmp.resolve("real.ko"), SyntheticModule.livePatch("real", SimHostFixture.KERNEL));
        assertOneLineError(host.klp("apply", ko.toString()), ExitCode.FAILURE, "is a real kernel module; a simulated host loads simulated modules");
        assertUnchanged();
    }

    @Test
    void moduleThatIsNotALivePatchOrForAnotherKernel() {
        Path plain = host.modules.resolve("plain.ko");
        host.klp("sim", "make-module", plain.toString(), "--name", "plain", "--kernel", SimHostFixture.KERNEL);
        writeReplacing(plain, "livepatch=Y\n", "");
        assertOneLineError(host.klp("apply", plain.toString()), ExitCode.FAILURE, "not a live patch");
        Path other = host.modules.resolve("other.ko");
        host.klp("sim", "make-module", other.toString(), "--name", "other", "--kernel", "6.1.0-99-amd64", "--function", "vmlinux:f");
        assertOneLineError(host.klp("apply", other.toString()), ExitCode.FAILURE, "built for kernel 6.1.0-99-amd64, not for 6.1.0-56-amd64");
        assertUnchanged();
    }

    @Test
    void recordThatContradictsTheModuleOrIsMalformed() throws Exception {
        assertOneLineError(host.klp("apply", host.module(2), "--record", host.record(3)), ExitCode.FAILURE, "describes module klp_patch_v3, not klp_patch_v2");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"format\": 1, \"kernel\": \"6.1.0-56-amd64\", ");
        assertOneLineError(host.klp("apply", host.module(2), "--record", broken.toString()), ExitCode.FAILURE, "broken.json", "not valid JSON");
        assertOneLineError(host.klp("apply", host.module(2), "--record", tmp.resolve("none.json").toString()), ExitCode.FAILURE, "no such record file");
        assertUnchanged();
    }

    @ParameterizedTest
    @ValueSource(strings = {"x", "2", "", "1 1"})
    void sysfsValueTheKernelNeverWrites(String value) throws Exception {
        Files.writeString(host.root.resolve("sys/kernel/livepatch/klp_patch_v1/enabled"), value);
        for (String command : List.of("status", "patches", "blocking")) {
            assertOneLineError(host.klp("-v", command), ExitCode.FAILURE,
                    "sys/kernel/livepatch/klp_patch_v1/enabled holds '" + value.strip() + "', expected 0 or 1");
        }
    }

    @Test
    void patchStateAndTaintTheKernelNeverWrites() throws Exception {
        Files.writeString(host.root.resolve("proc/sys/kernel/tainted"), "lots");
        assertOneLineError(host.klp("status", "-v"), ExitCode.FAILURE, "proc/sys/kernel/tainted", "Not a taint mask: 'lots'");
        Files.writeString(host.root.resolve("proc/sys/kernel/tainted"), "45056\n");
        Files.writeString(host.root.resolve("sys/kernel/livepatch/klp_patch_v1/transition"), "1\n");
        Files.writeString(host.root.resolve("proc/1/task/1/patch_state"), "7\n");
        assertOneLineError(host.klp("blocking"), ExitCode.FAILURE, "proc/1/task/1/patch_state holds '7', expected -1, 0 or 1");
    }

    @Test
    void missingLivepatchFolderMeansNoLivePatchSupport() throws Exception {
        deleteTree(host.root.resolve("sys/kernel/livepatch"));
        assertOneLineError(host.klp("status"), ExitCode.FAILURE, "no live patching support");
    }

    @Test
    void rootThatDoesNotExistOrIsNotAHost() {
        assertOneLineError(KlpRun.run(SimHostFixture.CLOCK, "--root", tmp.resolve("missing").toString(), "status"), ExitCode.USAGE, "no such directory");
        assertOneLineError(KlpRun.run(SimHostFixture.CLOCK, "--root", tmp.toString(), "status"), ExitCode.FAILURE, "does not look like the root of a Linux host");
        KlpRun json = KlpRun.run(SimHostFixture.CLOCK, "--root", tmp.toString(), "status", "--json");
        assertThat(json.json().at("/error/exitCode").asInt()).isEqualTo(ExitCode.FAILURE);
        assertThat(json.json().at("/error/message").asText()).contains("does not look like");
    }

    @Test
    void usageErrors() {
        assertOneLineError(host.klp("apply"), ExitCode.USAGE, "Missing required parameter: 'MODULE'");
        assertOneLineError(host.klp("apply", host.module(2), "--timeout", "soon"), ExitCode.USAGE, "'soon' is not a duration");
        assertOneLineError(host.klp("apply", host.module(2), "--on-timeout", "panic"), ExitCode.USAGE, "Not an --on-timeout action: 'panic'");
        assertOneLineError(host.klp("frobnicate"), ExitCode.USAGE, "Unmatched argument");
        assertOneLineError(host.klp("history", "--last", "-3"), ExitCode.USAGE, "--last must not be negative");
        assertOneLineError(host.klp("sim", "create", tmp.resolve("h2").toString(), "--kernel", "linux-6"), ExitCode.USAGE, "Not a kernel release: 'linux-6'");
        assertOneLineError(host.klp("sim", "create", host.root.toString(), "--kernel", SimHostFixture.KERNEL), ExitCode.FAILURE, "is not empty");
        assertOneLineError(host.klp("sim", "task", "sleep", "--in", "vmlinux:bad name"), ExitCode.USAGE, "Not a function name");
        assertOneLineError(host.klp("sim", "task", "wake", "99999"), ExitCode.FAILURE, "No task with pid 99999");
        assertUnchanged();
    }

    @Test
    void simulatedCommandsOnARealRootAreRefused() throws Exception {
        Path fake = tmp.resolve("fakehost");
        Files.createDirectories(fake.resolve("proc/sys/kernel"));
        Files.writeString(fake.resolve("proc/sys/kernel/osrelease"), SimHostFixture.KERNEL + "\n");
        assertOneLineError(KlpRun.run(SimHostFixture.CLOCK, "--root", fake.toString(), "sim", "advance", "1s"), ExitCode.USAGE, "is not a simulated host");
    }

    @Test
    void vanishingTaskMidReadIsSkipped() throws Exception {
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        host.klp("apply", host.module(2), "--timeout", "1", "--on-timeout=wait");
        // a task whose folder exists but whose files are gone, as when it exits between listing and reading
        Files.createDirectories(host.root.resolve("proc/4242/task/4242"));
        KlpRun blocking = host.klp("blocking", "-vv");
        assertThat(blocking.exitCode()).as(blocking.toString()).isZero();
        assertThat(blocking.out()).doesNotContain("4242");
    }

    private static void writeReplacing(Path file, String what, String with) {
        try {
            Files.writeString(file, Files.readString(file).replace(what, with));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void deleteTree(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
