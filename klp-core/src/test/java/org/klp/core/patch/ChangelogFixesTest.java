package org.klp.core.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class ChangelogFixesTest {

    @Test
    void readsSuseFixLinesWithSummaryAndBugReference() {
        List<Fix> fixes = ChangelogFixes.parse(List.of("""
                - Fix for CVE-2024-50115 ("KVM: nSVM: ignore nCR3[4:0] when loading PDPTEs from memory")
                  (bsc#1233019).
                - commit 5c3b8d1"""));
        assertThat(fixes).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("CVE-2024-50115");
            assertThat(f.summary()).isEqualTo("KVM: nSVM: ignore nCR3[4:0] when loading PDPTEs from memory");
            assertThat(f.references()).containsExactly("bsc#1233019");
            assertThat(f.category()).isEqualTo(FixCategory.SECURITY);
        });
    }

    @Test
    void referencesLineWithOneCvePairsItsBugIds() {
        List<Fix> fixes = ChangelogFixes.parse(List.of("""
                - Fix for CVE-2024-50115 ("KVM: nSVM: ignore nCR3[4:0]")
                  References: bsc#1233019 CVE-2024-50115 jsc#PED-1234"""));
        assertThat(fixes).singleElement().satisfies(f -> assertThat(f.references()).containsExactly("bsc#1233019", "jsc#PED-1234"));
    }

    @Test
    void fixesAreOldestFirstAndCumulativeEntriesAreNotDuplicated() {
        List<Fix> fixes = ChangelogFixes.parse(List.of(
                "- Fix for CVE-2024-26930 (\"scsi: qla2xxx: double free\") (bsc#1223626).",
                "- Fix for CVE-2024-50115 (\"KVM: nSVM: ignore nCR3[4:0]\") (bsc#1233019).",
                "- Fix for CVE-2024-50115 (\"KVM: nSVM: ignore nCR3[4:0]\") (bsc#1233019).\n- Initial live patch."));
        assertThat(fixes).extracting(Fix::id).containsExactly("CVE-2024-50115", "CVE-2024-26930");
    }

    @Test
    void readsKlpPacksOwnFormatWithScores() {
        List<Fix> fixes = ChangelogFixes.parse(List.of("""
                - Update to version 2 of the live patch for kernel 5.14.21-150500.55.49-default:
                  * CVE-2024-50115 (CVSS 7.8): KVM: nSVM: ignore nCR3[4:0]
                  References: bsc#1233019 CVE-2024-50115"""));
        assertThat(fixes).singleElement().satisfies(f -> {
            assertThat(f.cvss()).isEqualTo(7.8);
            assertThat(f.summary()).isEqualTo("KVM: nSVM: ignore nCR3[4:0]");
            assertThat(f.references()).containsExactly("bsc#1233019");
        });
    }

    @Test
    void bugOnlyItemsAreBugFixesWithTheirText() {
        List<Fix> fixes = ChangelogFixes.parse(List.of("- Fix for bsc#1210000 (\"oops in klp_target_wait\")\n- boo#1199999: crash on resume."));
        assertThat(fixes).extracting(Fix::id, Fix::summary, Fix::category).containsExactly(
                org.assertj.core.groups.Tuple.tuple("bsc#1210000", "oops in klp_target_wait", FixCategory.OTHER),
                org.assertj.core.groups.Tuple.tuple("boo#1199999", "crash on resume", FixCategory.OTHER));
    }

    @Test
    void referencesWithSeveralCvesCannotPairAndKeepTheBugsAsFixes() {
        List<Fix> fixes = ChangelogFixes.parse(List.of("  References: bsc#1 bsc#2 CVE-2024-0001 CVE-2024-0002"));
        assertThat(fixes).extracting(Fix::id).containsExactlyInAnyOrder("CVE-2024-0001", "CVE-2024-0002", "bsc#1", "bsc#2");
    }

    @Test
    void hostileTextLosesItsControlCharactersAndLongSummariesAreCut() {
        String escape = "\u001b[2J\u001b]0;owned\u0007";
        List<Fix> fixes = ChangelogFixes.parse(List.of("- Fix for CVE-2024-50115 (\"" + escape + "x".repeat(5000) + "\")"));
        assertThat(fixes).singleElement().satisfies(f -> {
            assertThat(f.summary()).doesNotContain("\u001b").doesNotContain("\u0007").hasSizeLessThanOrEqualTo(ChangelogFixes.MAX_SUMMARY_CHARS);
        });
    }

    @Test
    void textWithoutIdsHasNoFixes() {
        assertThat(ChangelogFixes.parse(List.of("- Initial live patch for kernel 5.14.21-150500.55.49-default", "", "#CVE-12 bsc#"))).isEmpty();
    }

    @Test
    void anyTextParsesToValidDistinctIdsWithinBounds() {
        Gen<String> fragments = integers().between(0, 9).map(i -> List.of("- Fix for ", "CVE-2024-5011" + i, "bsc#12" + i, " (\"s", "\")",
                "\n", "  References: ", "* ", "jsc#PED-" + i, "(CVSS 9." + i + "): ").get(i));
        Gen<String> entry = lists().of(strings().allPossible().ofLengthBetween(0, 4).mix(fragments, 70)).ofSizeBetween(0, 40)
                .map(parts -> String.join("", parts));
        qt().withExamples(500).forAll(lists().of(entry).ofSizeBetween(0, 6)).checkAssert(entries -> {
            List<Fix> fixes = ChangelogFixes.parse(entries);
            assertThat(fixes).extracting(Fix::id).doesNotHaveDuplicates().allSatisfy(id -> assertThat(Fix.normalizeId(id)).isEqualTo(id));
            assertThat(fixes).allSatisfy(f -> {
                assertThat(f.summary().length()).isLessThanOrEqualTo(ChangelogFixes.MAX_SUMMARY_CHARS);
                assertThat(f.summary().codePoints().noneMatch(Character::isISOControl)).isTrue();
                assertThat(f.references()).doesNotContain(f.id());
            });
        });
    }
}
