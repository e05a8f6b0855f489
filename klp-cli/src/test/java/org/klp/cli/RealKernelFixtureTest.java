package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * klp on trees captured byte for byte from a real 6.1 kernel (klp-kernel's fixtures/real-6.1,
 * see its README): what an administrator would have seen on that kernel at those moments.
 */
class RealKernelFixtureTest {

    private static final Path FIXTURES = Path.of("../klp-kernel/src/test/resources/fixtures/real-6.1");

    @TempDir
    Path tmp;

    private String root(String name) throws IOException {
        Path from = FIXTURES.resolve(name);
        Path to = tmp.resolve(name);
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals(".keep")) {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to.toString();
    }

    private static KlpRun klp(String root, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--root";
        all[1] = root;
        System.arraycopy(args, 0, all, 2, args.length);
        return KlpRun.run(SimHostFixture.CLOCK, all);
    }

    @Test
    void noPatch() throws Exception {
        String root = root("no-patch");
        assertThat(klp(root, "status").out()).isEqualTo("ready\n");
        assertThat(klp(root, "-v", "status").lines()).containsExactly(
                "ready", "no live patch is loaded", "kernel: 6.1.0-56-amd64, taint 12288 (OE)");
        assertThat(klp(root, "patches").out()).isEmpty();
        assertThat(klp(root, "blocking").out()).isEmpty();
        assertThat(klp(root, "check").exitCode()).isZero();
    }

    @Test
    void v1Active() throws Exception {
        String root = root("v1-active");
        assertThat(klp(root, "status").out()).isEqualTo("ready\n");
        assertThat(klp(root, "patches").lines()).containsExactly("klp_patch_v1");
        assertThat(klp(root, "-vv", "patches").out()).contains("livepatch: klp_patch_v1\n    active: yes\n")
                .contains("functions: klp_target:klp_target_message,1");
        JsonNode status = klp(root, "status", "--json").json();
        assertThat(status.get("activePatch").asText()).isEqualTo("klp_patch_v1");
        assertThat(status.at("/taint/flags").asText()).isEqualTo("OEK");
        assertThat(status.at("/taint/mask").asLong()).isEqualTo(45056);
    }

    @Test
    void blockedUpgrade() throws Exception {
        String root = root("blocked-v1-to-v2");
        assertThat(klp(root, "status").out()).isEqualTo("in_progress\n");
        assertThat(klp(root, "check").exitCode()).isEqualTo(ExitCode.IN_PROGRESS);
        assertThat(klp(root, "-v", "status").lines()).containsExactly(
                "in_progress",
                "transition: klp_patch_v2 patching",
                "blocking: 1 task (see klp blocking -vv)",
                "active once complete: klp_patch_v2",
                "kernel: 6.1.0-56-amd64, taint 45056 (OEK)");
        assertThat(klp(root, "patches").lines()).containsExactly("klp_patch_v1", "klp_patch_v2");
        assertThat(klp(root, "blocking").out()).isEqualTo("237\n");
        assertThat(klp(root, "blocking", "-vv").lines()).containsExactly(
                "transition: klp_patch_v2 patching (started outside klp; duration unknown), 1 task blocking",
                "237 cat (user task) cat /proc/klp_target/sleep",
                "    sleeps in: klp_target_wait [klp_target], a function this transition changes",
                "    stack:",
                "        klp_target_wait+0x142/0x160 [klp_target]",
                "        sleep_read+0x7b/0xa0 [klp_target]",
                "        proc_reg_read+0x56/0xa0",
                "        vfs_read+0xa5/0x310",
                "        ksys_read+0x6b/0xf0",
                "        do_syscall_64+0x5d/0xb0",
                "        entry_SYSCALL_64_after_hwframe+0x6e/0xd8",
                "    what to do: user task: wait (the kernel sends it a fake signal after 15 s), or signal it yourself "
                        + "(kill -STOP 237; kill -CONT 237); if it stays, reverse (klp revert)");
        JsonNode json = klp(root, "blocking", "--json").json();
        assertThat(json.at("/blocking/0/kernelThread").asBoolean()).isFalse();
        assertThat(json.at("/blocking/0/patchState").asInt()).isZero();
    }

    @Test
    void forcedUpgrade() throws Exception {
        String root = root("forced-v3");
        assertThat(klp(root, "status").out()).isEqualTo("ready\n");
        assertThat(klp(root, "patches").lines()).containsExactly(
                "klp_patch_v1 (replaced, module still loaded)", "klp_patch_v2 (replaced, module still loaded)", "klp_patch_v3");
        String vv = klp(root, "-vv", "patches").out();
        assertThat(vv).contains("vmlinux:cmdline_proc_show,1")
                .contains("livepatch: klp_patch_v2 (replaced)\n    active: no (replaced; its module stays loaded until the next reboot "
                        + "(a forced transition pinned it))")
                .contains("livepatch: klp_patch_v1 (replaced)\n    active: no (replaced; its module is still loaded and can be removed");
        assertThat(klp(root, "blocking", "--json").json().get("blocking").size()).isZero();
    }
}
