package org.klp.packaging.rpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.Tools;

/** The %post scriptlet run by a real /bin/sh, with stand-in uname and klp commands on the PATH. */
class PostScriptletTest {

    static final String MODULE = "/lib/modules/5.14.21-150500.55.49-default/livepatch/klp_v3.ko";

    @TempDir
    Path dir;

    Tools.Run run(String runningKernel, String klpExit) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        script(bin.resolve("uname"), "#!/bin/sh\necho " + runningKernel + "\n");
        if (klpExit != null) {
            script(bin.resolve("klp"), "#!/bin/sh\necho \"$@\" > " + dir.resolve("klp-called") + "\nexit " + klpExit + "\n");
        }
        Path script = dir.resolve("post.sh");
        Files.writeString(script, LivePatchRpm.postScript(Builds.KERNEL, MODULE));
        return Tools.run(dir, 30, Map.of("PATH", bin + ":/usr/bin:/bin"), List.of("sh", script.toString()));
    }

    static void script(Path p, String text) throws Exception {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void loadsTheModuleWhenItsKernelRuns() throws Exception {
        Tools.Run r = run("5.14.21-150500.55.49-default", "0");
        assertThat(r.exit()).isZero();
        assertThat(Files.readString(dir.resolve("klp-called")).strip()).isEqualTo("apply --quiet " + MODULE);
        assertThat(r.err()).isEmpty();
    }

    @Test
    void doesNothingForAnotherRunningKernel() throws Exception {
        Tools.Run r = run("5.14.21-150500.55.52-default", "0");
        assertThat(r.exit()).isZero();
        assertThat(dir.resolve("klp-called")).doesNotExist();
        assertThat(r.all()).isEmpty();
    }

    @Test
    void doesNothingWithoutKlp() throws Exception {
        Tools.Run r = run("5.14.21-150500.55.49-default", null);
        assertThat(r.exit()).isZero();
        assertThat(r.all()).isEmpty();
    }

    @Test
    void failedLoadIsReportedButNeverFailsTheInstallation() throws Exception {
        Tools.Run r = run("5.14.21-150500.55.49-default", "1");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("klp: could not load " + MODULE).contains("klp status");
    }
}
