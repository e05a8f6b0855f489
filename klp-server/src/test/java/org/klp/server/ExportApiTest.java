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
}
