package org.klp.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.klp.server.TestServer;
import org.klp.server.store.FleetFeed;

/** An instance whose audit is behind the fleet feed says by how much; one that lost the feed's events rebuilds its audit. */
class AuditLagTest {

    private static void checkIn(TestServer t, TestServer.Announced h, int version) {
        assertThat(t.send("POST", "/connect/systems/checkin", h.basic(), TestServer.posture(TestServer.KERNEL, version)).status()).isEqualTo(200);
    }

    @Test
    void aStalledInstanceSaysInHealthAndAuditStatusHowFarBehindItIs() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-lag")).withCatalog()) {
            TestServer.Announced h = t.announce("h1");
            checkIn(t, h, 1);
            t.admin("GET", "/api/v1/audit/summary", null, 200);  // caught up: an audit query waits for the feed
            try (AutoCloseable stalled = t.server.audit().holdFollower()) {
                checkIn(t, h, 2);
                checkIn(t, h, 2);
                checkIn(t, h, 2);
                t.send("GET", "/health", null, (String) null);
                Thread.sleep(1200);
                JsonNode health = t.send("GET", "/health", null, (String) null).body();
                assertThat(health.path("status").asText()).isEqualTo("behind");
                assertThat(health.path("auditBehindEvents").asLong()).isEqualTo(3);
                assertThat(health.path("auditBehindMillis").asLong()).isGreaterThanOrEqualTo(1000);
                JsonNode status = t.admin("GET", "/api/v1/audit/status", null, 200).body();
                assertThat(status.path("behindEvents").asLong()).isEqualTo(3);
                assertThat(status.path("head").asLong() - status.path("position").asLong()).isEqualTo(3);
            }
            assertThat(t.admin("GET", "/api/v1/audit/systems/" + h.id(), null, 200).body().toString()).contains("PATCHED_BY_LIVE_PATCH");
            JsonNode health = t.send("GET", "/health", null, (String) null).body();
            assertThat(health.path("status").asText()).isEqualTo("ok");
            assertThat(health.path("auditBehindEvents").asLong()).isZero();
        }
    }

    @Test
    void anInstanceThatFellBehindPrunedEventsRebuildsItsAuditFromTheStore() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-pruned")).withCatalog()) {
            TestServer.Announced h = t.announce("h1");
            checkIn(t, h, 1);
            t.admin("GET", "/api/v1/audit/summary", null, 200);  // caught up: an audit query waits for the feed
            try (AutoCloseable stalled = t.server.audit().holdFollower()) {
                checkIn(t, h, 2);
                checkIn(t, h, 2);
                // silent for long: the feed no longer waits for it
                t.db.jdbi().useTransaction(x -> FleetFeed.leave(x, t.server.audit().instance()));
                t.server.checkins().sync();
                java.util.List<FleetFeed.Numbered> left = t.db.jdbi().withHandle(x -> FleetFeed.after(x, 0, 10));
                assertThat(left).isEmpty();
            }
            assertThat(t.admin("GET", "/api/v1/audit/systems/" + h.id(), null, 200).body().toString()).contains("PATCHED_BY_LIVE_PATCH");
            assertThat(t.admin("GET", "/api/v1/audit/status", null, 200).body().path("reloads").asLong()).isEqualTo(1);
        }
    }
}
