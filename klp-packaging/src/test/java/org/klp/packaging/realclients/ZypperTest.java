package org.klp.packaging.realclients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.StandInPackages;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.StaticHttpServer;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/**
 * The published repository as zypper uses it, in an empty root ({@code zypper --root}): added with
 * GPG checks on and the key imported with {@code rpm --root --import}, refreshed, searched,
 * installed, patched, downgraded with {@code --oldpackage}, and the kernel locked, as SUSE's
 * documentation and admins do it. Scriptlets run in the root's chroot with a stand-in busybox shell.
 */
class ZypperTest {

    static final String LP49 = "kernel-livepatch-5_14_21-150500_55_49-default";
    static final String LP52 = "kernel-livepatch-5_14_21-150500_55_52-default";

    @TempDir
    static Path dir;
    static Path repo;

    @BeforeAll
    static void publish() {
        repo = dir.resolve("repo");
        Builds.chain(Builds.KERNEL, 3, TestKeys.signing(), repo);
        Builds.chain(Builds.OTHER_KERNEL, 2, TestKeys.signing(), repo);
        StandInPackages.kernel(Builds.KERNEL, "x86_64", TestKeys.signing(), repo);
        StandInPackages.kernel(Builds.OTHER_KERNEL, "x86_64", TestKeys.signing(), repo);
        StandInPackages.shell(Tools.require("busybox"), "x86_64", TestKeys.signing(), repo);
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
    }

    /** An empty root with the repository key in its rpm database and SUSE's multiversion setting for kernels. */
    static Path root(String name) throws Exception {
        Path root = dir.resolve(name);
        Files.createDirectories(root.resolve("etc/zypp"));
        Files.writeString(root.resolve("etc/zypp/zypp.conf"), "[main]\nmultiversion = provides:multiversion(kernel)\n");
        Tools.run(null, 60, "rpm", "--root", root.toString(), "--initdb").ok();
        Tools.run(null, 60, "rpm", "--root", root.toString(), "--import", TestKeys.publicKeyFile(dir).toString()).ok();
        return root;
    }

    static Tools.Run zypper(Path root, String... args) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--root", root.toString(), "--non-interactive"));
        cmd.addAll(List.of(args));
        return Tools.run(null, 180, Map.of("ZYPP_LOCKFILE_ROOT", root.toString(), "no_proxy", "127.0.0.1,localhost",
                "NO_PROXY", "127.0.0.1,localhost"), cmd);
    }

    static List<String> installed(Path root) {
        return Tools.run(null, 60, "rpm", "--root", root.toString(), "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n").ok()
                .out().lines().filter(l -> !l.startsWith("gpg-pubkey")).sorted().toList();
    }

    @Test
    void overHttpAddRefreshSearchInstallPatchDowngradeAndLockTheKernel() throws Exception {
        try (StaticHttpServer http = new StaticHttpServer(repo)) {
            Path root = root("root-http");
            Tools.Run add = zypper(root, "addrepo", "--gpgcheck", http.url(), "klp").ok();
            assertThat(add.out()).contains("GPG Check   : Yes");
            assertThat(zypper(root, "refresh").ok().out()).contains("All repositories have been refreshed");

            // the kernel and its initial live patch, as a fresh SLE Live Patching system has them
            zypper(root, "install", "klp-stand-in-shell", "kernel-default-5.14.21-150500.55.49.1", LP49 + "=1").ok();
            assertThat(installed(root)).contains(LP49 + "-1-1", "kernel-default-5.14.21-150500.55.49.1");

            String search = zypper(root, "search", "kernel-livepatch-*").ok().out();
            assertThat(search).contains(LP49, LP52, "Live patch 3 for kernel 5.14.21-150500.55.49-default");
            String details = zypper(root, "search", "--details", "kernel-livepatch-*").ok().out();
            assertThat(details).containsPattern("i\\+? *\\| " + LP49 + " *\\| package *\\| 1-1 *\\| x86_64 *\\| klp")
                    .containsPattern("v *\\| " + LP49 + " *\\| package *\\| 3-1")
                    .containsPattern(" *\\| " + LP52 + " *\\| package *\\| 2-1");

            String before = zypper(root, "list-patches").ok().out();
            assertThat(before).containsPattern("klp-5_14_21-150500_55_49-default-2 *\\| security *\\| important *\\| --- *\\| needed")
                    .containsPattern("klp-5_14_21-150500_55_49-default-3 *\\| security *\\| important *\\| --- *\\| needed")
                    .doesNotContain("klp-5_14_21-150500_55_52-default");

            // install the latest live patch: an update of the installed package
            Tools.Run latest = zypper(root, "install", LP49).ok();
            assertThat(latest.all()).doesNotContain("scriptlet failed").doesNotContain("can't create");
            assertThat(installed(root)).contains(LP49 + "-3-1").doesNotContain(LP49 + "-1-1");
            assertThat(root.resolve("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko")).exists();
            assertThat(root.resolve("usr/share/klp/patches/" + LP49 + "-3.json")).exists();
            assertThat(zypper(root, "list-patches").ok().out()).contains("No updates found");
            assertThat(zypper(root, "list-patches", "--all").ok().out())
                    .containsPattern("klp-5_14_21-150500_55_49-default-3 *\\| security *\\| important *\\| --- *\\| applied");

            // downgrade as SUSE documents it
            String versions = zypper(root, "search", "-s", LP49).ok().out();
            assertThat(versions).containsPattern("i\\+? *\\| " + LP49 + " *\\| package *\\| 3-1").contains("2-1", "1-1");
            zypper(root, "install", "--oldpackage", LP49 + "=2").ok();
            assertThat(installed(root)).contains(LP49 + "-2-1");
            assertThat(root.resolve("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko")).doesNotExist();
            assertThat(zypper(root, "list-patches").ok().out())
                    .containsPattern("klp-5_14_21-150500_55_49-default-3 *\\| security .*\\| needed");

            // without a lock an update would add the newer kernel; with it, only the live patch moves
            assertThat(zypper(root, "update", "--dry-run").ok().out()).contains("kernel-default-5.14.21-150500.55.52.1");
            zypper(root, "addlock", "kernel-default").ok();
            Tools.Run up = zypper(root, "update").ok();
            assertThat(up.out()).contains("The following package update will NOT be installed:");
            assertThat(installed(root)).contains(LP49 + "-3-1", "kernel-default-5.14.21-150500.55.49.1")
                    .doesNotContain("kernel-default-5.14.21-150500.55.52.1");
            zypper(root, "removelock", "kernel-default").ok();

            // a second kernel and its live patch install side by side with the first
            zypper(root, "install", "kernel-default-5.14.21-150500.55.52.1", LP52).ok();
            assertThat(installed(root)).contains(LP49 + "-3-1", LP52 + "-2-1", "kernel-default-5.14.21-150500.55.49.1",
                    "kernel-default-5.14.21-150500.55.52.1");
            assertThat(root.resolve("lib/modules/5.14.21-150500.55.52-default/livepatch/klp_150500_55_52_v2.ko")).exists();
            assertThat(root.resolve("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko")).exists();
            Tools.Run verify = Tools.run(null, 60, "rpm", "--root", root.toString(), "-V", LP49, LP52);
            assertThat(verify.exit()).as(verify.all()).isZero();
        }
    }

    @Test
    void overFileUrlAddRefreshAndInstallTheLatest() throws Exception {
        Path root = root("root-file");
        zypper(root, "addrepo", "--gpgcheck", repo.toUri().toString(), "klp").ok();
        assertThat(zypper(root, "refresh").ok().out()).contains("All repositories have been refreshed");
        zypper(root, "install", "klp-stand-in-shell", "kernel-default-5.14.21-150500.55.52.1", LP52).ok();
        assertThat(installed(root)).contains(LP52 + "-2-1");
    }

    @Test
    void refreshRefusesARepositoryChangedAfterSigning() throws Exception {
        Path tampered = dir.resolve("tampered");
        Files.createDirectories(tampered.resolve("repodata"));
        try (var s = Files.list(repo.resolve("repodata"))) {
            for (Path p : s.toList()) {
                Files.copy(p, tampered.resolve("repodata").resolve(p.getFileName()));
            }
        }
        Path md = tampered.resolve("repodata/repomd.xml");
        Files.writeString(md, Files.readString(md, StandardCharsets.UTF_8).replace("<revision>", "<revision>9"), StandardCharsets.UTF_8);
        Path root = root("root-tampered");
        zypper(root, "addrepo", "--gpgcheck", tampered.toUri().toString(), "klp").ok();
        Tools.Run refresh = zypper(root, "refresh");
        assertThat(refresh.exit()).isNotZero();
        assertThat(refresh.all()).containsIgnoringCase("signature verification failed");
    }
}
