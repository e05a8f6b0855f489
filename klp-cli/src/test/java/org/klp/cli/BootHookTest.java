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
 * The early-boot hook reads the host record klp writes and loads the recorded module with insmod.
 * Here insmod and uname are stand-ins that record what they were asked; the real-kernel suite
 * (klp-it) boots a real kernel with the hook in its initramfs.
 */
class BootHookTest {

    private static final Path SCRIPT = Path.of("src/main/boot/klp-restore-early");

    @TempDir
    Path tmp;
    Path bin;
    Path insmodLog;

    @BeforeEach
    void standIns() throws Exception {
        bin = Files.createDirectories(tmp.resolve("bin"));
        insmodLog = tmp.resolve("insmod.log");
        executable(bin.resolve("insmod"), "#!/bin/sh\necho \"$1\" >> " + insmodLog + "\n");
        executable(bin.resolve("uname"), "#!/bin/sh\necho 6.1.0-56-amd64\n");
    }

    @Test
    void loadsTheRecordedModuleForTheRunningKernel() throws Exception {
        SimHostFixture host = new SimHostFixture(tmp);
        assertThat(host.klp("apply", host.module(2), "--record", host.record(2)).exitCode()).isZero();
        String err = run(host.root);
        assertThat(Files.readString(insmodLog).strip()).isEqualTo(host.root.resolve("var/lib/klp/modules/klp_patch_v2.ko").toString());
        assertThat(err).contains("loaded live patch klp_patch_v2 for 6.1.0-56-amd64");
    }

    @Test
    void skipsARecordForAnotherKernelOrWithoutAPatch() throws Exception {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("var/lib/klp"));
        Files.writeString(root.resolve("var/lib/klp/state"), "format=1\nactive.patch=p\nactive.kernel=6.1.0-55-amd64\nactive.module=var/lib/klp/modules/p.ko\n");
        assertThat(run(root)).contains("is for kernel 6.1.0-55-amd64, not the running 6.1.0-56-amd64; skipped");
        Files.writeString(root.resolve("var/lib/klp/state"), "format=1\n");
        assertThat(run(root)).contains("names no active live patch");
        assertThat(run(tmp.resolve("nowhere"))).contains("no host record");
        assertThat(insmodLog).doesNotExist();
    }

    private String run(Path root) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", SCRIPT.toString(), root.toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
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
