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
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.product.HostToolRpm;
import org.klp.packaging.product.LifecycleDataRpm;
import org.klp.packaging.product.LivePatchingPattern;
import org.klp.packaging.product.ProductRelease;
import org.klp.packaging.product.ProductReleaseRpm;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.StandInPackages;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.HostToolJars;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;
import org.klp.packaging.testing.ZypperLifecycleFormat;

/**
 * What SUSE's tooling expects beside live patches, with real zypper in an empty root: the product
 * release packages ({@code zypper install -t product}), the pattern {@code lp_sles}, the host tool's
 * package, live patches selected by installed kernels once live patching is active, and the
 * lifecycle data where zypper lifecycle reads it.
 */
class ProductPackagesZypperTest {

    static final ProductRelease SLES = new ProductRelease("SLES", "15.5", "x86_64", "SUSE Linux Enterprise Server 15 SP5", ProductRelease.Kind.BASE);
    static final ProductRelease LIVE_PATCHING = new ProductRelease("sle-module-live-patching", "15.5", "x86_64",
            "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", ProductRelease.Kind.EXTENSION);
    static final String LP49 = "kernel-livepatch-5_14_21-150500_55_49-default";
    static final String LP52 = "kernel-livepatch-5_14_21-150500_55_52-default";
    static final String KERNEL49 = "kernel-default-5.14.21-150500.55.49.1";
    static final String KERNEL52 = "kernel-default-5.14.21-150500.55.52.1";

    @TempDir
    static Path dir;
    static Path repo;

    @BeforeAll
    static void publish() {
        repo = dir.resolve("repo");
        Builds.chain(Builds.KERNEL, 3, TestKeys.signing(), repo);
        Builds.chain(Builds.OTHER_KERNEL, 1, TestKeys.signing(), repo);
        StandInPackages.kernel(Builds.KERNEL, "x86_64", TestKeys.signing(), repo);
        StandInPackages.kernel(Builds.OTHER_KERNEL, "x86_64", TestKeys.signing(), repo);
        StandInPackages.shell(Tools.require("busybox"), "x86_64", TestKeys.signing(), repo);
        StandInPackages.javaRuntime(TestKeys.signing(), repo);
        ProductReleaseRpm.build(SLES, TestKeys.signing(), repo);
        ProductReleaseRpm.build(LIVE_PATCHING, TestKeys.signing(), repo);
        LivePatchingPattern.build(LIVE_PATCHING, TestKeys.signing(), repo);
        Path jar = HostToolJars.write(dir.resolve("klp.jar"), "0.1.0-SNAPSHOT", HostToolJars.standardDist());
        HostToolRpm.build(jar, HostToolRpm.versionOf(jar), "1", TestKeys.signing(), repo);
        new RepositoryPublisher(TestKeys.signing()).withLifecyclePackage(LIVE_PATCHING.identifier()).publish(repo);
    }

    /** An empty root that trusts the repository's key, with the repository added and refreshed, and a shell for scriptlets. */
    static Path root(String name) throws Exception {
        Path root = dir.resolve(name);
        Files.createDirectories(root.resolve("etc/zypp"));
        Files.writeString(root.resolve("etc/zypp/zypp.conf"), "[main]\nmultiversion = provides:multiversion(kernel)\n");
        Tools.run(null, 60, "rpm", "--root", root.toString(), "--initdb").ok();
        Tools.run(null, 60, "rpm", "--root", root.toString(), "--import", TestKeys.publicKeyFile(dir).toString()).ok();
        zypper(root, "addrepo", "--gpgcheck", repo.toUri().toString(), "klp").ok();
        zypper(root, "refresh").ok();
        zypper(root, "install", "klp-stand-in-shell").ok();
        return root;
    }

    static Tools.Run zypper(Path root, String... args) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--root", root.toString(), "--non-interactive"));
        cmd.addAll(List.of(args));
        return Tools.run(null, 180, Map.of("ZYPP_LOCKFILE_ROOT", root.toString()), cmd);
    }

    static List<String> installed(Path root) {
        return Tools.run(null, 60, "rpm", "--root", root.toString(), "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n").ok()
                .out().lines().filter(l -> !l.startsWith("gpg-pubkey")).sorted().toList();
    }

    @Test
    void installingAnExtensionAsAProductInstallsItsReleasePackageAndZypperListsItBesideTheBaseProduct() throws Exception {
        Path root = root("product");
        zypper(root, "install", "-t", "product", "SLES").ok();
        assertThat(root.resolve("etc/products.d/baseproduct")).isSymbolicLink();
        assertThat(Files.readSymbolicLink(root.resolve("etc/products.d/baseproduct"))).hasToString("SLES.prod");

        Tools.Run available = zypper(root, "search", "-t", "product", "sle-module-live-patching").ok();
        assertThat(available.out()).containsPattern("sle-module-live-patching *\\| SUSE Linux Enterprise Live Patching 15 SP5 x86_64");

        zypper(root, "--no-refresh", "install", "--no-recommends", "--auto-agree-with-product-licenses", "-t", "product",
                "sle-module-live-patching").ok();
        assertThat(installed(root)).contains("sle-module-live-patching-release-15.5-0", "SLES-release-15.5-0");
        assertThat(root.resolve("etc/products.d/sle-module-live-patching.prod")).exists();

        // what SUSEConnect and zypper-lifecycle read: zypper's XML list of installed products
        String products = zypper(root, "--xmlout", "--disable-repositories", "products", "-i").ok().out();
        assertThat(products).containsPattern("<product name=\"SLES\" version=\"15.5\" release=\"0\"[^>]* arch=\"x86_64\"[^>]*isbase=\"true\"")
                .containsPattern("<product name=\"sle-module-live-patching\" version=\"15.5\" release=\"0\"[^>]*isbase=\"false\"")
                .containsPattern("<product name=\"sle-module-live-patching\"[^>]*><registerflavor>extension</registerflavor>")
                .containsPattern("<product name=\"sle-module-live-patching\"[^>]*installed=\"true\"");

        zypper(root, "--no-refresh", "remove", "-t", "product", "sle-module-live-patching").ok();
        assertThat(root.resolve("etc/products.d/sle-module-live-patching.prod")).doesNotExist();
        assertThat(installed(root)).contains("SLES-release-15.5-0");
    }

    @Test
    void thePatternInstallsTheHostToolTheLifecycleDataAndTheLivePatchOfEveryInstalledKernelThenOfEachNewKernel() throws Exception {
        Path root = root("pattern");
        zypper(root, "install", KERNEL49, "klp-stand-in-java").ok();
        assertThat(zypper(root, "patterns").ok().out()).containsPattern("\\| lp_sles *\\| *15.5-0 *\\| *klp *\\|");
        assertThat(zypper(root, "info", "-t", "pattern", LivePatchingPattern.PATTERN).ok().out()).containsPattern("Summary *: Live Patching")
                .contains(HostToolRpm.NAME);

        Tools.Run pattern = zypper(root, "install", "-t", "pattern", LivePatchingPattern.PATTERN).ok();
        assertThat(pattern.all()).doesNotContain("scriptlet failed");
        assertThat(installed(root)).contains(HostToolRpm.NAME + "-0.1.0~SNAPSHOT-1", LP49 + "-3-1",
                LifecycleDataRpm.packageName("sle-module-live-patching") + "-1-1", LivePatchingPattern.PACKAGE + "-15.5-0")
                .noneMatch(p -> p.startsWith(LP52));
        assertThat(root.resolve("usr/bin/klp")).isExecutable();
        assertThat(root.resolve("usr/lib/klp/klp.jar")).exists();
        assertThat(root.resolve("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko")).exists();

        // live patching is active now: a new kernel comes with its initial live patch
        zypper(root, "install", KERNEL52).ok();
        assertThat(installed(root)).contains(KERNEL49, KERNEL52, LP49 + "-3-1", LP52 + "-1-1");
    }

    @Test
    void aKernelInstalledWhileLivePatchingIsNotActivePullsNoLivePatch() throws Exception {
        Path root = root("inactive");
        zypper(root, "install", KERNEL49).ok();
        zypper(root, "install", KERNEL52).ok();
        assertThat(installed(root)).contains(KERNEL49, KERNEL52).noneMatch(p -> p.startsWith("kernel-livepatch-"));
    }

    @Test
    void removingTheLivePatchingPackagesNeedsNoRebootLeavesTheKernelsAndDropsKlpsBootCopies() throws Exception {
        Path root = root("removal");
        zypper(root, "install", KERNEL49, "klp-stand-in-java").ok();
        zypper(root, "install", "-t", "pattern", LivePatchingPattern.PATTERN).ok();
        // what 'klp apply' leaves for the next boot: the host record and its copy of the module
        Files.createDirectories(root.resolve("var/lib/klp/modules"));
        Files.writeString(root.resolve("var/lib/klp/modules/klp_150500_55_49_v3.ko"), "module");
        Files.writeString(root.resolve("var/lib/klp/state"), "active.module=var/lib/klp/modules/klp_150500_55_49_v3.ko\n");

        // by package, as the seeds remove the tools (zypper remove -t pattern needs libsolv's auto-patterns for installed packages,
        // which only SUSE's builds of libsolv make)
        Tools.Run tools = zypper(root, "remove", LivePatchingPattern.PACKAGE, HostToolRpm.NAME, LP49,
                LifecycleDataRpm.packageName("sle-module-live-patching")).ok();
        assertThat(tools.all()).doesNotContain("scriptlet failed").doesNotContain("reboot");
        assertThat(installed(root)).contains(KERNEL49).noneMatch(p -> p.startsWith("kernel-livepatch-"));
        assertThat(root.resolve("var/lib/klp/modules")).doesNotExist();
        assertThat(root.resolve("usr/lib/klp/klp-restore-early")).doesNotExist();
        assertThat(root.resolve("usr/lib/systemd/system/klp-restore.service")).doesNotExist();
        assertThat(root.resolve("lib/modules/5.14.21-150500.55.49-default/klp-stand-in")).exists();
    }

    @Test
    void theLifecycleDataPackageInstallsARowPerLivePatchPackageWhereZypperLifecycleReadsIt() throws Exception {
        Path root = root("lifecycle");
        zypper(root, "install", LifecycleDataRpm.packageName("sle-module-live-patching")).ok();
        String text = Files.readString(root.resolve("usr/share/lifecycle/data/sle-module-live-patching.lifecycle"), StandardCharsets.UTF_8);
        List<ZypperLifecycleFormat.Row> rows = ZypperLifecycleFormat.parse(text);
        assertThat(rows).extracting(ZypperLifecycleFormat.Row::name).containsExactly(LP49, LP52);
        assertThat(rows).allSatisfy(r -> assertThat(r.matchesEdition("3-1")).isTrue());
        LifecycleData published = LifecycleData.parse(text, "installed file");
        assertThat(published.endOfSupport(LP49, "3")).contains(Builds.KERNEL_RELEASED.plusYears(1));
        assertThat(rows.get(0).date()).isEqualTo(Builds.KERNEL_RELEASED.plusYears(1));
    }
}
