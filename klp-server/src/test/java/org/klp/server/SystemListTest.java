package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The operators' system list: worst verdict, kernel support, check-in age, hostname search and sorting. */
class SystemListTest {

    static final String UNKNOWN_KERNEL = "6.12.0-1-default";

    TestServer t;
    TestServer.Announced web1;
    TestServer.Announced web2;
    TestServer.Announced db1;
    TestServer.Announced fresh;

    @BeforeEach
    void fleet() {
        t = TestServer.h2(TestServer.tempDir("system-list")).withCatalog();
        web1 = t.announce("Web-1.example.com");
        web2 = t.announce("web_2");
        db1 = t.announce("db1");
        fresh = t.announce("fresh");
        checkIn(web1, TestServer.KERNEL, 2);
        t.clock.advance(Duration.ofMinutes(10));
        checkIn(web2, TestServer.KERNEL, 1);
        t.clock.advance(Duration.ofMinutes(10));
        checkIn(db1, UNKNOWN_KERNEL, 0);
        t.clock.advance(Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private void checkIn(TestServer.Announced h, String kernel, int version) {
        assertThat(t.send("POST", "/connect/systems/checkin", h.basic(), TestServer.posture(kernel, version)).status()).isEqualTo(200);
    }

    private List<Long> ids(JsonNode list) {
        List<Long> out = new ArrayList<>();
        list.path("systems").forEach(s -> out.add(s.path("id").asLong()));
        return out;
    }

    private JsonNode system(JsonNode list, long id) {
        for (JsonNode s : list.path("systems")) {
            if (s.path("id").asLong() == id) {
                return s;
            }
        }
        throw new AssertionError("system " + id + " not listed");
    }

    @Test
    void eachSystemComesWithItsWorstVerdictKernelSupportAndCheckinAge() {
        JsonNode list = t.admin("GET", "/api/v1/systems", null, 200).body();
        assertThat(system(list, web1.id()).path("worstVerdict").asText()).isEqualTo("PATCHED_BY_LIVE_PATCH");
        assertThat(system(list, web2.id()).path("worstVerdict").asText()).isEqualTo("LIVE_PATCH_AVAILABLE");
        assertThat(system(list, web1.id()).path("support").asText()).isEqualTo("ok");
        assertThat(system(list, web1.id()).path("endOfSupport").asText()).isEqualTo("2026-02-01");
        assertThat(system(list, db1.id()).path("support").asText()).isEqualTo("unknown-kernel");
        assertThat(system(list, web1.id()).path("checkinAgeSeconds").asLong()).isEqualTo(25 * 60);
        assertThat(system(list, web2.id()).path("checkinAgeSeconds").asLong()).isEqualTo(15 * 60);
        assertThat(system(list, fresh.id()).path("worstVerdict").isNull()).as("never checked in: not audited").isTrue();
        assertThat(system(list, fresh.id()).path("checkinAgeSeconds").isNull()).isTrue();
        // past the kernel's end of support, the list says so
        t.clock.advance(Duration.ofDays(300));
        JsonNode later = t.admin("GET", "/api/v1/systems", null, 200).body();
        assertThat(system(later, web1.id()).path("support").asText()).isEqualTo("ended");
        assertThat(system(later, web1.id()).path("worstVerdict").asText()).as("overdue check-in").isEqualTo("UNKNOWN");
    }

    @Test
    void hostnamesAreSearchedByAnyPartIgnoringCaseAndWildcardsAreLiteral() {
        assertThat(ids(t.admin("GET", "/api/v1/systems?hostname=WEB", null, 200).body())).containsExactly(web1.id(), web2.id());
        assertThat(ids(t.admin("GET", "/api/v1/systems?hostname=_", null, 200).body())).containsExactly(web2.id());
        assertThat(ids(t.admin("GET", "/api/v1/systems?hostname=%25", null, 200).body())).isEmpty();
        assertThat(t.admin("GET", "/api/v1/systems?hostname=b_2", null, 200).body().path("total").asLong()).isEqualTo(1);
    }

    @Test
    void systemsSortByWorstVerdictLastCheckinHostnameOrKernel() {
        assertThat(ids(t.admin("GET", "/api/v1/systems?sort=worstVerdict&order=desc", null, 200).body()))
                .containsExactly(web2.id(), web1.id(), db1.id(), fresh.id());
        assertThat(ids(t.admin("GET", "/api/v1/systems?sort=lastCheckin&order=desc", null, 200).body()))
                .containsExactly(db1.id(), web2.id(), web1.id(), fresh.id());
        assertThat(ids(t.admin("GET", "/api/v1/systems?sort=hostname", null, 200).body()))
                .containsExactly(db1.id(), fresh.id(), web1.id(), web2.id());
        assertThat(ids(t.admin("GET", "/api/v1/systems?sort=worstVerdict&order=desc&limit=1&offset=1", null, 200).body()))
                .containsExactly(web1.id());
        JsonNode bad = t.send("GET", "/api/v1/systems?sort=password_hash", "Bearer " + t.token, (String) null).body();
        assertThat(bad.path("status").asInt()).isEqualTo(400);
        assertThat(bad.path("error").asText()).contains("sort must be one of");
        assertThat(t.send("GET", "/api/v1/systems?order=sideways", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
    }
}
