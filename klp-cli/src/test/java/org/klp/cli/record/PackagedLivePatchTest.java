package org.klp.cli.record;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.klp.cli.repo.RpmDatabase.InstalledPackage;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.record.PatchRecord;

class PackagedLivePatchTest {

    static final String NAME = "kernel-livepatch-5_14_21-150500_55_49-default";
    static final String MODULE = "/lib/modules/5.14.21-150500.55.49-default/livepatch/livepatch-2-2_1.ko";

    static InstalledPackage suse(String version, List<String> files, String... changelog) {
        return new InstalledPackage(NAME, version, version + ".1", "x86_64", 1_732_600_000L, files, List.of(changelog));
    }

    @Test
    void aSusePackageBecomesTheRecordOfItsModuleWithItsVersionAndFixes() {
        List<String> problems = new ArrayList<>();
        PatchRecord r = PackagedLivePatch.of(suse("2", List.of("/usr/share/doc/x", MODULE),
                "- Fix for CVE-2024-50115 (\"KVM: nSVM\") (bsc#1233019)."), problems).orElseThrow();
        assertThat(problems).isEmpty();
        assertThat(r.moduleName()).isEqualTo("livepatch_2_2_1");
        assertThat(r.moduleFile()).isEqualTo(MODULE.substring(1));
        assertThat(r.rpm()).isEqualTo(NAME + "-2-2.1.x86_64");
        assertThat(r.livePatch().version()).isEqualTo(2);
        assertThat(r.livePatch().kernel()).isEqualTo(KernelRelease.parse("5.14.21-150500.55.49-default"));
        assertThat(r.livePatch().cveIds()).containsExactly("CVE-2024-50115");
        assertThat(r.livePatch().releaseDate()).isEqualTo(LocalDate.of(2024, 11, 26));
    }

    @Test
    void aPackageWithoutALivePatchModuleIsNotALivePatch() {
        List<String> problems = new ArrayList<>();
        assertThat(PackagedLivePatch.of(suse("2", List.of("/usr/bin/klp")), problems)).isEmpty();
        assertThat(problems).isEmpty();
    }

    @Test
    void aVersionThatIsNotAWholeNumberIsSkippedWithTheReason() {
        List<String> problems = new ArrayList<>();
        assertThat(PackagedLivePatch.of(suse("2.5", List.of(MODULE)), problems)).isEmpty();
        assertThat(problems).singleElement().satisfies(p -> assertThat(p).contains("2.5").contains("not a live patch version"));
    }

    @Test
    void theInitialPatchCarriesNoFixesWhateverItsChangelogSays() {
        PatchRecord r = PackagedLivePatch.of(suse("1", List.of(MODULE), "- Fix for CVE-2024-50115"), new ArrayList<>()).orElseThrow();
        assertThat(r.livePatch().fixes()).isEmpty();
    }

    @Test
    void klpsRecordAddsScoresAndCategoriesAndPairsBugsTheChangelogCouldNot() {
        PatchRecord fromRpm = PackagedLivePatch.of(suse("3", List.of(MODULE),
                "References: bsc#1 bsc#2 CVE-2024-0001 CVE-2024-0002"), new ArrayList<>()).orElseThrow();
        assertThat(fromRpm.livePatch().fixes()).extracting(Fix::id).contains("bsc#1", "bsc#2");
        KernelRelease k = KernelRelease.parse("5.14.21-150500.55.49-default");
        PatchRecord klp = new PatchRecord(new LivePatchPackage(k, 3, LocalDate.of(2024, 12, 1), List.of(
                Fix.security("CVE-2024-0001", 7.8, "first", "bsc#1"),
                new Fix("CVE-2024-0002", 5.5, "second", List.of("bsc#2"), FixCategory.STABILITY, false)), List.of()),
                "livepatch_3_3_1", "", "", LocalDate.of(2024, 10, 1));
        PatchRecord merged = PackagedLivePatch.enrich(fromRpm, klp);
        assertThat(merged.livePatch().fixes()).extracting(Fix::id).containsExactly("CVE-2024-0001", "CVE-2024-0002");
        assertThat(merged.livePatch().fixes().get(0).cvss()).isEqualTo(7.8);
        assertThat(merged.livePatch().fixes().get(1).category()).isEqualTo(FixCategory.STABILITY);
        assertThat(merged.rpm()).isEqualTo(NAME + "-3-3.1.x86_64");
        assertThat(merged.kernelReleaseDate()).isEqualTo(Optional.of(LocalDate.of(2024, 10, 1)));
    }
}
