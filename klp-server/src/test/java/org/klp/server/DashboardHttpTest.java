package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files over real HTTP, and the browser rules every answer carries: a strict
 * Content-Security-Policy, nosniff, no framing, no referrer, no CORS. The browser side is
 * {@link DashboardBrowserTest}.
 */
class DashboardHttpTest {

    static TestServer t;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("dashboard-http")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.url() + path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertBrowserRules(HttpResponse<?> r) {
        String what = r.request().method() + " " + r.uri().getPath() + " (" + r.statusCode() + ")";
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertThat(csp).as(what).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                "frame-ancestors 'none'", "form-action 'none'", "base-uri 'none'", "require-trusted-types-for 'script'");
        assertThat(csp).as(what + ": nothing inline, nothing evaluated, nothing from elsewhere").doesNotContain("unsafe", "http:", "https:", "data:", "*");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).as(what).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
        assertThat(r.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
        assertThat(r.headers().map().keySet()).as(what + ": no CORS header").noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"));
    }

    @Test
    void theRootLeadsToTheDashboardWhosePageLoadsOnlyItsOwnFiles() throws Exception {
        HttpResponse<String> root = get("/");
        assertThat(root.statusCode()).isEqualTo(302);
        assertThat(root.headers().firstValue("Location")).hasValue("/dashboard/");
        assertBrowserRules(root);

        HttpResponse<String> page = get("/dashboard/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertBrowserRules(page);
        assertThat(page.body()).contains("<script type=\"module\" src=\"/dashboard/js/app.js\"></script>")
                .doesNotContain("style=", "onclick", "onload", "http://", "https://", "<style");
        assertThat(get("/dashboard").statusCode()).as("without the slash").isEqualTo(200);
    }

    @Test
    void everyFileThePageNamesIsServedWithItsTypeAndNothingElseOfTheClassPathIs() throws Exception {
        for (String[] f : List.of(new String[] {"/dashboard/app.css", "text/css"}, new String[] {"/dashboard/js/app.js", "text/javascript"},
                new String[] {"/dashboard/js/views/overview.js", "text/javascript"}, new String[] {"/dashboard/favicon.svg", "image/svg+xml"})) {
            HttpResponse<String> r = get(f[0]);
            assertThat(r.statusCode()).as(f[0]).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(f[0]).startsWith(f[1]);
            assertBrowserRules(r);
        }
        for (String path : List.of("/dashboard/openapi.json", "/dashboard/simplelogger.properties", "/dashboard/db/migration/V1__fleet.sql",
                "/dashboard/App.JS", "/dashboard/js/missing.js", "/dashboard/.hidden.js", "/dashboard/js/../../openapi.json",
                "/dashboard/%2e%2e/openapi.json", "/dashboard/org/klp/server/KlpServer.class")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isIn(400, 404);
            assertThat(r.body()).as(path).doesNotContain("\"openapi\"", "org.slf4j", "create table");
        }
        HttpResponse<String> missing = get("/dashboard/js/missing.js");
        assertThat(missing.body()).contains("no such dashboard file: js/missing.js");
        assertBrowserRules(missing);
    }

    @Test
    void apiAnswersCarryTheSameRulesStayOutOfCachesAndGrantNoOtherOrigin() throws Exception {
        String evil = "https://evil.example";
        HttpResponse<String> ok = get("/api/v1/summary", "Authorization", "Bearer " + t.token, "Origin", evil);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertBrowserRules(ok);
        assertThat(ok.headers().firstValue("Cache-Control")).hasValue("no-store");

        HttpResponse<String> refused = get("/api/v1/summary", "Authorization", "Bearer wrong", "Origin", evil);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertBrowserRules(refused);

        HttpResponse<String> preflight = send("OPTIONS", "/api/v1/summary", "Origin", evil, "Access-Control-Request-Method", "GET",
                "Access-Control-Request-Headers", "authorization");
        assertThat(preflight.statusCode()).as("no preflight is granted").isGreaterThanOrEqualTo(400);
        assertBrowserRules(preflight);

        HttpResponse<String> unknown = get("/no/such/page");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertBrowserRules(unknown);
    }

    @Test
    void theSummaryCountsHostsPerGroupIncludingGroupsWithoutAPolicy() {
        t.announce("a");
        t.send("POST", "/connect/subscriptions/systems", "Token token=" + t.code(TestServer.BASE, 5, "web", null), "{\"hostname\":\"b\"}");
        var groups = t.admin("GET", "/api/v1/summary", null, 200).body().get("groups");
        assertThat(groups.toString()).contains("{\"group\":\"default\",\"hosts\":1}", "{\"group\":\"web\",\"hosts\":1}");
    }
}
