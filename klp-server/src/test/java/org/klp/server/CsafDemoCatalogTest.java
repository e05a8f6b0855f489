package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.server.demo.Demo;
import org.klp.server.export.CsafValidator;

/** The CSAF VEX export of the demo's catalog, every document through the BSI validator's schema, mandatory and optional tests. */
class CsafDemoCatalogTest {

    static final String PUBLIC = "https://klp.example.test";
    static TestServer t;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        // CSAF's canonical URLs are https: the server is behind a TLS proxy that hosts and scanners reach
        t = TestServer.h2(TestServer.tempDir("csaf"), PUBLIC);
        Demo.publishCatalog(t.server, t.token, new PrintWriter(new StringWriter()));
        dir = TestServer.tempDir("csaf-docs");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void everyDocumentOfTheDemoCatalogPassesTheValidatorsSchemaMandatoryAndOptionalTests() throws Exception {
        JsonNode index = t.admin("GET", "/api/v1/export/csaf", null, 200).body();
        assertThat(index.path("total").asInt()).as("every CVE of the demo's feed names a stream the catalog maintains").isEqualTo(11);
        List<Path> files = new ArrayList<>();
        for (JsonNode d : index.path("documents")) {
            String url = d.path("url").asText();
            assertThat(url).startsWith(PUBLIC + "/api/v1/export/csaf/").endsWith("/" + d.path("file").asText());
            TestServer.Response r = t.admin("GET", url.substring(PUBLIC.length()), null, 200);
            Path file = dir.resolve(d.path("file").asText());
            Files.writeString(file, r.text());
            files.add(file);
        }
        CsafValidator.assertPasses(files);
    }

    @Test
    void aDocumentNamesEachKernelWithEachLivePatchVersionAsTheEffectiveReleaseAndSaysWhatToDo() {
        JsonNode doc = t.admin("GET", "/api/v1/export/csaf?cve=CVE-2024-1086", null, 200).body();
        JsonNode status = doc.at("/vulnerabilities/0/product_status");
        // the demo's first kernel carries CVE-2024-1086 from version 2; the kernel itself and its initial patch stay affected
        assertThat(status.path("fixed").toString()).contains("\"5.14.21-150500.55.49-default+lp2\"");
        assertThat(status.path("known_affected").toString()).contains("\"5.14.21-150500.55.49-default\"")
                .contains("\"5.14.21-150500.55.49-default+lp1\"");
        // 55.65 and later are fixed kernels
        assertThat(status.path("fixed").toString()).contains("\"5.14.21-150500.55.65-default\"").contains("\"5.14.21-150500.55.83-default+lp3\"");
        assertThat(doc.at("/vulnerabilities/0/remediations").toString()).contains("Install kernel-livepatch-5_14_21-150500_55_49-default version 2"
                + " or later").contains("\"restart_required\":{\"category\":\"none\"}");
        assertThat(doc.at("/document/tracking/id").asText()).isEqualTo("KLP-CVE-2024-1086");
        assertThat(doc.at("/document/references/0/url").asText()).isEqualTo(PUBLIC + "/api/v1/export/csaf/klp-cve-2024-1086.json");
    }

    @Test
    void aCveNoLivePatchCanCarryTellsToRebootIntoTheFixedKernelAndWhy() {
        JsonNode doc = t.admin("GET", "/api/v1/export/csaf/klp-cve-2024-26581.json", null, 200).body();
        assertThat(doc.at("/vulnerabilities/0/remediations").toString()).contains("Update the kernel to 6.4.0-150600.23.47-default or later and"
                + " reboot into it: no live patch for 6.4.0-150600.23.25-default will carry this fix, because the fix changes kernel data structures")
                .contains("\"restart_required\":{\"category\":\"machine\"}");
    }
}
