package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The export routes and {@code klp-server export}: scopes, refusals, downloads. */
class ExportApiTest {

    static TestServer t;

    static final String FEED = String.join("\n",
            "{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"vector\":\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\",\"summary\":\"netfilter: nf_tables:"
                    + " use-after-free in nft_verdict_init\",\"published\":\"2024-01-31\",\"affected\":[{\"fixedIn\":\"5.14.21-150500.55.90-default\"}]}",
            "{\"id\":\"CVE-2023-52434\",\"cvss\":8.1,\"vector\":\"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H\",\"summary\":\"smb: client: fix"
                    + " potential OOBs in smb2_parse_contexts()\",\"published\":\"2024-02-20\",\"affected\":[{\"stream\":\"6.4.0-150600-default\"}]}") + "\n";

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("export")).withCatalog();
        t.send("POST", "/api/v1/cves", "Bearer " + t.token, FEED.getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.url() + pathAndQuery)).header("Authorization", "Bearer " + t.token)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void ovalOfTheWholeCatalogNamesEveryCveAndDownloadsAsAFile() throws Exception {
        HttpResponse<String> r = get("/api/v1/export/oval");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/xml");
        assertThat(r.headers().firstValue("Content-Disposition").orElse("")).isEqualTo("attachment; filename=\"klp-oval.xml\"");
        assertThat(r.body()).contains("oval:org.klp:def:20241086").contains("oval:org.klp:def:202352434");
    }

    @Test
    void ovalOfAProductLeavesOutCvesOfStreamsItDoesNotShip() throws Exception {
        HttpResponse<String> r = get("/api/v1/export/oval?product=SLES/15.5/x86_64");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("oval:org.klp:def:20241086").doesNotContain("oval:org.klp:def:202352434");
        assertThat(r.headers().firstValue("Content-Disposition").orElse("")).isEqualTo("attachment; filename=\"klp-oval-SLES_15.5_x86_64.xml\"");
        assertThat(get("/api/v1/export/oval?stream=6.4.0-150600-default").body()).contains("oval:org.klp:def:202352434")
                .doesNotContain("oval:org.klp:def:20241086");
        assertThat(get("/api/v1/export/oval?cve=CVE-2023-52434").body()).contains("oval:org.klp:def:202352434")
                .doesNotContain("oval:org.klp:def:20241086");
    }

    @Test
    void badScopesAreRefusedSayingWhatIsExpected() throws Exception {
        assertThat(get("/api/v1/export/oval?product=SLES/99/x86_64").statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/export/oval?product=SLES/99/x86_64").body()).contains("no product SLES/99/x86_64");
        HttpResponse<String> both = get("/api/v1/export/oval?product=SLES/15.5/x86_64&stream=6.4.0-150600-default");
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(both.body()).contains("not both");
        assertThat(get("/api/v1/export/oval?stream=latest").body()).contains("Not a kernel stream: 'latest'");
        assertThat(get("/api/v1/export/oval?cve=bsc%231").body()).contains("Not a CVE id");
        assertThat(get("/api/v1/export/oval?cve=CVE-2099-0001").statusCode()).isEqualTo(404);
    }

    @Test
    void theCommandLineWritesTheDocumentToAFileAndSaysWhatItWrote() throws Exception {
        Path file = TestServer.tempDir("export-cli").resolve("klp.oval.xml");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"export", "oval", "--server", t.url(), "--token", t.token, "--product", "SLES/15.5/x86_64", "-o",
                file.toString(), "--json"}, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        JsonNode n = new ObjectMapper().readTree(out.toString());
        assertThat(n.path("definitions").asInt()).isEqualTo(1);
        assertThat(Files.readString(file)).contains("oval:org.klp:def:20241086");
        assertThat(n.path("bytes").asLong()).isEqualTo(Files.size(file));

        StringWriter refused = new StringWriter();
        assertThat(Main.run(new String[] {"export", "oval", "--server", t.url(), "--token", t.token, "--product", "X/1/x86_64"}, new PrintWriter(out),
                new PrintWriter(refused))).isEqualTo(3);
        assertThat(refused.toString()).contains("no product X/1/x86_64").contains("HTTP 404");
    }

    @Test
    void csafListsADocumentPerCveWithAKernelOfTheCatalogAndRefusesScopes() throws Exception {
        JsonNode index = new ObjectMapper().readTree(get("/api/v1/export/csaf").body());
        assertThat(index.path("documents").findValuesAsText("cve")).containsExactly("CVE-2024-1086");
        assertThat(index.at("/documents/0/file").asText()).isEqualTo("klp-cve-2024-1086.json");
        assertThat(get("/api/v1/export/csaf?product=SLES/15.5/x86_64").statusCode()).isEqualTo(400);
        HttpResponse<String> noKernel = get("/api/v1/export/csaf?cve=CVE-2023-52434");
        assertThat(noKernel.statusCode()).isEqualTo(404);
        assertThat(noKernel.body()).contains("names no kernel stream the catalog maintains (6.4.0-150600-default)");
        assertThat(get("/api/v1/export/csaf/klp-cve-2024-1086.json").headers().firstValue("Content-Disposition").orElse(""))
                .isEqualTo("attachment; filename=\"klp-cve-2024-1086.json\"");
        assertThat(get("/api/v1/export/csaf/..%2F..%2Fetc%2Fpasswd").statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/export/csaf/klp-cve-2099-0001.json").statusCode()).isEqualTo(404);
    }

    @Test
    void theCommandLineWritesEveryCsafDocumentIntoAFolderWithItsIndex() throws Exception {
        Path folder = TestServer.tempDir("export-csaf").resolve("csaf");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"export", "csaf", "--server", t.url(), "--token", t.token, "-o", folder.toString(), "--json"},
                new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        assertThat(new ObjectMapper().readTree(out.toString()).path("documents").asInt()).isEqualTo(1);
        assertThat(Files.readString(folder.resolve("index.txt"))).isEqualTo("klp-cve-2024-1086.json\n");
        assertThat(new ObjectMapper().readTree(folder.resolve("klp-cve-2024-1086.json").toFile()).at("/document/tracking/id").asText())
                .isEqualTo("KLP-CVE-2024-1086");
        StringWriter usage = new StringWriter();
        assertThat(Main.run(new String[] {"export", "csaf", "--server", t.url(), "--token", t.token}, new PrintWriter(out), new PrintWriter(usage)))
                .isEqualTo(2);
        assertThat(usage.toString()).contains("give --output DIR");
    }

    @Test
    void ovalOfAKernelIsItsStreams() throws Exception {
        assertThat(get("/api/v1/export/oval?kernel=" + TestServer.KERNEL).body()).contains("oval:org.klp:def:20241086")
                .doesNotContain("oval:org.klp:def:202352434");
        assertThat(get("/api/v1/export/oval?kernel=latest").statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/export/oval?kernel=" + TestServer.KERNEL + "&product=SLES/15.5/x86_64").statusCode()).isEqualTo(400);
    }

    @Test
    void csafZipHoldsTheDocumentsOfTheCvesAskedForAndAnIndex() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.url()
                        + "/api/v1/export/csaf?format=zip&cves=CVE-2024-1086,CVE-2023-52434")).header("Authorization", "Bearer " + t.token).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).isEqualTo("application/zip");
        java.util.Map<String, String> entries = new java.util.LinkedHashMap<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(r.body()))) {
            for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(entries.keySet()).as("CVE-2023-52434 names no stream of the catalog: no document").containsExactly("klp-cve-2024-1086.json",
                "index.txt");
        assertThat(entries.get("index.txt")).isEqualTo("klp-cve-2024-1086.json\n");
        assertThat(entries.get("klp-cve-2024-1086.json")).isEqualTo(get("/api/v1/export/csaf/klp-cve-2024-1086.json").body());
        assertThat(get("/api/v1/export/csaf?format=zip").statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/export/csaf?format=zip&cves=CVE-2099-0001").statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/export/csaf?format=xml").statusCode()).isEqualTo(400);
    }
}
