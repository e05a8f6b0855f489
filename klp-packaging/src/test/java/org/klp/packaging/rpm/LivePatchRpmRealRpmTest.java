package org.klp.packaging.rpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/** Every package klp-pack writes, as the real rpm sees it: -qip, -qlp, --scripts, -K after --import. */
class LivePatchRpmRealRpmTest {

    @TempDir
    static Path dir;
    static List<Path> chain;
    static Path db;

    @BeforeAll
    static void build() throws Exception {
        chain = Builds.chain(Builds.KERNEL, 3, TestKeys.signing(), dir.resolve("repo"));
        db = dir.resolve("rpmdb");
        Files.createDirectories(db);
        Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "--initdb").ok();
        Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "--import", TestKeys.publicKeyFile(dir).toString()).ok();
    }

    @Test
    void fileNameIsNameVersionReleaseArch() {
        assertThat(chain).extracting(p -> p.getFileName().toString()).containsExactly(
                "kernel-livepatch-5_14_21-150500_55_49-default-1-1.x86_64.rpm",
                "kernel-livepatch-5_14_21-150500_55_49-default-2-1.x86_64.rpm",
                "kernel-livepatch-5_14_21-150500_55_49-default-3-1.x86_64.rpm");
    }

    @Test
    void rpmQueryShowsNameVersionAndSummary() {
        String info = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qip", chain.get(2).toString()).ok().out();
        assertThat(info).containsPattern("Name\\s*: kernel-livepatch-5_14_21-150500_55_49-default")
                .containsPattern("Version\\s*: 3").containsPattern("Release\\s*: 1")
                .containsPattern("Architecture: x86_64")
                .contains("Live patch 3 for kernel 5.14.21-150500.55.49-default")
                .containsPattern("Signature\\s*: RSA/SHA256");
    }

    @Test
    void rpmListsModuleAndRecord() {
        String files = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qlp", chain.get(2).toString()).ok().out();
        assertThat(files.lines()).containsExactly(
                "/lib/modules/5.14.21-150500.55.49-default/livepatch",
                "/lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko",
                "/usr/share/klp/patches/kernel-livepatch-5_14_21-150500_55_49-default-3.json");
    }

    @Test
    void rpmShowsDependenciesScriptletAndChangelog() {
        String p = chain.get(2).toString();
        String provides = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--provides", p).ok().out();
        assertThat(provides.lines()).contains("kernel-livepatch(5.14.21-150500.55.49-default) = 3",
                "kernel-livepatch-5_14_21-150500_55_49-default = 3-1");
        String requires = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--requires", p).ok().out();
        assertThat(requires.lines()).contains("kernel-uname-r = 5.14.21-150500.55.49-default", "/bin/sh");
        String conflicts = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--conflicts", "--obsoletes", p).ok().out();
        assertThat(conflicts).isBlank();
        String scripts = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--scripts", p).ok().out();
        assertThat(scripts).contains("postinstall scriptlet (using /bin/sh)")
                .contains("if [ \"$(uname -r)\" = \"5.14.21-150500.55.49-default\" ] && command -v klp >/dev/null; then")
                .contains("klp apply --quiet \"/lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko\"")
                .contains("exit 0");
        String changelog = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--changelog", p).ok().out();
        assertThat(changelog).contains("- Update to version 3 of the live patch for kernel 5.14.21-150500.55.49-default:",
                "* CVE-2024-36971 (CVSS 7.8): net: fix __dst_negative_advice() race",
                "References: bsc#1226324 CVE-2024-36971",
                "- Update to version 2 of the live patch",
                "References: bsc#1233019 CVE-2024-50115",
                "- Initial live patch for kernel 5.14.21-150500.55.49-default");
        assertThat(changelog.indexOf("version 3")).isLessThan(changelog.indexOf("version 2"));
    }

    @Test
    void rpmChecksSignatureAndDigestsOfEveryPackage() {
        for (Path p : chain) {
            Tools.Run k = Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-Kv", p.toString()).ok();
            assertThat(k.out()).contains("Header V4 RSA/SHA256 Signature, key ID").contains("OK")
                    .doesNotContain("NOKEY").doesNotContain("BAD").doesNotContain("NOTFOUND");
            assertThat(Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-K", p.toString()).ok().out())
                    .contains("digests signatures OK");
        }
    }

    @Test
    void standInPackagesAreRealSignedPackagesToo() {
        Path kernel = StandInPackages.kernel(org.klp.packaging.testing.Builds.KERNEL, "x86_64", TestKeys.signing(), dir.resolve("standins"));
        Path shell = StandInPackages.shell(Tools.require("busybox"), "x86_64", TestKeys.signing(), dir.resolve("standins"));
        assertThat(kernel.getFileName().toString()).isEqualTo("kernel-default-5.14.21-150500.55.49.1.x86_64.rpm");
        assertThat(Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qp", "--provides", kernel.toString()).ok().out().lines())
                .contains("kernel-uname-r = 5.14.21-150500.55.49-default", "multiversion(kernel)");
        assertThat(Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qip", kernel.toString()).ok().out())
                .containsPattern("Name\\s*: kernel-default").containsPattern("Release\\s*: 150500.55.49.1");
        assertThat(Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-qlp", shell.toString()).ok().out().lines())
                .containsExactly("/bin/busybox", "/bin/rm", "/bin/sh", "/bin/uname");
        for (Path p : List.of(kernel, shell)) {
            assertThat(Tools.run(null, 60, "rpm", "--dbpath", db.toString(), "-K", p.toString()).ok().out()).contains("digests signatures OK");
        }
    }

    @Test
    void rpmWithoutTheKeyReportsItMissing() throws Exception {
        Path empty = dir.resolve("empty-db");
        Files.createDirectories(empty);
        Tools.run(null, 60, "rpm", "--dbpath", empty.toString(), "--initdb").ok();
        Tools.Run k = Tools.run(null, 60, "rpm", "--dbpath", empty.toString(), "-Kv", chain.get(0).toString());
        assertThat(k.exit()).isNotZero();
        assertThat(k.all()).contains("NOKEY");
    }
}
