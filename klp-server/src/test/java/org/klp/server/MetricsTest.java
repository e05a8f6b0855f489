package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.core.audit.Verdict;
import org.klp.server.api.Route;
import org.klp.server.metrics.PostureState;
import org.klp.server.metrics.Promtool;

/** GET /metrics on its own port, scraped after real check-ins, refusals and admin requests. */
class MetricsTest {

    static TestServer t;
    static String scrape;

    @BeforeAll
    static void fleet() throws Exception {
        t = TestServer.withMetrics(TestServer.tempDir("metrics"));
        t.withCatalog();
        t.admin("PUT", "/api/v1/groups/db", "{\"policy\":\"staged\",\"canaryGroup\":\"default\",\"soakSeconds\":60}", 200);
        for (int i = 0; i < 5; i++) {
            TestServer.Announced a = t.announce("host-" + i);
            assertThat(t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, i % 3)).status()).isEqualTo(200);
        }
        assertThat(t.send("POST", "/connect/systems/checkin", "Basic bm9ib2R5Om5vdGhpbmc=", TestServer.posture(TestServer.KERNEL, 1)).status())
                .isEqualTo(401);
        TestServer.Announced bad = t.announce("host-bad");
        assertThat(t.send("POST", "/connect/systems/checkin", bad.basic(), "{\"posture\":{\"kernel\":\"not a kernel\"}}").status()).isEqualTo(400);
        t.admin("GET", "/api/v1/systems", null, 200);
        t.send("GET", "/no/such/thing", null, (String) null);
        scrape = get(t.server.metricsUrl()).body();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    static double value(String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(scrape);
        assertThat(m.find()).as(series + " in\n" + scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void promtoolAcceptsTheScrape() {
        Promtool.check(scrape);
    }

    @Test
    void checkInsAreCountedTimedAndRefusalsCountedByReason() {
        assertThat(value("klp_checkins_total")).isEqualTo(5);
        assertThat(value("klp_checkin_duration_seconds_count")).isEqualTo(5);
        assertThat(value("klp_checkin_refusals_total{reason=\"unauthenticated\"}")).isEqualTo(1);
        assertThat(value("klp_checkin_refusals_total{reason=\"invalid\"}")).isEqualTo(1);
    }

    @Test
    void requestsAreTimedByRouteAndUnmatchedOnesByNone() {
        assertThat(value("klp_http_request_duration_seconds_count{route=\"/api/v1/systems\",method=\"GET\"}")).isEqualTo(1);
        assertThat(value("klp_http_requests_total{route=\"/connect/systems/checkin\",method=\"POST\",code=\"2xx\"}")).isEqualTo(5);
        assertThat(value("klp_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"4xx\"}")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theFleetIsCountedByPostureStateAndWorstVerdict() {
        // versions 0, 1, 2, 0, 1 of a kernel whose newest is 2
        assertThat(value("klp_hosts_by_posture_state{state=\"patched\"}")).isEqualTo(1);
        assertThat(value("klp_hosts_by_posture_state{state=\"behind\"}")).isEqualTo(4);
        assertThat(value("klp_kernels_by_live_patch_support{support=\"current\"}")).isEqualTo(1);
        assertThat(value("klp_rollouts_halted")).isZero();
        double audited = 0;
        for (Verdict v : Verdict.values()) {
            audited += value("klp_hosts_by_worst_verdict{verdict=\"" + v.name().toLowerCase(java.util.Locale.ROOT) + "\"}");
        }
        assertThat(audited).isEqualTo(5);
        assertThat(value("klp_audit_lag_seconds")).isGreaterThanOrEqualTo(0);
    }

    @Test
    void labelsComeFromClosedSetsOnlySoSeriesDoNotGrowWithTheFleet() {
        Set<String> routes = new HashSet<>(List.of("unmatched", "other"));
        t.server.routes().stream().map(Route::path).forEach(routes::add);
        Set<String> closed = new HashSet<>(routes);
        for (Verdict v : Verdict.values()) {
            closed.add(v.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (PostureState s : PostureState.values()) {
            closed.add(s.label());
        }
        closed.addAll(List.of("canary", "promoted", "halted", "current", "ending", "ended", "GET", "POST", "PUT", "DELETE", "HEAD", "2xx", "3xx",
                "4xx", "5xx", "unauthenticated", "invalid", "forbidden", "not_found", "too_large", "unavailable", "error", "0.1.0"));
        Matcher m = Pattern.compile("(\\w+)=\"([^\"]*)\"").matcher(scrape);
        while (m.find()) {
            if (!m.group(1).equals("le")) {
                assertThat(closed).as("label " + m.group(1)).contains(m.group(2));
            }
        }
        assertThat(scrape).doesNotContain("host-");
    }

    @Test
    void onlyGetMetricsIsServedThere() throws Exception {
        HttpResponse<String> r = get(t.server.metricsUrl());
        assertThat(r.headers().firstValue("Content-Type").orElse("")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(get(t.server.metricsUrl().replace("/metrics", "/api/v1/systems")).statusCode()).isEqualTo(404);
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.server.metricsUrl()))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(t.send("GET", "/metrics", null, (String) null).status()).as("not on the API's port").isEqualTo(404);
    }
}
