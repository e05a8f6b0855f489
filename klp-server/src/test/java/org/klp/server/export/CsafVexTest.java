package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSAF VEX export on its own, from the hand-made catalog of {@link OvalDefinitionsTest}: one rule per test. */
class CsafVexTest {

    static final CsafVex.Publisher PUBLISHER = new CsafVex.Publisher("klp test", "https://klp.example.test/");
    static final String K49 = OvalDefinitionsTest.K49.uname();

    static JsonNode doc(String cve) {
        return CsafVex.document(OvalDefinitionsTest.catalog(), cve, PUBLISHER);
    }

    static String status(JsonNode doc, String product) {
        JsonNode s = doc.at("/vulnerabilities/0/product_status");
        for (String name : List.of("fixed", "known_affected", "known_not_affected")) {
            for (JsonNode id : s.path(name)) {
                if (id.asText().equals(product)) {
                    return name;
                }
            }
        }
        return null;
    }

    @Test
    void theKernelAndVersionsBelowTheCarryingOneAreAffectedAndTheRestFixed() {
        JsonNode d = doc(OvalDefinitionsTest.B);
        assertThat(status(d, K49)).isEqualTo("known_affected");
        assertThat(status(d, K49 + "+lp1")).isEqualTo("known_affected");
        assertThat(status(d, K49 + "+lp2")).isEqualTo("known_affected");
        assertThat(status(d, K49 + "+lp3")).isEqualTo("fixed");
    }

    @Test
    void anAffectedProductIsToldToLoadTheCarryingVersionWithoutARebootOrToRebootIntoTheFixedKernel() {
        JsonNode rem = doc(OvalDefinitionsTest.A).at("/vulnerabilities/0/remediations");
        assertThat(rem.get(0).path("details").asText()).startsWith("Install " + OvalDefinitionsTest.PKG + " version 2 or later and load it");
        assertThat(rem.get(0).at("/restart_required/category").asText()).isEqualTo("none");
        assertThat(rem.get(0).path("product_ids").toString()).isEqualTo("[\"" + K49 + "\",\"" + K49 + "+lp1\"]");
        assertThat(rem.get(1).path("details").asText()).isEqualTo("Or update the kernel to 5.14.21-150500.55.65-default or later and reboot into it.");
        assertThat(rem.get(1).at("/restart_required/category").asText()).isEqualTo("machine");
    }

    @Test
    void aFixNoLivePatchCanCarryLeavesEveryVersionAffectedAndSaysWhy() {
        JsonNode d = doc(OvalDefinitionsTest.NOT_LIVE_PATCHABLE);
        assertThat(status(d, K49 + "+lp3")).isEqualTo("known_affected");
        assertThat(d.at("/vulnerabilities/0/remediations/0/details").asText()).contains("reboot into it: no live patch for " + K49
                + " will carry this fix, because the fix changes kernel data structures, which a live patch cannot do");
    }

    @Test
    void aKernelBeforeTheFlawWasIntroducedIsNotAffectedWithAnImpactStatement() {
        JsonNode d = doc(OvalDefinitionsTest.INTRODUCED_LATER);
        assertThat(status(d, K49)).isEqualTo("known_not_affected");
        assertThat(status(d, K49 + "+lp2")).isEqualTo("known_not_affected");
        assertThat(d.at("/vulnerabilities/0/threats/0/category").asText()).isEqualTo("impact");
        assertThat(d.at("/vulnerabilities/0/threats/0/details").asText()).startsWith("The flaw was introduced in 5.14.21-150500.55.52-default");
        assertThat(d.at("/vulnerabilities/0/scores").isMissingNode()).as("no score for products that are not affected").isTrue();
    }

    @Test
    void scoresComeFromTheVectorAndCoverOnlyAffectedProducts() {
        JsonNode score = doc(OvalDefinitionsTest.B).at("/vulnerabilities/0/scores/0");
        assertThat(score.at("/cvss_v3/baseScore").asDouble()).isEqualTo(7.8);
        assertThat(score.at("/cvss_v3/baseSeverity").asText()).isEqualTo("HIGH");
        assertThat(score.path("products").toString()).doesNotContain("+lp3");
    }

    @Test
    void revisionsFollowThePublicationAndTheLivePatchesThatFixedIt() {
        JsonNode t = doc(OvalDefinitionsTest.B).at("/document/tracking");
        assertThat(t.path("version").asText()).isEqualTo("2");
        assertThat(t.at("/revision_history/0/date").asText()).isEqualTo("2024-06-01T00:00:00.000Z");
        assertThat(t.at("/revision_history/1/date").asText()).isEqualTo("2025-03-03T00:00:00.000Z");
        assertThat(t.at("/revision_history/1/summary").asText()).isEqualTo(OvalDefinitionsTest.PKG + "-3 fixes it for " + K49);
        assertThat(t.path("current_release_date").asText()).isEqualTo("2025-03-03T00:00:00.000Z");
        assertThat(t.path("status").asText()).isEqualTo("final");
    }

    @Test
    void aCveWithoutAnyFixIsInterimAndSaysNoneIsAvailable() {
        ExportCatalog c = OvalDefinitionsTest.catalog();
        List<org.klp.core.audit.CveRecord> cves = new ArrayList<>(c.cves());
        cves.add(OvalDefinitionsTest.cve("CVE-2024-27397", true, org.klp.core.audit.AffectedStream.unfixed(OvalDefinitionsTest.STREAM)));
        JsonNode d = CsafVex.document(new ExportCatalog(c.generatedAt(), c.scope(), c.streams(), c.kernels(), cves, c.policy()), "CVE-2024-27397",
                PUBLISHER);
        assertThat(d.at("/document/tracking/status").asText()).isEqualTo("interim");
        assertThat(d.at("/vulnerabilities/0/remediations/0/category").asText()).isEqualTo("none_available");
    }

    @Test
    void aCveOfStreamsWithoutACatalogKernelHasNoDocument() {
        assertThatThrownBy(() -> doc(OvalDefinitionsTest.DEBIAN)).isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("names no kernel stream the catalog maintains (6.1.0-amd64)");
    }

    @Test
    void theFileNameAndCanonicalUrlFollowTheTrackingId() {
        assertThat(CsafVex.fileName("CVE-2024-1086")).isEqualTo("klp-cve-2024-1086.json");
        assertThat(CsafVex.cveOfFileName("klp-cve-2024-1086.json")).isEqualTo("CVE-2024-1086");
        assertThatThrownBy(() -> CsafVex.cveOfFileName("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThat(doc(OvalDefinitionsTest.A).at("/document/references/0/url").asText())
                .isEqualTo("https://klp.example.test/api/v1/export/csaf/klp-cve-2024-1086.json");
    }

    @Test
    void everyDocumentOfTheHandMadeCatalogPassesTheValidator(@TempDir Path dir) throws Exception {
        List<Path> files = new ArrayList<>();
        for (String cve : List.of(OvalDefinitionsTest.A, OvalDefinitionsTest.B, OvalDefinitionsTest.NOT_LIVE_PATCHABLE,
                OvalDefinitionsTest.INTRODUCED_LATER)) {
            Path f = dir.resolve(CsafVex.fileName(cve));
            Files.write(f, CsafVex.bytes(doc(cve)));
            files.add(f);
        }
        CsafValidator.assertPasses(files);
    }
}
