package org.klp.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.server.store.CveStore;

/** The feed format line by line, and how feed and catalog records combine. */
class CveFeedTest {

    static final String GOOD = "{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"vector\":\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\","
            + "\"summary\":\"nf_tables use-after-free\",\"published\":\"2024-01-31\","
            + "\"affected\":[{\"fixedIn\":\"5.14.21-150500.55.65-default\"},{\"stream\":\"6.4.0-150600-default\"}]}";

    private static CveFeed.Parsed parse(String... lines) {
        return CveFeed.parse(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aGoodLineBecomesARecordWithItsStreamsAndDefaults() {
        CveFeed.Parsed p = parse(GOOD, "", "  ");
        assertThat(p.lines()).isEqualTo(1);
        assertThat(p.refused()).isEmpty();
        CveRecord r = p.records().get(0).record();
        assertThat(r.id()).isEqualTo("CVE-2024-1086");
        assertThat(r.category()).isEqualTo(FixCategory.SECURITY);
        assertThat(r.livePatchPossible()).isTrue();
        assertThat(r.published()).isEqualTo(LocalDate.of(2024, 1, 31));
        assertThat(r.affected()).containsExactly(AffectedStream.fixedIn(KernelRelease.parse("5.14.21-150500.55.65-default")),
                AffectedStream.unfixed("6.4.0-150600-default"));
    }

    @Test
    void badLinesAreRefusedWithTheirNumberAndReasonAndTheRestIsRead() {
        CveFeed.Parsed p = parse(
                GOOD,                                                                                           // 1
                "{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"published\":\"2024-01-31\",\"affected\":[]}",        // 2 listed twice
                "not json",                                                                                     // 3
                "{\"id\":\"CVE-2024-1002\",\"cvss\":7.8,\"published\":\"2024-01-31\",\"affected\":[],\"severity\":\"high\"}", // 4 unknown field
                "{\"id\":\"CVE-2024-1003\",\"published\":\"2024-01-31\",\"affected\":[]}",                        // 5 no cvss
                "{\"id\":\"CVE-2024-1004\",\"cvss\":7.85,\"published\":\"2024-01-31\",\"affected\":[]}",          // 6 two decimals
                "{\"id\":\"CVE-2024-1005\",\"cvss\":11.0,\"published\":\"2024-01-31\",\"affected\":[]}",          // 7 out of range
                "{\"id\":\"CVE-2024-1006\",\"cvss\":7.0,\"vector\":\"AV:N\",\"published\":\"2024-01-31\",\"affected\":[]}", // 8 vector
                "{\"id\":\"bsc#1\",\"cvss\":7.0,\"published\":\"2024-01-31\",\"affected\":[]}",                // 9 not a CVE
                "{\"id\":\"CVE-2024-1007\",\"cvss\":7.0,\"published\":\"31.1.2024\",\"affected\":[]}",            // 10 date
                "{\"id\":\"CVE-2024-1008\",\"cvss\":7.0,\"published\":\"2024-01-31\",\"affected\":[{\"fixedIn\":\"banana\"}]}", // 11 release
                "{\"id\":\"CVE-2024-1009\",\"cvss\":7.0,\"published\":\"2024-01-31\",\"affected\":[{\"stream\":\"6.4.0-150600-default\","
                        + "\"fixedIn\":\"5.14.21-150500.55.65-default\"}]}",                                    // 12 stream mismatch
                "{\"id\":\"CVE-2024-1010\",\"cvss\":\"7.0\",\"published\":\"2024-01-31\",\"affected\":[]}",      // 13 string score
                "{\"id\":\"CVE-2024-1011\",\"cvss\":7.0,\"published\":\"2024-01-31\"}",                          // 14 no affected
                "{\"id\":\"cve-2024-12345\",\"cvss\":4.0,\"published\":\"2024-01-31\",\"category\":\"data-corruption\",\"affected\":[{\"stream\":\"6.4.0-150600-default\"}]}"); // 15 good
        assertThat(p.lines()).isEqualTo(15);
        assertThat(p.records()).extracting(e -> e.line() + " " + e.record().id()).containsExactly("1 CVE-2024-1086", "15 CVE-2024-12345");
        assertThat(p.refused()).extracting(CveFeed.Refusal::line).containsExactly(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        assertThat(p.refused().get(0).error()).contains("listed again (first on line 1)");
        assertThat(p.refused().get(0).id()).isEqualTo("CVE-2024-1086");
        assertThat(p.refused().get(1).error()).contains("malformed JSON");
        assertThat(p.refused().get(2).error()).contains("unknown field \"severity\"");
        assertThat(p.refused().get(2).id()).isEqualTo("CVE-2024-1002");
        assertThat(p.refused().get(3).error()).contains("cvss is required");
        assertThat(p.refused().get(4).error()).contains("more than one decimal");
        assertThat(p.refused().get(5).error()).contains("out of range");
        assertThat(p.refused().get(6).error()).contains("Not a CVSS v3 vector");
        assertThat(p.refused().get(7).error()).contains("Not a CVE id");
        assertThat(p.refused().get(8).error()).contains("published must be a date");
        assertThat(p.refused().get(9).error()).contains("affected[0].fixedIn");
        assertThat(p.refused().get(10).error()).contains("not of stream 6.4.0-150600-default");
        assertThat(p.refused().get(11).error()).contains("cvss");
        assertThat(p.refused().get(12).error()).contains("affected is required");
    }

    @Test
    void aLineThatIsNotUtf8IsRefusedAloneAndTheOthersAreRead() {
        byte[] latin1 = "{\"id\":\"CVE-2024-1111\",\"summary\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        byte[] feed = (GOOD + "\n" + new String(latin1, StandardCharsets.ISO_8859_1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] mixed = new byte[GOOD.length() + 1 + latin1.length + 1];
        System.arraycopy(GOOD.getBytes(StandardCharsets.UTF_8), 0, mixed, 0, GOOD.length());
        mixed[GOOD.length()] = '\n';
        System.arraycopy(latin1, 0, mixed, GOOD.length() + 1, latin1.length);
        mixed[mixed.length - 1] = '\n';
        CveFeed.Parsed p = CveFeed.parse(mixed);
        assertThat(feed).isNotEmpty();
        assertThat(p.records()).hasSize(1);
        assertThat(p.refused()).extracting(CveFeed.Refusal::line).containsExactly(2);
        assertThat(p.refused().get(0).error()).contains("not UTF-8");
    }

    @Test
    void anIdTooLongToStoreIsRefusedWithItsLineAndTheOthersAreRead() {
        CveFeed.Parsed p = parse(GOOD, GOOD.replace("CVE-2024-1086", "CVE-2032-9999999999999999999999999"),
                GOOD.replace("CVE-2024-1086", "CVE-2032-1234567890123456789"));
        assertThat(p.records()).extracting(e -> e.record().id()).containsExactly("CVE-2024-1086", "CVE-2032-1234567890123456789");
        assertThat(p.refused()).extracting(CveFeed.Refusal::line).containsExactly(2);
        assertThat(p.refused().get(0).error()).contains("Not a fix id");
    }

    @Test
    void aLineLongerThanAnyRecordIsRefusedWithoutBeingKeptAndTheNextLineIsRead() {
        String huge = "{\"id\":\"CVE-2024-2000\",\"summary\":\"" + "x".repeat(3 * CveFeed.MAX_LINE) + "\"}";
        CveFeed.Parsed p = parse(huge, GOOD, "y".repeat(CveFeed.MAX_LINE + 1));
        assertThat(p.lines()).isEqualTo(3);
        assertThat(p.records()).extracting(CveFeed.Entry::line).containsExactly(2);
        assertThat(p.refused()).extracting(CveFeed.Refusal::line).containsExactly(1, 3);
        assertThat(p.refused().get(0).error()).contains("longer than " + CveFeed.MAX_LINE).hasSizeLessThan(200);
    }

    @Test
    void aSummaryWithAControlCharacterIsRefusedAndOneWithLineBreaksIsKept() {
        CveFeed.Parsed p = parse(GOOD.replace("nf_tables use-after-free", "nul\\u0000here"),
                GOOD.replace("CVE-2024-1086", "CVE-2024-1087").replace("nf_tables use-after-free", "two\\nlines"));
        assertThat(p.refused()).extracting(CveFeed.Refusal::line).containsExactly(1);
        assertThat(p.refused().get(0).error()).contains("summary", "U+0000");
        assertThat(p.records().get(0).record().summary()).isEqualTo("two\nlines");
    }

    @Test
    void anIdListedTwiceIsFoundAmongThousandsOfRecords() {
        StringBuilder feed = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            feed.append(GOOD.replace("CVE-2024-1086", "CVE-2024-" + (10_000 + i))).append('\n');
        }
        feed.append(GOOD.replace("CVE-2024-1086", "CVE-2024-" + 14_321)).append('\n');
        CveFeed.Parsed p = CveFeed.parse(feed.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(p.records()).hasSize(5000);
        assertThat(p.refused()).hasSize(1);
        assertThat(p.refused().get(0).error()).contains("CVE-2024-14321 is listed again (first on line 4322)");
    }

    @Test
    void idsAreKeptExactlyUpToFourteenDigitsAndApartFromLongerOnes() {
        CveIdSet set = new CveIdSet();
        assertThat(set.addOrFirstLine("CVE-2024-1086", 1)).isZero();
        assertThat(set.addOrFirstLine("CVE-2024-10860", 2)).isZero();
        assertThat(set.addOrFirstLine("CVE-2025-1086", 3)).isZero();
        assertThat(set.addOrFirstLine("CVE-2024-99999999999999", 4)).isZero();
        assertThat(set.addOrFirstLine("CVE-2024-999999999999999", 5)).isZero();
        assertThat(set.addOrFirstLine("CVE-2024-9999999999999999999", 6)).isZero();
        assertThat(set.addOrFirstLine("CVE-2024-1086", 7)).isEqualTo(1);
        assertThat(set.addOrFirstLine("CVE-2024-999999999999999", 8)).isEqualTo(5);
        assertThat(CveIdSet.key("CVE-2024-99999999999999")).isPositive();
        assertThat(CveIdSet.key("CVE-2024-999999999999999")).isNegative();
    }

    @Test
    void aLongSummaryIsClippedNotRefused() {
        String line = GOOD.replace("nf_tables use-after-free", "x".repeat(5000));
        assertThat(parse(line).records().get(0).record().summary()).hasSize(CveFeed.MAX_SUMMARY);
    }

    @Test
    void aFeedRecordKeepsTheStreamsOnlyLivePatchesName() {
        CveRecord feed = parse(GOOD).records().get(0).record();
        CveStore.StoredCve merged = CveImporter.merge(feed, Set.of("5.14.21-150500-default", "5.3.18-150300-default"));
        assertThat(merged.catalogStreams()).containsExactly("5.3.18-150300-default");
        assertThat(merged.record().affected()).extracting(AffectedStream::stream)
                .containsExactly("5.14.21-150500-default", "5.3.18-150300-default", "6.4.0-150600-default");
        assertThat(merged.source()).isEqualTo(CveStore.Source.FEED);
    }

    @Test
    void aPublicationCreatesARecordFromItsFixOrAddsItsStreamAndOtherwiseChangesNothing() {
        Fix fix = new Fix("CVE-2024-50115", 7.8, "KVM: nSVM", List.of(), FixCategory.SECURITY, true);
        CveStore.StoredCve made = CveImporter.extend(null, fix, "5.14.21-150500-default", LocalDate.of(2025, 3, 1));
        assertThat(made.source()).isEqualTo(CveStore.Source.CATALOG);
        assertThat(made.record().livePatchPossible()).isFalse();
        assertThat(made.record().published()).isEqualTo(LocalDate.of(2025, 3, 1));
        assertThat(made.record().affected()).containsExactly(AffectedStream.unfixed("5.14.21-150500-default"));
        assertThat(CveImporter.extend(made, fix, "5.14.21-150500-default", LocalDate.of(2025, 4, 1))).isNull();
        CveStore.StoredCve extended = CveImporter.extend(made, fix, "6.4.0-150600-default", LocalDate.of(2025, 4, 1));
        assertThat(extended.catalogStreams()).containsExactlyInAnyOrder("5.14.21-150500-default", "6.4.0-150600-default");
    }
}
