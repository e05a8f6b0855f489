package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The early-boot hook reads the boot plan klp writes and loads the module it names for the
 * running kernel with insmod. Here insmod and uname are stand-ins that record what they were
 * asked, and the kernel's command line and boot id come from a folder ({@code KLP_PROC}); the
 * real-kernel suite (klp-it) boots a real kernel with the hook in its initramfs.
 */
class BootHookTest {

    private static final Path SCRIPT = Path.of("src/main/boot/klp-restore-early");
    private static final String BOOT_ID = "6b1e0c1c-0000-4000-8000-000000000001";

    @TempDir
    Path tmp;
    Path bin;
    Path proc;
    Path insmodLog;

    @BeforeEach
    void standIns() throws Exception {
        bin = Files.createDirectories(tmp.resolve("bin"));
        proc = Files.createDirectories(tmp.resolve("proc/sys/kernel/random"));
        proc = tmp.resolve("proc");
        Files.writeString(proc.resolve("cmdline"), "BOOT_IMAGE=/boot/vmlinuz quiet\n");
        Files.writeString(proc.resolve("sys/kernel/random/boot_id"), BOOT_ID + "\n");
        insmodLog = tmp.resolve("insmod.log");
        executable(bin.resolve("insmod"), "#!/bin/sh\necho \"$1\" >> " + insmodLog + "\n");
        executable(bin.resolve("uname"), "#!/bin/sh\necho 6.1.0-56-amd64\n");
    }

    @Test
    void loadsTheModuleTheBootPlanNamesForTheRunningKernel() throws Exception {
        SimHostFixture host = new SimHostFixture(tmp);
        assertThat(host.klp("apply", host.module(2), "--record", host.record(2)).exitCode()).isZero();
        // a clean shutdown trusts it; otherwise the marker of the apply would keep it out (see below)
        assertThat(host.klp("restore", "--stable", "--now").exitCode()).isZero();
        String err = run(host.root);
        assertThat(Files.readString(insmodLog).strip()).isEqualTo(host.root.resolve("var/lib/klp/modules/klp_patch_v2.ko").toString());
        assertThat(err).contains("loaded live patch klp_patch_v2 for 6.1.0-56-amd64");
    }

    @Test
    void skipsEveryLoadWithKlpSkipOnTheKernelCommandLine() throws Exception {
        Path root = planFor("6.1.0-56-amd64 p var/lib/klp/modules/p.ko\n");
        Files.writeString(proc.resolve("cmdline"), "BOOT_IMAGE=/boot/vmlinuz klp.skip=1 quiet\n");
        assertThat(run(root)).contains("the kernel command line has klp.skip=1: no live patch is loaded at boot");
        assertThat(insmodLog).doesNotExist();
    }

    @Test
    void skipsAPatchWhoseLoadingMarkerAnEarlierBootLeft() throws Exception {
        Path root = planFor("6.1.0-56-amd64 p var/lib/klp/modules/p.ko\n");
        Files.writeString(root.resolve("var/lib/klp/loading"), "patch=p\nkernel=6.1.0-56-amd64\nphase=apply\nboot=an-earlier-boot\n");
        assertThat(run(root)).contains("p was new when the kernel last stopped (its loading marker is left); not loaded");
        assertThat(insmodLog).doesNotExist();
        Files.writeString(root.resolve("var/lib/klp/loading"), "patch=p\nkernel=6.1.0-56-amd64\nphase=apply\nboot=" + BOOT_ID + "\n");
        assertThat(run(root)).as("a marker of this very boot is no crash").contains("loaded live patch p");
    }

    @Test
    void skipsAPlanWithoutTheRunningKernelAndAnOlderRecordForAnotherKernel() throws Exception {
        Path root = planFor("6.1.0-55-amd64 p var/lib/klp/modules/p.ko\n");
        assertThat(run(root)).contains("the boot plan names no live patch for 6.1.0-56-amd64");
        Files.delete(root.resolve("var/lib/klp/boot-plan"));
        Files.writeString(root.resolve("var/lib/klp/state"), "format=1\nactive.patch=p\nactive.kernel=6.1.0-55-amd64\nactive.module=var/lib/klp/modules/p.ko\n");
        assertThat(run(root)).contains("is for kernel 6.1.0-55-amd64, not the running 6.1.0-56-amd64; skipped");
        Files.writeString(root.resolve("var/lib/klp/state"), "format=1\n");
        assertThat(run(root)).contains("names no active live patch");
        assertThat(run(tmp.resolve("nowhere"))).contains("no host record");
        assertThat(insmodLog).doesNotExist();
    }

    private Path planFor(String plan) throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("var/lib/klp/modules"));
        Files.writeString(root.resolve("var/lib/klp/modules/p.ko"), "module");
        Files.writeString(root.resolve("var/lib/klp/boot-plan"), "# klp early-boot plan\n" + plan);
        return root;
    }

    private String run(Path root) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString(), root.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("KLP_PROC", proc.toString());
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the hook never fails the boot").isZero();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void executable(Path file, String content) throws Exception {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
