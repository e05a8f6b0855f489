package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;

/**
 * Results are always current: every change is in the very next answer, with no waiting, polling
 * or batch job in between — a check-in, a publication, a CVE import, a pin, a group move, a
 * deregistration, time passing; and a restarted server rebuilds the same audit from its store.
 */
class AuditAlwaysCurrentTest {

    private static final String CVE = "CVE-2024-36971";

    private static int count(TestServer t, String cve, String verdict) {
        return t.admin("GET", "/api/v1/audit/cves/" + cve + "?limit=0", null, 200).body().at("/counts/" + verdict).asInt();
    }

    private static void checkIn(TestServer t, TestServer.Announced a, int version) {
        assertThat(t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, version)).status()).isEqualTo(200);
    }

    @Test
    void eachChangeIsInTheVeryNextAnswer() {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-current")).withCatalog()) {
            TestServer.Announced a = t.announce("a");
            TestServer.Announced b = t.announce("b");
            checkIn(t, a, 1);
            checkIn(t, b, 1);
            // a CVE import: the record is there at once; no live patch carries it yet
            t.admin("POST", "/api/v1/cves", "{\"id\":\"" + CVE + "\",\"cvss\":7.8,\"published\":\"2024-06-10\",\"affected\":[{\"fixedIn\":"
                    + "\"5.14.21-150500.55.90-default\"}]}", 200);
            assertThat(count(t, CVE, "REBOOT_REQUIRED")).isEqualTo(2);
            // a publication carrying it: a live patch is available to both
            t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", CVE);
            assertThat(count(t, CVE, "LIVE_PATCH_AVAILABLE")).isEqualTo(2);
            // a check-in that loads it: patched
            checkIn(t, a, 3);
            assertThat(count(t, CVE, "PATCHED_BY_LIVE_PATCH")).isEqualTo(1);
            assertThat(count(t, CVE, "LIVE_PATCH_AVAILABLE")).isEqualTo(1);
            // a pin below the carrying version: b's available live patch is held back, and says so
            t.admin("PUT", "/api/v1/pins/" + TestServer.KERNEL, "{\"version\":2}", 200);
            JsonNode held = t.admin("GET", "/api/v1/audit/systems/" + b.id(), null, 200).body();
            assertThat(held.at("/system/pinnedVersion").asInt()).isEqualTo(2);
            assertThat(held.toString()).contains("held back by the group's pin to version 2");
            t.admin("DELETE", "/api/v1/pins/" + TestServer.KERNEL, null, 204);
            assertThat(t.admin("GET", "/api/v1/audit/systems/" + b.id(), null, 200).body().at("/system/pinnedVersion").asInt()).isZero();
            // a group move: the group filter follows
            t.admin("PUT", "/api/v1/systems/" + b.id() + "/group", "{\"group\":\"web\"}", 200);
            JsonNode web = t.admin("GET", "/api/v1/audit/cves/" + CVE + "?group=web&verdict=all", null, 200).body();
            assertThat(web.path("hosts").asInt()).isEqualTo(1);
            assertThat(web.at("/systems/LIVE_PATCH_AVAILABLE/listed/0/id").asLong()).isEqualTo(b.id());
            // an updated record replaces the old one: fixed in the running kernel now
            t.admin("POST", "/api/v1/cves", "{\"id\":\"" + CVE + "\",\"cvss\":7.8,\"published\":\"2024-06-10\",\"affected\":[{\"fixedIn\":\""
                    + TestServer.KERNEL + "\"}]}", 200);
            assertThat(count(t, CVE, "PATCHED_BY_KERNEL")).isEqualTo(2);
            // deregistration: gone
            assertThat(t.send("DELETE", "/connect/systems", b.basic(), (String) null).status()).isEqualTo(204);
            assertThat(t.admin("GET", "/api/v1/audit/cves/" + CVE + "?limit=0", null, 200).body().path("hosts").asInt()).isEqualTo(1);
            // time: past 1.5 check-in intervals the live patch state is unknown; the kernel's own verdicts stand
            t.clock.advance(Duration.ofMinutes(91));
            assertThat(count(t, "CVE-2024-1086", "UNKNOWN")).isEqualTo(1);
            assertThat(count(t, CVE, "PATCHED_BY_KERNEL")).isEqualTo(1);
            checkIn(t, a, 3);
            assertThat(count(t, "CVE-2024-1086", "PATCHED_BY_LIVE_PATCH")).isEqualTo(1);
        }
    }

    @Test
    void aNewerKernelsLivePatchCarryingAnUnfixedCveMakesItRebootRequiredNamingThatKernel() {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-newer-kernel")).withCatalog()) {
            TestServer.Announced a = t.announce("a");
            checkIn(t, a, 2);
            String stream = "5.14.21-150500-default";
            t.admin("POST", "/api/v1/cves", "{\"id\":\"" + CVE + "\",\"cvss\":7.8,\"published\":\"2024-06-10\",\"affected\":[{\"stream\":\""
                    + stream + "\"}]}", 200);
            assertThat(count(t, CVE, "NO_FIX_YET")).isEqualTo(1);
            String newer = "5.14.21-150500.55.88-default";
            t.admin("POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"" + newer + "\",\"released\":\"2025-04-01\"}",
                    201);
            t.publishVersion(newer, 2, CVE);
            assertThat(count(t, CVE, "NO_FIX_YET")).isZero();
            assertThat(count(t, CVE, "REBOOT_REQUIRED")).isEqualTo(1);
            JsonNode host = t.admin("GET", "/api/v1/audit/systems/" + a.id(), null, 200).body();
            JsonNode finding = null;
            for (JsonNode f : host.path("findings")) {
                if (f.path("cve").asText().equals(CVE)) {
                    finding = f;
                }
            }
            assertThat(finding).isNotNull();
            assertThat(finding.at("/evidence/fixedIn").asText()).isEqualTo(newer);
            assertThat(finding.at("/evidence/carriedBy").asText()).isEqualTo("kernel-livepatch-5_14_21-150500_55_88-default-2");
            assertThat(finding.path("explain").asText()).contains("reboot into " + newer + " and apply it");
            JsonNode summary = t.admin("GET", "/api/v1/audit/summary", null, 200).body();
            assertThat(summary.path("noFixYet").asInt()).isZero();
        }
    }

    @Test
    void aRestartedServerRebuildsTheSameAuditFromItsStore() throws Exception {
        Path dir = TestServer.tempDir("audit-restart");
        String before;
        String hostBefore;
        long id;
        try (TestServer t = TestServer.h2(dir).withCatalog()) {
            AuditFleet f = AuditFleet.build(t);
            id = f.id("h06");
            before = t.admin("GET", "/api/v1/audit/summary?top=50", null, 200).body().toString();
            hostBefore = t.admin("GET", "/api/v1/audit/systems/" + id, null, 200).body().toString();
        }
        Database db = Database.h2(dir.resolve("db"));
        MutableClock clock = new MutableClock(java.time.Instant.parse("2025-06-01T12:00:00Z"));
        try (KlpServer s = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir, db, new RpmMdPackageRepository(TestServer.signingKey(), clock),
                clock, null, 0))) {
            String token = s.tokens().create("again", clock.instant());
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String after = get(http, s.url() + "/api/v1/audit/summary?top=50", token);
            String hostAfter = get(http, s.url() + "/api/v1/audit/systems/" + id, token);
            assertThat(after).isEqualTo(before);
            assertThat(hostAfter).isEqualTo(hostBefore);
        } finally {
            db.close();
        }
        assertThat(Files.exists(dir.resolve("db"))).isTrue();
    }

    @Test
    void onlyACheckinWithItsPostureMakesAHostFreshAKeepaliveDoesNotEvenAcrossARestart() throws Exception {
        Path dir = TestServer.tempDir("audit-keepalive");
        long id;
        try (TestServer t = TestServer.h2(dir).withCatalog()) {
            TestServer.Announced a = t.announce("a");
            id = a.id();
            checkIn(t, a, 2);
            assertThat(count(t, "CVE-2024-1086", "PATCHED_BY_LIVE_PATCH")).isEqualTo(1);
            t.clock.advance(Duration.ofMinutes(80));
            assertThat(t.send("PUT", "/connect/systems", a.basic(), "{\"hostname\":\"a\"}").status()).isEqualTo(204);
            t.clock.advance(Duration.ofMinutes(20));
            assertThat(count(t, "CVE-2024-1086", "UNKNOWN")).isEqualTo(1);
            JsonNode system = t.admin("GET", "/api/v1/systems/" + id, null, 200).body().path("system");
            assertThat(system.path("lastSeen").asText()).isEqualTo("2025-06-01T11:20:00Z");
            assertThat(system.path("lastCheckin").asText()).isEqualTo("2025-06-01T10:00:00Z");
        }
        Database db = Database.h2(dir.resolve("db"));
        MutableClock clock = new MutableClock(java.time.Instant.parse("2025-06-01T11:40:00Z"));
        try (KlpServer s = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir, db, new RpmMdPackageRepository(TestServer.signingKey(), clock),
                clock, null, 0))) {
            String token = s.tokens().create("again", clock.instant());
            String cve = get(java.net.http.HttpClient.newHttpClient(), s.url() + "/api/v1/audit/cves/CVE-2024-1086?limit=0", token);
            assertThat(cve).contains("\"UNKNOWN\":1");
        } finally {
            db.close();
        }
    }

    private static String get(java.net.http.HttpClient http, String url, String token) throws Exception {
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Bearer " + token).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).toString();
    }

    @Test
    void aFeedImportRefusesBadLinesImportsTheRestAndAgainChangesNothing() {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-feed")).withCatalog()) {
            String feed = String.join("\n", AuditFleet.FEED, "{\"id\":\"CVE-2024-0001\",\"cvss\":\"high\"}", "{oops",
                    "{\"id\":\"CVE-2024-0002\",\"cvss\":7.0,\"published\":\"2024-01-01\",\"affected\":[]}");
            JsonNode r = t.admin("POST", "/api/v1/cves", feed, 200).body();
            assertThat(r.path("lines").asInt()).isEqualTo(9);
            assertThat(r.path("added").asInt() + r.path("updated").asInt()).isEqualTo(7);
            assertThat(r.path("refused").size()).isEqualTo(2);
            assertThat(r.at("/refused/0/line").asInt()).isEqualTo(7);
            assertThat(r.at("/refused/0/id").asText()).isEqualTo("CVE-2024-0001");
            assertThat(r.at("/refused/1/line").asInt()).isEqualTo(8);
            long revision = t.withDb(h -> h.createQuery("select max(revision) from cves").mapTo(Long.class).one());
            JsonNode again = t.admin("POST", "/api/v1/cves", feed, 200).body();
            assertThat(again.path("unchanged").asInt()).isEqualTo(7);
            assertThat(again.path("added").asInt() + again.path("updated").asInt()).isZero();
            long revisionAfter = t.withDb(h -> h.createQuery("select max(revision) from cves").mapTo(Long.class).one());
            assertThat(revisionAfter).isEqualTo(revision);
            // a catalog-only stream survives the feed's replacement: the live patch for K83 carries CVE-2024-1086
            JsonNode lp = t.admin("GET", "/api/v1/audit/cves/CVE-2024-1086", null, 200).body();
            assertThat(lp.at("/cve/affected").size()).isEqualTo(1);
            // nothing is written for a feed that is no feed: its one line is refused, or it has none
            TestServer.Response notText = t.send("POST", "/api/v1/cves", "Bearer " + t.token, new byte[] {(byte) 0xC3, (byte) 0x28},
                    "application/x-ndjson");
            assertThat(notText.status()).isEqualTo(200);
            assertThat(notText.body().path("refusedTotal").asInt()).isEqualTo(1);
            assertThat(notText.body().at("/refused/0/error").asText()).contains("not UTF-8");
            assertThat(t.send("POST", "/api/v1/cves", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
            long records = t.withDb(h -> h.createQuery("select count(*) from cves").mapTo(Long.class).one());
            assertThat(records).isEqualTo(7);
        }
    }

    @Test
    void cveImportOnTheCommandLineNamesRefusedLinesAndExitsOne() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("audit-cli-import")).withCatalog()) {
            Path file = t.dir.resolve("feed.jsonl");
            Files.writeString(file, AuditFleet.FEED + "\n{\"id\":\"CVE-2024-0001\",\"cvss\":7.0}\n");
            AuditApiTest.Run r = AuditApiTest.run("cve", "import", file.toString(), "--server", t.url(), "--token", t.token);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.out()).contains("7 lines: 5 CVE records added, 1 updated, 0 unchanged, 1 refused");
            assertThat(r.err()).contains("line 7 (CVE-2024-0001): published is required");
            Files.writeString(file, AuditFleet.FEED);
            assertThat(AuditApiTest.run("cve", "import", file.toString(), "--server", t.url(), "--token", t.token).code()).isZero();
            assertThat(AuditApiTest.run("cve", "import", "no-such-file", "--server", t.url(), "--token", t.token).code()).isEqualTo(3);
        }
    }
}
