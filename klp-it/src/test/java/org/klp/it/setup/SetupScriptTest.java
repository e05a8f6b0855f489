package org.klp.it.setup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/setup} on a fresh machine, as root and as a sudo user: run with stand-ins for
 * {@code dpkg-query} (nothing installed), {@code apt-get}, {@code sudo} and {@code id} first on an
 * otherwise empty PATH, it must make exactly the apt-get calls a fresh Debian 12 needs. Regression:
 * as root it once ran the command {@code -E} (exit 127), so both README commands failed there.
 */
class SetupScriptTest {

    /** What bin/setup installs, in its order; a package added there is added here. */
    static final List<String> PACKAGES = List.of(
            "openjdk-17-jdk-headless", "maven", "xz-utils",
            "qemu-system-x86", "linux-image-amd64", "linux-headers-amd64", "linux-image-6.12-amd64", "linux-headers-6.12-amd64",
            "linux-source-6.1", "linux-source-6.12", "busybox-static", "cpio", "gzip", "kmod", "gcc", "make", "libc6-dev",
            "rpm", "createrepo-c", "zypper", "libsolv-tools", "gpg",
            "postgresql", "chromium", "chromium-driver",
            "openscap-scanner", "prometheus");

    /**
     * The programs klp's tests run (directly, or through a library such as the embedded PostgreSQL,
     * which unpacks an xz archive) and the Debian package that provides each.
     */
    static final Map<String, String> PROGRAMS_THE_TESTS_RUN = Map.ofEntries(
            Map.entry("java", "openjdk-17-jdk-headless"), Map.entry("mvn", "maven"), Map.entry("xz", "xz-utils"),
            Map.entry("qemu-system-x86_64", "qemu-system-x86"), Map.entry("busybox", "busybox-static"), Map.entry("cpio", "cpio"),
            Map.entry("gzip", "gzip"), Map.entry("modinfo", "kmod"), Map.entry("gcc", "gcc"), Map.entry("make", "make"),
            Map.entry("rpm", "rpm"), Map.entry("rpmbuild", "rpm"), Map.entry("createrepo_c", "createrepo-c"), Map.entry("zypper", "zypper"),
            Map.entry("gpg", "gpg"), Map.entry("postgres", "postgresql"), Map.entry("chromium", "chromium"),
            Map.entry("chromedriver", "chromium-driver"), Map.entry("oscap", "openscap-scanner"), Map.entry("promtool", "prometheus"));

    @TempDir
    Path tmp;
    Path bin;
    Path log;

    record Run(int exitCode, String output, List<String> calls) {
    }

    @BeforeEach
    void standIns() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        log = tmp.resolve("calls");
        // the real tools the script itself needs, and nothing else of the machine's
        for (String tool : List.of("bash", "env", "grep")) {
            Path real = List.of(Path.of("/usr/bin", tool), Path.of("/bin", tool)).stream().filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + tool + " on this machine"));
            Files.createSymbolicLink(bin.resolve(tool), real);
        }
        script("apt-get", "printf '%s\\n' \"DEBIAN_FRONTEND=${DEBIAN_FRONTEND-} INITRD=${INITRD-} apt-get $*\" >> \"$CALLS\"");
        script("sudo", "printf '%s\\n' \"sudo $*\" >> \"$CALLS\"\nexec \"$@\"");
        script("id", "[ \"$1\" = -u ] && echo \"$FAKE_UID\"");
    }

    private void script(String name, String body) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run setup(int uid) throws Exception {
        Path top = topOfCheckout();
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("bash").toString(), top.resolve("bin/setup").toString()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(Map.of("PATH", bin.toString(), "CALLS", log.toString(), "FAKE_UID", Integer.toString(uid),
                "HOME", tmp.toString()));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        List<String> calls = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return new Run(p.exitValue(), output, calls);
    }

    private static Path topOfCheckout() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("bin/setup"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("bin/setup above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    private static String install() {
        List<String> all = new ArrayList<>(PACKAGES);
        // no npm on PATH: Node.js and npm are installed too (the CSAF validator runs on them)
        all.addAll(List.of("nodejs", "npm"));
        return "apt-get install -y -q --no-install-recommends " + String.join(" ", all);
    }

    @Test
    void asRootOnAFreshMachineItRunsAptGetDirectly() throws Exception {
        script("dpkg-query", "exit 1");
        Run run = setup(0);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("klp setup: installing openjdk-17-jdk-headless maven xz-utils").doesNotContain("command not found");
        assertThat(run.calls()).containsExactly(
                "DEBIAN_FRONTEND=noninteractive INITRD= apt-get update -q",
                "DEBIAN_FRONTEND=noninteractive INITRD=No " + install());
    }

    @Test
    void asAnotherUserItRunsAptGetThroughSudoPassingItsVariablesOnTheCommandLine() throws Exception {
        script("dpkg-query", "exit 1");
        Run run = setup(1000);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.calls()).containsExactly(
                "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q",
                "DEBIAN_FRONTEND=noninteractive INITRD= apt-get update -q",
                "sudo env DEBIAN_FRONTEND=noninteractive INITRD=No " + install(),
                "DEBIAN_FRONTEND=noninteractive INITRD=No " + install());
    }

    @Test
    void withEverythingInstalledItInstallsNothingAndNeedsNoRoot() throws Exception {
        script("dpkg-query", "printf 'install ok installed'");
        script("npm", "exit 0");
        Run run = setup(1000);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.calls()).isEmpty();
        assertThat(run.output()).isEmpty();
    }

    @Test
    void onlyTheMissingPackagesAreInstalled() throws Exception {
        script("dpkg-query", "case \"$3\" in xz-utils|zypper) exit 1;; *) printf 'install ok installed';; esac");
        script("npm", "exit 0");
        Run run = setup(0);
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.calls()).containsExactly(
                "DEBIAN_FRONTEND=noninteractive INITRD= apt-get update -q",
                "DEBIAN_FRONTEND=noninteractive INITRD=No apt-get install -y -q --no-install-recommends xz-utils zypper");
    }

    @Test
    void everyProgramTheTestsRunComesFromAPackageSetupInstalls() {
        // PACKAGES is bin/setup's list exactly: the fresh-machine tests above assert the whole install line
        assertThat(PACKAGES).containsAll(PROGRAMS_THE_TESTS_RUN.values());
    }
}
