package org.klp.packaging.product;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.HostToolJars;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/** The product-level packages as rpm reads them, and the repository's products and patterns as libsolv reads them. */
class ProductPackagesTest {

    static final ProductRelease LIVE_PATCHING = new ProductRelease("sle-module-live-patching", "15.5", "x86_64",
            "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", ProductRelease.Kind.EXTENSION);

    @TempDir
    Path dir;

    static String rpmQuery(Path rpm, String... query) {
        List<String> cmd = new java.util.ArrayList<>(List.of("rpm", "-qp", "--nosignature"));
        cmd.addAll(List.of(query));
        cmd.add(rpm.toString());
        return Tools.run(null, 60, Map.of(), cmd).ok().out();
    }

    @Test
    void aReleasePackageProvidesTheProductAndInstallsItsProdFile() {
        Path rpm = ProductReleaseRpm.build(LIVE_PATCHING, TestKeys.signing(), dir);
        assertThat(rpm.getFileName()).hasToString("sle-module-live-patching-release-15.5-0.x86_64.rpm");
        assertThat(rpmQuery(rpm, "--provides")).contains("product() = sle-module-live-patching",
                "product(sle-module-live-patching) = 15.5-0", "product-register-flavor() = extension",
                "product-label() = SUSE%20Linux%20Enterprise%20Live%20Patching%2015%20SP5%20x86_64", "product-register-target() = sle-15-x86_64");
        assertThat(rpmQuery(rpm, "--list")).isEqualTo("/etc/products.d/sle-module-live-patching.prod\n");
    }

    @Test
    void theBaseProductsReleasePackageAlsoOwnsTheBaseproductLink() {
        Path rpm = ProductReleaseRpm.build(new ProductRelease("SLES", "15.5", "x86_64", "SUSE Linux Enterprise Server 15 SP5",
                ProductRelease.Kind.BASE), TestKeys.signing(), dir);
        assertThat(rpmQuery(rpm, "--list")).contains("/etc/products.d/SLES.prod", "/etc/products.d/baseproduct");
        assertThat(rpmQuery(rpm, "--provides")).contains("product-type() = base").doesNotContain("product-register-flavor()");
    }

    @Test
    void aProductIdentifierThatCannotNameAFileIsRefused() {
        assertThatThrownBy(() -> new ProductRelease("../etc/passwd", "15.5", "x86_64", "x", ProductRelease.Kind.BASE))
                .hasMessageContaining("Not a product identifier: '../etc/passwd'");
        assertThatThrownBy(() -> new ProductRelease("SLES", "15 SP5", "x86_64", "x", ProductRelease.Kind.BASE))
                .hasMessageContaining("Not a product version");
        assertThatThrownBy(() -> new ProductRelease("SLES", "15.5", "x86_64", "two\nlines", ProductRelease.Kind.BASE))
                .hasMessageContaining("printable");
    }

    @Test
    void thePatternProvidesLpSlesVisiblyAndRequiresTheHostTool() {
        Path rpm = LivePatchingPattern.build(LIVE_PATCHING, TestKeys.signing(), dir);
        assertThat(rpmQuery(rpm, "--provides")).contains("pattern() = lp_sles", "pattern-visible()");
        assertThat(rpmQuery(rpm, "--requires")).contains("kernel-livepatch-tools");
        assertThat(rpmQuery(rpm, "--recommends")).contains("lifecycle-data-sle-module-live-patching");
    }

    @Test
    void aLivePatchSupplementsItsKernelTogetherWithTheHostTool() {
        Path rpm = Builds.chain(Builds.KERNEL, 1, TestKeys.signing(), dir).get(0);
        assertThat(rpmQuery(rpm, "--supplements")).isEqualTo("(kernel-uname-r = 5.14.21-150500.55.49-default and kernel-livepatch-tools)\n");
        assertThat(rpmQuery(rpm, "--requires")).contains("rpmlib(RichDependencies) <= 4.12.0-1");
        assertThat(LivePatchRpm.ACTIVATED_BY).isEqualTo(HostToolRpm.NAME);
    }

    @Test
    void theHostToolPackageInstallsTheJarAndEveryFileTheJarCarriesForTheHost() throws Exception {
        Path jar = HostToolJars.write(dir.resolve("klp.jar"), "0.1.0-SNAPSHOT", HostToolJars.standardDist());
        assertThat(HostToolRpm.versionOf(jar)).isEqualTo("0.1.0~SNAPSHOT");
        Path rpm = HostToolRpm.build(jar, "0.1.0~SNAPSHOT", "3", TestKeys.signing(), dir);
        assertThat(rpm.getFileName()).hasToString("kernel-livepatch-tools-0.1.0~SNAPSHOT-3.noarch.rpm");
        String files = rpmQuery(rpm, "--qf", "[%{FILEMODES:perms} %{FILENAMES}\\n]");
        assertThat(files).contains("-rw-r--r-- /usr/lib/klp/klp.jar", "-rwxr-xr-x /usr/bin/klp", "-rwxr-xr-x /usr/lib/klp/klp-restore-early",
                "-rw-r--r-- /usr/lib/systemd/system/klp-restore.service", "-rwxr-xr-x /usr/lib/dracut/modules.d/90klp/module-setup.sh",
                "-rwxr-xr-x /usr/share/initramfs-tools/hooks/klp", "-rw-r--r-- /usr/share/man/man8/klp.8",
                "drwxr-xr-x /usr/lib/klp\n", "drwxr-xr-x /usr/lib/dracut/modules.d/90klp\n").doesNotContain(" /usr/bin\n");
        assertThat(rpmQuery(rpm, "--requires")).contains("java-headless >= 17");
        assertThat(rpmQuery(rpm, "--provides")).contains("klp = 0.1.0~SNAPSHOT");
        String scripts = rpmQuery(rpm, "--scripts");
        assertThat(scripts).contains("preuninstall scriptlet (using /bin/sh)", "rm -rf /var/lib/klp/modules", "dracut -f --regenerate-all");
    }

    @Test
    void theHostToolsScriptletsAreValidPosixShell() throws Exception {
        for (String script : List.of(HostToolRpm.POST, HostToolRpm.PREUN, HostToolRpm.POSTUN)) {
            Path f = dir.resolve("script.sh");
            Files.writeString(f, script, StandardCharsets.UTF_8);
            Tools.run(null, 30, "busybox", "sh", "-n", f.toString()).ok();
        }
    }

    @Test
    void aJarThatIsNotTheHostToolsIsRefused() throws Exception {
        Map<String, String> noLauncher = new LinkedHashMap<>(HostToolJars.standardDist());
        noLauncher.remove("usr/bin/klp");
        Path jar = HostToolJars.write(dir.resolve("other.jar"), "1", noLauncher);
        assertThatThrownBy(() -> HostToolRpm.build(jar, "1", "1", null, dir)).hasMessageContaining("carries no META-INF/klp-dist/usr/bin/klp");
        Map<String, String> escaping = new LinkedHashMap<>(HostToolJars.standardDist());
        escaping.put("usr/../../etc/passwd", "x");
        Path bad = HostToolJars.write(dir.resolve("bad.jar"), "1", escaping);
        assertThatThrownBy(() -> HostToolRpm.build(bad, "1", "1", null, dir)).hasMessageContaining("not a plain path");
    }

    @Test
    void theLifecycleDataPackageIsRebuiltOnlyWhenItsRowsChange() throws Exception {
        Path repo = dir.resolve("repo");
        Builds.chain(Builds.KERNEL, 2, TestKeys.signing(), repo);
        RepositoryPublisher publisher = new RepositoryPublisher(TestKeys.signing()).withLifecyclePackage("sle-module-live-patching");
        publisher.publish(repo);
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-1.noarch.rpm")).exists();

        Builds.chain(Builds.OTHER_KERNEL, 1, TestKeys.signing(), repo.resolve("more"));
        publisher.publish(repo);
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-2.noarch.rpm")).exists();
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-1.noarch.rpm")).doesNotExist();

        publisher.publish(repo);
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-2.noarch.rpm")).exists();
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-3.noarch.rpm")).doesNotExist();
        String primary = Tools.run(null, 60, "sh", "-c", "zcat " + repo.resolve("repodata") + "/*-primary.xml.gz").ok().out();
        assertThat(primary).contains("lifecycle-data-sle-module-live-patching-1-2.noarch.rpm").doesNotContain("-1-1.noarch.rpm");
    }

    @Test
    void libsolvReadsTheRepositorysProductsAndPatternsWithoutAutoPatterns() throws Exception {
        Path repo = dir.resolve("solv");
        ProductReleaseRpm.build(LIVE_PATCHING, TestKeys.signing(), repo);
        LivePatchingPattern.build(LIVE_PATCHING, TestKeys.signing(), repo);
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        Tools.run(null, 60, "sh", "-c", "repo2solv -o " + dir.resolve("repo.solv") + " " + repo).ok();
        String solv = Tools.run(null, 60, "dumpsolv", dir.resolve("repo.solv").toString()).ok().out();
        assertThat(solv).contains("solvable:name: pattern:lp_sles", "solvable:name: product:sle-module-live-patching")
                .contains("solvable:isvisible")
                .contains("solvable:requires:\n  patterns-lp-lp_sles = 15.5-0")
                .contains("product(sle-module-live-patching) = 15.5-0");
    }
}
