package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CVE feed over HTTP as an attacker or a broken generator sends it: an id too long to store
 * among good lines, megabytes of garbage. Every good line is imported, every bad one counted, the
 * answer stays short and names no SQL.
 */
class CveFeedImportTest {

    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("cve-feed")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static String record(String id) {
        return "{\"id\":\"" + id + "\",\"cvss\":7.8,\"published\":\"2024-01-31\",\"affected\":[{\"fixedIn\":\"5.14.21-150500.55.90-default\"}]}";
    }

    static TestServer.Response post(byte[] feed) {
        return t.send("POST", "/api/v1/cves", "Bearer " + t.token, feed, "application/x-ndjson");
    }

    @Test
    void anOverflowingIdIsRefusedWithItsLineAndTheOtherLinesAreImported() {
        String feed = String.join("\n", record("CVE-2031-0001"), record("CVE-2032-9999999999999999999999999"), record("CVE-2031-0002")) + "\n";
        TestServer.Response r = post(feed.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("added").asInt()).isEqualTo(2);
        assertThat(r.body().path("refusedTotal").asInt()).isEqualTo(1);
        assertThat(r.body().at("/refused/0/line").asInt()).isEqualTo(2);
        assertThat(r.text()).doesNotContainIgnoringCase("insert").doesNotContain("SQL", "Exception", "org.");
        assertThat(t.admin("GET", "/api/v1/audit/cves/CVE-2031-0002?limit=0", null, 200).body().at("/cve/id").asText()).isEqualTo("CVE-2031-0002");
        assertThat(t.send("GET", "/api/v1/audit/cves/CVE-2032-9999999999999999999999999", "Bearer " + t.token, (String) null).status())
                .isEqualTo(400);
    }

    @Test
    void aGarbageFeedGetsAShortAnswerThatCountsEveryLine() {
        int lines = 4 * 1024 * 1024 / 64;
        StringBuilder garbage = new StringBuilder(lines * 64);
        for (int i = 0; i < lines; i++) {
            garbage.append("x".repeat(63)).append('\n');
        }
        garbage.append(record("CVE-2031-0100")).append('\n');
        TestServer.Response r = post(garbage.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body().path("lines").asInt()).isEqualTo(lines + 1);
        assertThat(r.body().path("refusedTotal").asInt()).isEqualTo(lines);
        assertThat(r.body().path("refused").size()).isEqualTo(100);
        assertThat(r.body().path("added").asInt()).isEqualTo(1);
        assertThat(r.text().length()).as("the answer to a 4 MiB feed of garbage").isLessThan(40_000);
    }

    @Test
    void aFeedWithoutLinesIsRefused() {
        assertThat(post(new byte[0]).status()).isEqualTo(400);
        assertThat(post("\n\n  \n".getBytes(StandardCharsets.US_ASCII)).status()).isEqualTo(400);
    }
}
