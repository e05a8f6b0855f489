package org.klp.packaging.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

class FixesJsonTest {

    @Test
    void readsTheDocumentedFormatWithDefaults() {
        List<Fix> fixes = FixesJson.read("""
                [{"id": "CVE-2024-50115", "cvss": 7.8, "summary": "KVM: nSVM", "references": ["bsc#1233019"]},
                 {"id": "bsc#1210000", "category": "data-corruption"}]
                """, "fixes.json");
        assertThat(fixes).containsExactly(
                new Fix("CVE-2024-50115", 7.8, "KVM: nSVM", List.of("bsc#1233019"), FixCategory.SECURITY, false),
                new Fix("bsc#1210000", 0.0, "", List.of(), FixCategory.DATA_CORRUPTION, false));
    }

    @Test
    void writesWhatItReads() {
        List<Fix> fixes = List.of(
                Fix.security("CVE-2024-50115", 7.8, "a \"quoted\" summary", "bsc#1233019"),
                new Fix("bsc#1", 0, "", List.of(), FixCategory.STABILITY, true));
        assertThat(FixesJson.read(FixesJson.write(fixes), "round-trip")).isEqualTo(fixes);
        assertThat(FixesJson.read("[]", "empty")).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{}                                          | expected an array of fixes",
            "[1]                                         | expected a fix object, found a number",
            "[{\"cvss\": 7}]                             | needs an \"id\"",
            "[{\"id\": \"CVE-1\"}]                       | Not a fix id: 'CVE-1'",
            "[{\"id\": \"CVE-2024-1234\", \"cvss\": \"high\"}] | \"cvss\" must be a number",
            "[{\"id\": \"CVE-2024-1234\", \"cvss\": 11}] | out of range",
            "[{\"id\": \"CVE-2024-1234\", \"severity\": 1}] | unknown field \"severity\"",
            "[{\"id\": \"CVE-2024-1234\", \"references\": \"bsc#1\"}] | must be an array of strings",
            "[{\"id\": \"CVE-2024-1234\", \"category\": \"perf\"}] | Not a fix category",
            "[{\"id\": \"CVE-2024-1234\"}, {\"id\": \"cve-2024-1234\"}] | listed twice",
            "[{\"id\": \"CVE-2024-1234\"}] []            | after the end of the document",
            "[{\"id\": \"CVE-2024-1234\"                 | not valid JSON",
            "''                                          | ends too early",
    })
    void refusesMalformedFilesNamingTheLineAndReason(String json, String reason) {
        assertThatThrownBy(() -> FixesJson.read(json, "fixes.json"))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessageStartingWith("fixes.json")
                .hasMessageContaining(reason);
    }

    @Test
    void errorsNameTheLine() {
        assertThatThrownBy(() -> FixesJson.read("[\n {\"id\": \"CVE-2024-1234\"},\n {\"id\": 5}\n]", "fixes.json"))
                .hasMessageStartingWith("fixes.json line 3 column");
    }
}
