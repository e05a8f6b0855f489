package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated SUSE host whose live patch packages the real rpm installs ({@code rpm --root}): SUSE's
 * names, layout and changelog, no klp record. klp learns package, version and fixes from the rpm
 * database alone, says when the installed package is not the loaded one, and a downgrade shows
 * what it drops.
 */
class RpmDatabaseTruthTest {

    static final String K = SuseLivePatchPackages.KERNEL;
    static final String PACKAGE = SuseLivePatchPackages.PACKAGE;

    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void suseHost() {
        root = tmp.resolve("host");
        KlpRun created = KlpRun.run(SimHostFixture.CLOCK, "sim", "create", root.toString(), "--kernel", K, "--clock", "manual", "--module", "klp_target");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        rpm("--initdb");
    }

    @Test
    void aSusePackageKlpNeverSawIsKnownByItsRpmLineCvesAndBugs() {
        rpm("-i", SuseLivePatchPackages.rpm(2).toString());

        KlpRun apply = klp("apply", root.resolve(SuseLivePatchPackages.moduleFile(2)).toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("apply done: livepatch_2_2_1 (" + PACKAGE + " version 2)")
                .contains("+ CVE-2024-50115 KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs from memory [bsc#1233019]");

        assertThat(klp("-v", "patches").lines()).containsExactly(
                "livepatch: livepatch_2_2_1",
                "    active: yes",
                "    RPM: " + SuseLivePatchPackages.nevra(2),
                "    CVE: CVE-2024-50115 KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs from memory [bsc#1233019]",
                "    bug fixes and enhancements: bsc#1233019");
        JsonNode json = klp("patches", "--json").json();
        assertThat(json.at("/patches/0/package/rpm").asText()).isEqualTo(SuseLivePatchPackages.nevra(2));
        assertThat(json.at("/patches/0/package/version").asInt()).isEqualTo(2);
        assertThat(json.at("/patches/0/cves").toString()).isEqualTo("[\"CVE-2024-50115\"]");
        assertThat(json.at("/patches/0/bugs").toString()).isEqualTo("[\"bsc#1233019\"]");
        assertThat(json.at("/patches/0/drift").isNull()).isTrue();
        assertThat(klp("status", "-v").out()).contains("active: livepatch_2_2_1 (" + PACKAGE + " version 2), RPM: " + SuseLivePatchPackages.nevra(2));
    }

    @Test
    void aCumulativePackageCarriesEveryFixItsChangelogNames() {
        rpm("-i", SuseLivePatchPackages.rpm(3).toString());
        KlpRun apply = klp("apply", root.resolve(SuseLivePatchPackages.moduleFile(3)).toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(klp("-v", "patches").lines()).containsExactly(
                "livepatch: livepatch_3_3_1",
                "    active: yes",
                "    RPM: " + SuseLivePatchPackages.nevra(3),
                "    CVE: CVE-2024-50115 KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs from memory [bsc#1233019]",
                "         CVE-2024-26930 scsi: qla2xxx: Fix double free of the ha->vp_map pointer [bsc#1223626]",
                "    bug fixes and enhancements: bsc#1210000 oops in klp_target_wait");
    }

    @Test
    void anUpgradeByRpmShowsDriftUntilAppliedAndADowngradeOnlyDrops() {
        rpm("-i", SuseLivePatchPackages.rpm(2).toString());
        assertThat(klp("apply", root.resolve(SuseLivePatchPackages.moduleFile(2)).toString()).exitCode()).isZero();

        rpm("-U", SuseLivePatchPackages.rpm(3).toString());
        KlpRun drifted = klp("-v", "patches");
        assertThat(drifted.out()).contains("    RPM: " + SuseLivePatchPackages.nevra(2))
                .contains("    installed: " + SuseLivePatchPackages.nevra(3) + " installed, version 2 loaded");
        assertThat(klp("status", "-v").out()).contains("installed: " + SuseLivePatchPackages.nevra(3) + " installed, version 2 loaded");
        assertThat(klp("status", "--json").json().get("drift").asText()).isEqualTo(SuseLivePatchPackages.nevra(3) + " installed, version 2 loaded");

        KlpRun up = klp("apply", root.resolve(SuseLivePatchPackages.moduleFile(3)).toString());
        assertThat(up.exitCode()).as(up.toString()).isZero();
        assertThat(up.out()).contains("fixes: +2 gained, -0 dropped").contains("+ CVE-2024-26930").contains("+ bsc#1210000");
        assertThat(klp("-v", "patches").out()).doesNotContain("installed:");

        rpm("-U", "--oldpackage", SuseLivePatchPackages.rpm(2).toString());
        assertThat(klp("-v", "patches").out()).contains("    RPM: " + SuseLivePatchPackages.nevra(3))
                .contains("    installed: " + SuseLivePatchPackages.nevra(2) + " installed, version 3 loaded");
        KlpRun down = klp("downgrade", "-n", root.resolve(SuseLivePatchPackages.moduleFile(2)).toString());
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("downgrade livepatch_3_3_1 (" + PACKAGE + " version 3) to livepatch_2_2_1 (" + PACKAGE + " version 2)")
                .contains("fixes dropped (2):").contains("- CVE-2024-26930").contains("- bsc#1210000")
                .contains("fixes: +0 gained, -2 dropped").doesNotContain("  + ");
    }

    @Test
    void lifecycleReadsInstalledPackagesAndZypperLifecycleDataAndExitsOneOnceExpired() throws Exception {
        rpm("-i", SuseLivePatchPackages.rpm(2).toString());
        java.nio.file.Files.createDirectories(root.resolve("var/lib/lifecycle/data"));
        Path data = root.resolve("var/lib/lifecycle/data/live-patching.lifecycle");
        java.nio.file.Files.writeString(data, "# name, version, end of support\n" + PACKAGE + ", 2-*, 2026-01-31\n");

        KlpRun expired = klp("lifecycle");
        assertThat(expired.exitCode()).as(expired.toString()).isEqualTo(ExitCode.IN_PROGRESS);
        assertThat(expired.out()).containsPattern(PACKAGE + " +2026-01-31 +\\(running kernel, live patch version 2 installed, EXPIRED 296 days ago");
        JsonNode json = klp("lifecycle", "--json").json();
        assertThat(json.at("/kernels/0/rpm").asText()).isEqualTo(SuseLivePatchPackages.nevra(2));
        assertThat(json.at("/kernels/0/source").asText()).isEqualTo("lifecycle data");
        assertThat(json.get("exitCode").asInt()).isEqualTo(1);

        java.nio.file.Files.writeString(data, PACKAGE + ", *, 2027-10-01\n");
        KlpRun supported = klp("lifecycle");
        assertThat(supported.exitCode()).as(supported.toString()).isZero();
        assertThat(supported.out()).contains("2027-10-01").contains("312 days left");
        assertThat(klp("help", "lifecycle").out()).contains("Exit codes:").contains("past its end of support");
    }

    @Test
    void lifecycleWorksOnAMountedImageWithoutProc() {
        Path image = tmp.resolve("image");
        root = image;
        SuseLivePatchPackages.run(List.of("mkdir", "-p", image.resolve("lib/modules/" + K).toString(), image.resolve("usr/share/lifecycle/data").toString()));
        rpm("--initdb");
        rpm("-i", SuseLivePatchPackages.rpm(3).toString());
        KlpRun lifecycle = klp("lifecycle");
        assertThat(lifecycle.exitCode()).as(lifecycle.toString()).isZero();
        assertThat(lifecycle.out()).containsPattern(PACKAGE + " +unknown +\\(installed kernel, live patch version 3 installed\\)")
                .contains("no running kernel");
    }

    private KlpRun klp(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return KlpRun.run(SimHostFixture.CLOCK, all.toArray(String[]::new));
    }

    private void rpm(String... args) {
        // where SUSE keeps the database
        List<String> cmd = new ArrayList<>(List.of("rpm", "--root", root.toString(), "--dbpath", "/usr/lib/sysimage/rpm"));
        cmd.addAll(List.of(args));
        if (!args[0].equals("--initdb")) {
            cmd.addAll(5, List.of("--nodeps", "--noscripts"));
        }
        SuseLivePatchPackages.run(cmd);
    }
}
