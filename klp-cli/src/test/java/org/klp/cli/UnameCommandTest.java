package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code klp uname}: uname with the effective kernel release, on a simulated host. */
class UnameCommandTest {

    @TempDir
    Path tmp;
    SimHostFixture host;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
    }

    @Test
    void withoutALivePatchTheReleaseIsTheRunningOne() {
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "\n");
        assertThat(host.klp("uname").out()).as("no flag is -s").isEqualTo("Linux\n");
    }

    @Test
    void aLivePatchInForceAddsItsVersion() {
        host.install(2);
        assertThat(host.klp("apply", "--quiet", host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch/klp_patch_v2.ko").toString())
                .exitCode()).isZero();
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "+lp2\n");
        assertThat(host.klp("--json", "status").json().path("effectiveKernelRelease").asText()).isEqualTo(SimHostFixture.KERNEL + "+lp2");
    }

    @Test
    void aModuleWithoutItsPackageRecordHasNoKnownLevel() {
        assertThat(host.klp("apply", host.module(2)).exitCode()).isZero();
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "\n");
    }

    @Test
    void anUnfinishedTransitionAddsNothingUntilItCompletes() {
        host.install(1);
        host.install(2);
        host.klp("apply", "--quiet", host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch/klp_patch_v1.ko").toString());
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "+lp1\n");
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        KlpRun apply = host.klp("apply", host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch/klp_patch_v2.ko").toString(),
                "--timeout", "5", "--on-timeout=wait");
        assertThat(apply.exitCode()).isEqualTo(ExitCode.IN_PROGRESS);
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "\n");
        assertThat(host.klp("--json", "status").json().path("effectiveKernelRelease").asText()).isEqualTo(SimHostFixture.KERNEL);
        host.klp("sim", "advance", "20s");
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "+lp2\n");
    }

    @Test
    void aForcedTransitionAddsNothing() {
        host.install(2);
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait", "--kthread");
        KlpRun forced = host.klp("apply", host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch/klp_patch_v2.ko").toString(),
                "--timeout", "5", "--on-timeout=force");
        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(host.klp("uname", "-r").out()).isEqualTo(SimHostFixture.KERNEL + "\n");
        JsonNode j = host.klp("--json", "uname").json();
        assertThat(j.at("/livePatch/version").asInt()).isEqualTo(2);
        assertThat(j.at("/livePatch/forced").asBoolean()).isTrue();
        assertThat(j.at("/livePatch/inForce").asBoolean()).isFalse();
    }

    @Test
    void unamesFlagsWorkAloneClusteredAndInUnamesOrderWithMinusVForTheKernelVersion() throws Exception {
        Files.writeString(host.root.resolve("proc/sys/kernel/hostname"), "web-1\n");
        Files.createDirectories(host.root.resolve("proc/sys/kernel"));
        Files.writeString(host.root.resolve("proc/sys/kernel/version"), "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)\n");
        assertThat(host.klp("uname", "-rn").out()).isEqualTo("web-1 " + SimHostFixture.KERNEL + "\n");
        assertThat(host.klp("uname", "-v").out()).isEqualTo("#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)\n");
        assertThat(host.klp("uname", "-s", "-o").out()).isEqualTo("Linux GNU/Linux\n");
        assertThat(host.klp("uname", "-a").out()).matches("Linux web-1 " + SimHostFixture.KERNEL.replace(".", "\\.")
                + " #1 SMP PREEMPT_DYNAMIC Debian 6\\.1\\.158-1 \\(2025-11-09\\) \\S+ GNU/Linux\n");
        assertThat(host.klp("uname", "--kernel-release").out()).isEqualTo(SimHostFixture.KERNEL + "\n");
        KlpRun bad = host.klp("uname", "-x");
        assertThat(bad.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(host.klp("uname", "--help").out()).contains("effective kernel release").contains("-a -s -n -r -v -m -p -i -o");
    }

    @Test
    void theJsonDocumentHasBothReleases() {
        host.install(2);
        host.klp("apply", "--quiet", host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch/klp_patch_v2.ko").toString());
        JsonNode j = host.klp("uname", "--json").json();
        assertThat(j.path("kernelRelease").asText()).isEqualTo(SimHostFixture.KERNEL);
        assertThat(j.path("effectiveKernelRelease").asText()).isEqualTo(SimHostFixture.KERNEL + "+lp2");
        assertThat(j.at("/livePatch/package").asText()).isEqualTo("kernel-livepatch-6_1_0-56-amd64");
        assertThat(j.at("/livePatch/patch").asText()).isEqualTo("klp_patch_v2");
    }
}
