package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.server.api.Route;

/**
 * Every answer is JSON (or the file asked for) with every security header: HEAD on any route, a
 * 404, Jetty's own refusals of malformed requests, and an internal error, which names no SQL, no
 * exception and no value.
 */
class EveryAnswerTest {

    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("every-answer")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** The raw answer to raw request bytes: status line, headers and body as sent. */
    static String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", t.server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    static String get(String target, String method) throws IOException {
        return raw(method + " " + target + " HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n");
    }

    static void assertJsonWithSecurityHeaders(String answer, String what) {
        String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n"))).toLowerCase(Locale.ROOT);
        assertThat(head).as(what).contains("content-type: application/json", "content-security-policy: default-src 'none'",
                "x-content-type-options: nosniff", "x-frame-options: deny", "referrer-policy: no-referrer");
        assertThat(answer).as(what).doesNotContain("<html", "<HTML", "Exception", "org.eclipse", "jetty://");
    }

    static int status(String answer) {
        return Integer.parseInt(answer.substring(9, 12));
    }

    @Test
    void headOfEveryReadableRouteChecksCredentialsAndCarriesTheHeadersWithoutABody() throws IOException {
        for (Route r : t.server.routes()) {
            if (!r.method().name().equals("GET") || r.path().startsWith("/dashboard") || r.path().equals("/") || r.path().startsWith("/repo")
                    || r.path().equals("/lifecycle")) { // pages and files, not JSON; their headers are checked by the dashboard tests
                continue;
            }
            String path = r.path().replace("{id}", "1").replace("{name}", "default").replace("{kernel}", TestServer.KERNEL)
                    .replace("{cve}", "CVE-2024-1086").replaceAll("\\{[a-z]+\\}", "x");
            String head = get(path, "HEAD");
            String get = get(path, "GET");
            assertThat(status(head)).as("HEAD " + path).isEqualTo(status(get));
            assertJsonWithSecurityHeaders(head, "HEAD " + path);
            assertThat(head.substring(head.indexOf("\r\n\r\n") + 4)).as("HEAD " + path + " has no body").isEmpty();
            if (r.access() != org.klp.server.api.Access.PUBLIC) {
                assertThat(status(head)).as("HEAD " + path + " without credentials").isEqualTo(401);
            }
        }
    }

    @Test
    void jettysOwnRefusalsAreJsonWithTheSecurityHeaders() throws IOException {
        String[][] cases = {
                {"GET /repo/%00 HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n", "400"},
                {"GET /repo/%2e%2e/db/klp.mv.db HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n", ""},
                {"GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n", "414"},
                {"GET /health HTTP/1.1\r\nHost: klp\r\nX-Big: " + "b".repeat(20_000) + "\r\nConnection: close\r\n\r\n", "431"},
                {"NOT-HTTP\r\n\r\n", "400"},
                {"GET /health HTTP/1.1\r\nHost: klp\r\nContent-Length: -5\r\nConnection: close\r\n\r\n", "400"}};
        for (String[] c : cases) {
            String answer = raw(c[0]);
            String what = c[0].substring(0, Math.min(40, c[0].length()));
            assertJsonWithSecurityHeaders(answer, what);
            assertThat(status(answer)).as(what).isGreaterThanOrEqualTo(400);
            if (!c[1].isEmpty()) {
                assertThat(status(answer)).as(what).isEqualTo(Integer.parseInt(c[1]));
            }
        }
    }

    @Test
    void unknownPathsAndMethodsAnswerJsonWithTheHeaders() throws IOException {
        assertJsonWithSecurityHeaders(get("/no/such/thing", "GET"), "404");
        assertJsonWithSecurityHeaders(get("/no/such/thing", "HEAD"), "HEAD 404");
        assertJsonWithSecurityHeaders(raw("PATCH /api/v1/summary HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n"), "405");
        assertJsonWithSecurityHeaders(raw("BREW /health HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n"), "unknown method");
    }

    @Test
    void anInternalErrorAnswersWithAReferenceAndNeitherSqlNorExceptionNorValues() {
        try (TestServer broken = TestServer.h2(TestServer.tempDir("every-answer-broken")).withCatalog()) {
            TestServer.Announced a = broken.announce("host-a");
            broken.withDb(h -> h.execute("drop table system_events"));
            TestServer.Response r = broken.send("GET", "/api/v1/systems/" + a.id() + "/history", "Bearer " + broken.token, (String) null);
            assertThat(r.status()).isEqualTo(500);
            assertThat(r.body().path("type").asText()).isEqualTo("error");
            assertThat(r.error()).startsWith("internal error (reference ")
                    .doesNotContainIgnoringCase("select").doesNotContainIgnoringCase("system_events").doesNotContain("Exception", "org.", "jdbi", "h2");
        }
    }
}
