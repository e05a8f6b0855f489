package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.StandInPackages;

/**
 * A simulated host whose live patch package real zypper manages (zypper --root): klp downgrade
 * runs {@code zypper in --oldpackage kernel-livepatch-<kernel>=<N>} as SUSE's klp does, then
 * applies the module the package installed.
 */
class ZypperManagedHostTest {

    static final String PACKAGE = "kernel-livepatch-6_1_0-56-amd64";

    @TempDir
    Path tmp;

    /** A simulated host whose rpm database and zypper know the signed repository of versions 1..3. */
    private SimHostFixture zypperManagedHost() throws Exception {
        Path repo = TestRepository.build(tmp.resolve("repo"), 3);
        SigningKey signing = SigningKey.parse(TestRepository.key().secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
        StandInPackages.kernel(KernelRelease.parse(SimHostFixture.KERNEL), "x86_64", signing, repo);
        StandInPackages.shell(Path.of(require("busybox", "busybox-static")), "x86_64", signing, repo);
        new RepositoryPublisher(signing).publish(repo);
        Path key = TestRepository.publicKey(tmp.resolve("keys"), TestRepository.key());

        SimHostFixture host = new SimHostFixture(tmp);
        Path root = host.root;
        require("zypper", "zypper");
        Files.createDirectories(root.resolve("etc/zypp"));
        Files.writeString(root.resolve("etc/zypp/zypp.conf"), "[main]\nmultiversion = provides:multiversion(kernel)\n");
        run("rpm", "--root", root.toString(), "--initdb");
        run("rpm", "--root", root.toString(), "--import", key.toString());
        zypper(root, "addrepo", "--gpgcheck", repo.toUri().toString(), "klp");
        zypper(root, "refresh");
        return host;
    }

    @Test
    void zypperUpgradingAndDowngradingThePackageNeverLosesTheLoadedPatch() throws Exception {
        SimHostFixture host = zypperManagedHost();
        Path root = host.root;
        zypper(root, "install", "klp-stand-in-shell", "kernel-amd64", PACKAGE + "=2");
        assertThat(host.klp("apply", "--quiet", root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_lp_v2.ko").toString()).exitCode()).isZero();
        assertThat(host.klp("-vv", "patches").out()).contains("newer version: 3 in zypper repository klp (" + PACKAGE + "-3-1.x86_64; zypper in "
                + PACKAGE + "=3)");

        zypper(root, "update", PACKAGE);
        KlpRun afterUp = host.klp("-v", "patches");
        assertThat(afterUp.out()).contains("RPM: " + PACKAGE + "-2-1.x86_64").contains("installed: " + PACKAGE + "-3-1.x86_64 installed, version 2 loaded")
                .contains("CVE-2024-50115").doesNotContain("package: unknown");
        assertThat(host.klp("-v", "status").out()).contains("installed: " + PACKAGE + "-3-1.x86_64 installed, version 2 loaded");
        KlpRun up = host.klp("apply", root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_lp_v3.ko").toString());
        assertThat(up.out()).as(up.toString()).contains("fixes: +1 gained, -0 dropped").contains("+ CVE-2024-26930");

        zypper(root, "install", "--oldpackage", PACKAGE + "=2");
        assertThat(host.klp("-v", "patches").out()).contains("RPM: " + PACKAGE + "-3-1.x86_64")
                .contains("installed: " + PACKAGE + "-2-1.x86_64 installed, version 3 loaded");
        KlpRun down = host.klp("apply", root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_lp_v2.ko").toString());
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("fixes: +0 gained, -1 dropped").contains("- CVE-2024-26930").doesNotContain("  + ");
        assertThat(host.klp("-v", "patches").out()).contains("RPM: " + PACKAGE + "-2-1.x86_64").doesNotContain("installed:");
    }

    @Test
    void downgradeRunsZypperWithOldpackageAndAppliesTheOlderModule() throws Exception {
        SimHostFixture host = zypperManagedHost();
        Path root = host.root;
        zypper(root, "install", "klp-stand-in-shell", "kernel-amd64", PACKAGE + "=3");

        assertThat(host.klp("apply", "--quiet", root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_lp_v3.ko").toString()).exitCode()).isZero();
        assertThat(host.klp("-v", "patches").out()).contains("RPM: " + PACKAGE + "-3-1.x86_64");

        KlpRun down = host.klp("downgrade", "-n", "--to", "2");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("downgrade klp_lp_v3 (" + PACKAGE + " version 3) to " + PACKAGE + "=2")
                .contains("fixes dropped (1):")
                .contains("- CVE-2024-26930")
                .contains("installed with: zypper --non-interactive --root " + root + " install --oldpackage " + PACKAGE + "=2")
                .contains("downgrade done: klp_lp_v2");
        assertThat(run("rpm", "--root", root.toString(), "-q", PACKAGE)).startsWith(PACKAGE + "-2-1");
        assertThat(host.klp("patches").lines()).containsExactly("klp_lp_v2");
        assertThat(host.klp("-v", "patches").out()).contains("RPM: " + PACKAGE + "-2-1.x86_64");
    }

    @Test
    void suseStylePackagesInAZypperRepositoryAreDowngradedByTheirChangelogs() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("suse-repo"));
        for (int v = 1; v <= 3; v++) {
            Files.copy(SuseLivePatchPackages.rpm(v), repo.resolve(SuseLivePatchPackages.nevra(v) + ".rpm"));
        }
        run(require("createrepo_c", "createrepo-c"), "--quiet", repo.toString());
        Path root = tmp.resolve("suse-host");
        KlpRun created = KlpRun.run(SimHostFixture.CLOCK, "sim", "create", root.toString(), "--kernel", SuseLivePatchPackages.KERNEL,
                "--clock", "manual", "--module", "klp_target");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        require("zypper", "zypper");
        zypper(root, "addrepo", "--no-gpgcheck", repo.toUri().toString(), "suse-lp");
        zypper(root, "refresh");
        String suse = SuseLivePatchPackages.PACKAGE;
        zypper(root, "install", suse + "=3");
        java.util.function.Function<String[], KlpRun> klp = args -> {
            List<String> all = new ArrayList<>(List.of("--root", root.toString()));
            all.addAll(List.of(args));
            return KlpRun.run(SimHostFixture.CLOCK, all.toArray(String[]::new));
        };
        KlpRun apply = klp.apply(new String[] {"apply", root.resolve(SuseLivePatchPackages.moduleFile(3)).toString()});
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(klp.apply(new String[] {"-v", "patches"}).out()).contains("RPM: " + SuseLivePatchPackages.nevra(3)).contains("CVE-2024-26930");

        KlpRun down = klp.apply(new String[] {"downgrade", "-n"});
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("downgrade livepatch_3_3_1 (" + suse + " version 3) to " + suse + "=2")
                .contains("fixes dropped (2):").contains("- CVE-2024-26930").contains("- bsc#1210000")
                .contains("install --oldpackage " + suse + "=2")
                .contains("fixes: +0 gained, -2 dropped").doesNotContain("  + ");
        KlpRun after = klp.apply(new String[] {"-vv", "patches"});
        assertThat(after.out()).contains("RPM: " + SuseLivePatchPackages.nevra(2))
                .contains("newer version: 3 in zypper repository suse-lp (" + SuseLivePatchPackages.nevra(3));
    }

    private static String require(String tool, String debianPackage) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        throw new AssertionError(tool + " is missing: install the Debian package " + debianPackage + " (bin/setup does)");
    }

    private static void zypper(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--root", root.toString(), "--non-interactive"));
        cmd.addAll(List.of(args));
        run(cmd.toArray(String[]::new));
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", cmd) + " finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
        return out;
    }
}
