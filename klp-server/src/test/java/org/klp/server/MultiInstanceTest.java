package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.server.store.Database;
import org.klp.server.store.FleetFeed;
import org.klp.server.store.Postgres;

/**
 * Two {@code serve} instances on one real PostgreSQL are one service: whatever goes through one is
 * in the other's answers at once (its queries catch up with the feed) and in its follower within a
 * second without any query (PostgreSQL's NOTIFY wakes it).
 */
class MultiInstanceTest {

    static final String CVE = "CVE-2024-36971";
    static Postgres pg;
    static int databases;

    TestServer a;
    TestServer b;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = Postgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    /** Instance A with the catalog, and B on the same database and data folder. */
    private void twoInstances(String name) throws Exception {
        String db = name + "_" + (++databases);
        Path dir = TestServer.tempDir(name);
        Database first = pg.newDatabase(db);
        a = TestServer.on(dir, first).withCatalog();
        b = TestServer.on(dir, pg.open(db));
        b.baseCode = a.baseCode;
        b.lpCode = a.lpCode;
    }

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    private static void checkIn(TestServer via, TestServer.Announced host, int version) {
        TestServer.Response r = via.send("POST", "/connect/systems/checkin", host.basic(), TestServer.posture(TestServer.KERNEL, version));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    private static long head(TestServer t) {
        return t.db.jdbi().withHandle(FleetFeed::head);
    }

    /** Milliseconds until {@code done}, at most 5 s. */
    private static long millisUntil(BooleanSupplier done) throws InterruptedException {
        long t0 = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - t0 > 5_000_000_000L) {
                throw new AssertionError("not within 5 s");
            }
            Thread.sleep(2);
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String verdict(TestServer via, long system, String cve) {
        JsonNode r = via.admin("GET", "/api/v1/audit/systems/" + system, null, 200).body();
        for (JsonNode f : r.path("findings")) {
            if (f.path("cve").asText().equals(cve)) {
                return f.path("verdict").asText();
            }
        }
        return "NOT_AFFECTED";
    }

    @Test
    void aCheckinThroughAIsInBsAuditAtOnceAndInBsFollowerWithinASecond() throws Exception {
        twoInstances("multi_checkin");
        TestServer.Announced h = a.announce("h1");
        checkIn(a, h, 1);
        long acknowledged = head(a);
        long millis = millisUntil(() -> b.server.audit().lag().position() >= acknowledged);
        assertThat(millis).as("B's follower applies A's check-in without a query").isLessThan(1000);
        assertThat(verdict(b, h.id(), "CVE-2024-1086")).isEqualTo("LIVE_PATCH_AVAILABLE");
        // the host updates through A: B says so in its very next answer
        checkIn(a, h, 2);
        assertThat(verdict(b, h.id(), "CVE-2024-1086")).isEqualTo("PATCHED_BY_LIVE_PATCH");
        // and a repeated check-in through A keeps it fresh on B past its first deadline
        a.clock.advance(Duration.ofMinutes(80));
        b.clock.advance(Duration.ofMinutes(80));
        checkIn(a, h, 2);
        a.clock.advance(Duration.ofMinutes(20));
        b.clock.advance(Duration.ofMinutes(20));
        assertThat(verdict(b, h.id(), "CVE-2024-1086")).isEqualTo("PATCHED_BY_LIVE_PATCH");
        JsonNode status = b.admin("GET", "/api/v1/audit/status", null, 200).body();
        assertThat(status.path("behindEvents").asLong()).isZero();
        assertThat(status.path("instance").asText()).isEqualTo(b.server.audit().instance()).isNotEqualTo(a.server.audit().instance());
        JsonNode health = b.send("GET", "/health", null, (String) null).body();
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("auditBehindEvents").asLong()).isZero();
    }

    @Test
    void aSystemDeletedThroughBIsNoLongerCountedByA() throws Exception {
        twoInstances("multi_delete");
        TestServer.Announced h1 = a.announce("h1");
        TestServer.Announced h2 = a.announce("h2");
        checkIn(a, h1, 2);
        checkIn(b, h2, 2);
        assertThat(a.admin("GET", "/api/v1/audit/summary", null, 200).body().path("hosts").asInt()).isEqualTo(2);
        b.admin("DELETE", "/api/v1/systems/" + h2.id(), null, 204);
        assertThat(a.admin("GET", "/api/v1/audit/summary", null, 200).body().path("hosts").asInt()).isEqualTo(1);
        assertThat(a.admin("GET", "/api/v1/systems", null, 200).body().path("total").asLong()).isEqualTo(1);
        assertThat(a.send("GET", "/api/v1/audit/systems/" + h2.id(), "Bearer " + a.token, (String) null).status()).isEqualTo(404);
        // a deregistration through A: gone from B
        assertThat(a.send("DELETE", "/connect/systems", h1.basic(), (String) null).status()).isEqualTo(204);
        assertThat(b.admin("GET", "/api/v1/audit/summary", null, 200).body().path("hosts").asInt()).isZero();
    }

    @Test
    void policiesPublicationsImportsAndGroupMovesThroughAReachBWithinASecond() throws Exception {
        twoInstances("multi_policy");
        TestServer.Announced h = a.announce("h1");
        a.activate(h, TestServer.BASE, a.baseCode);
        a.activate(h, TestServer.LP, a.lpCode);
        checkIn(a, h, 2);
        // a pin through A: B's desired state follows within a second (its follower reloads the policy)
        a.admin("PUT", "/api/v1/pins/" + TestServer.KERNEL, "{\"version\":1}", 200);
        long millis = millisUntil(() -> b.send("POST", "/connect/systems/checkin", h.basic(), TestServer.posture(TestServer.KERNEL, 2)).body()
                .at("/desired/reason").asText().contains("pinned fleet-wide to version 1"));
        assertThat(millis).isLessThan(1000);
        a.admin("DELETE", "/api/v1/pins/" + TestServer.KERNEL, null, 204);
        // a CVE import and a publication through A: in B's audit
        a.admin("POST", "/api/v1/cves", "{\"id\":\"" + CVE + "\",\"cvss\":7.8,\"published\":\"2024-06-10\",\"affected\":[{\"fixedIn\":"
                + "\"5.14.21-150500.55.90-default\"}]}", 200);
        assertThat(verdict(b, h.id(), CVE)).isEqualTo("REBOOT_REQUIRED");
        a.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", CVE);
        assertThat(verdict(b, h.id(), CVE)).isEqualTo("LIVE_PATCH_AVAILABLE");
        assertThat(b.send("POST", "/connect/systems/checkin", h.basic(), TestServer.posture(TestServer.KERNEL, 2)).body()
                .at("/desired/targetVersion").asInt()).isEqualTo(3);
        // a group move through A: B's group filter follows
        a.admin("PUT", "/api/v1/systems/" + h.id() + "/group", "{\"group\":\"web\"}", 200);
        assertThat(b.admin("GET", "/api/v1/audit/cves/" + CVE + "?group=web&limit=0", null, 200).body().path("hosts").asInt()).isEqualTo(1);
        // both instances answer the same
        assertThat(b.admin("GET", "/api/v1/audit/summary?top=10", null, 200).body())
                .isEqualTo(a.admin("GET", "/api/v1/audit/summary?top=10", null, 200).body());
    }

    @Test
    void bothInstancesServeTheSameRepositoriesThatVerifyWithOneKey() throws Exception {
        twoInstances("multi_repos");
        a.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", CVE);
        String repo = "/repo/" + TestServer.LP + "/repodata/";
        for (String file : java.util.List.of("repomd.xml", "repomd.xml.asc", "repomd.xml.key")) {
            TestServer.Response fromA = a.send("GET", repo + file, null, (String) null);
            TestServer.Response fromB = b.send("GET", repo + file, null, (String) null);
            assertThat(fromA.status()).isEqualTo(200);
            assertThat(fromB.text()).as(file).isEqualTo(fromA.text());
        }
        // a host that trusts A's key installs version 3 from B's repository: repodata and package verified
        Path keys = TestServer.tempDir("multi-key").resolve("trusted.asc");
        java.nio.file.Files.writeString(keys, a.send("GET", repo + "repomd.xml.key", null, (String) null).text());
        Path host = HostRun.simulatedHost(TestServer.tempDir("multi-host").resolve("h"), TestServer.KERNEL);
        HostRun r = HostRun.klp(host, "--json", "update", "--to", "3", "--repo", b.url() + "/repo/" + TestServer.LP + "/", "--trusted",
                keys.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.json().path("result").asText()).isEqualTo("completed");
    }

    @Test
    void anInstanceWithAnotherDataFolderOrSigningKeyRefusesToStart() throws Exception {
        twoInstances("multi_folder");
        Path elsewhere = TestServer.tempDir("multi-elsewhere");
        try (Database third = pg.open("multi_folder_" + databases)) {
            assertThatThrownBy(() -> KlpServer.start(new KlpServer.Config("127.0.0.1", 0, elsewhere, third,
                    new org.klp.server.catalog.RpmMdPackageRepository(TestServer.signingKey(), a.clock), a.clock, null, 0)))
                    .hasMessageContaining("is not the one the server instances on this database share")
                    .hasMessageContaining("it has no .klp-data-id");
            org.klp.packaging.pgp.SigningKey other = org.klp.packaging.pgp.SigningKey.parse(org.klp.packaging.pgp.KeyPairGenerator
                    .generate("another key <x@localhost>", 2048).secretKeyArmored().getBytes(java.nio.charset.StandardCharsets.US_ASCII), "other");
            assertThatThrownBy(() -> KlpServer.start(new KlpServer.Config("127.0.0.1", 0, a.dir, third,
                    new org.klp.server.catalog.RpmMdPackageRepository(other, a.clock), a.clock, null, 0)))
                    .hasMessageContaining("is not the key the server instances on this database sign their repositories with");
        }
    }
}
