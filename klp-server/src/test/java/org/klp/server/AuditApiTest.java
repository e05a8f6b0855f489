package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.Finding;
import org.klp.core.audit.HostFacts;
import org.klp.core.audit.PostureClass;
import org.klp.core.audit.RebootReason;
import org.klp.core.audit.Verdict;
import org.klp.core.audit.WhatIf;

/**
 * The audit's queries on a real server over HTTP, each checked against the naive per-host
 * computation over the same stored data ({@link AuditFleet#stored}): one CVE (whole fleet, by
 * group, by product), every host's findings with their evidence, the summary, a what-if, the
 * lifecycle reports and coverage; then the same answers as CSV and through the command line.
 */
class AuditApiTest {

    static TestServer t;
    static AuditFleet fleet;
    static AuditFleet.Stored stored;
    static Instant now;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("audit-api")).withCatalog();
        fleet = AuditFleet.build(t);
        stored = AuditFleet.stored(t);
        now = AuditFleet.now(t);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static Map<Verdict, List<Long>> naiveHosts(CveRecord cve, Predicate<Long> which) {
        Map<Verdict, List<Long>> out = new EnumMap<>(Verdict.class);
        stored.hosts().forEach((id, h) -> {
            if (which.test(id)) {
                out.computeIfAbsent(stored.naive().verdict(h, cve, now), v -> new ArrayList<>()).add(id);
            }
        });
        return out;
    }

    private static void assertCve(CveRecord cve, String query, Predicate<Long> which) {
        JsonNode n = t.admin("GET", "/api/v1/audit/cves/" + cve.id() + "?verdict=all&limit=1000" + query, null, 200).body();
        Map<Verdict, List<Long>> want = naiveHosts(cve, which);
        for (Verdict v : Verdict.values()) {
            List<Long> expected = want.getOrDefault(v, List.of());
            assertThat(n.at("/counts/" + v).asInt()).as("%s %s count%s", cve.id(), v, query).isEqualTo(expected.size());
            List<Long> listed = new ArrayList<>();
            n.at("/systems/" + v + "/listed").forEach(h -> listed.add(h.path("id").asLong()));
            assertThat(listed).as("%s %s hosts%s", cve.id(), v, query).isEqualTo(expected);
        }
    }

    @Test
    void oneCveAcrossTheFleetAgreesWithTheNaiveAuditWholeByGroupAndByProduct() {
        assertThat(stored.cves()).hasSize(7);
        for (CveRecord cve : stored.cves()) {
            assertCve(cve, "", id -> true);
            assertCve(cve, "&group=db", id -> stored.groups().get(id).equals("db"));
            assertCve(cve, "&product=" + TestServer.BASE, id -> !stored.hosts().get(id).posture().kernel().uname().equals(AuditFleet.UNKNOWN));
        }
        JsonNode n = t.admin("GET", "/api/v1/audit/cves/cve-2024-1086", null, 200).body();
        assertThat(n.at("/cve/qualifies").asBoolean()).isTrue();
        assertThat(n.at("/cve/vector").asText()).startsWith("CVSS:3.1/");
        assertThat(n.at("/cve/livePatches/" + AuditFleet.K65).asInt()).isEqualTo(2);
        assertThat(n.at("/cve/livePatches/" + AuditFleet.K83).asInt()).isEqualTo(2);
        assertThat(n.at("/systems/LIVE_PATCH_AVAILABLE/listed/0/hostname").asText()).startsWith("h");
        assertThat(n.path("systems").has("PATCHED_BY_LIVE_PATCH")).as("only verdicts at risk are listed by default").isFalse();
        assertThat(t.send("GET", "/api/v1/audit/cves/CVE-2099-0001", "Bearer " + t.token, (String) null).status()).isEqualTo(404);
        assertThat(t.send("GET", "/api/v1/audit/cves/bsc%231", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
        assertThat(t.send("GET", "/api/v1/audit/cves/CVE-2024-1086?verdict=BROKEN", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
    }

    @Test
    void aCveKnownOnlyFromTheCatalogHasARecordMadeFromTheLivePatchFix() {
        JsonNode n = t.admin("GET", "/api/v1/audit/cves/CVE-2024-50115", null, 200).body();
        assertThat(n.at("/cve/affected/0/stream").asText()).isEqualTo("5.14.21-150500-default");
        assertThat(n.at("/cve/affected/0/fixedIn").isNull()).isTrue();
        assertThat(n.at("/counts/PATCHED_BY_LIVE_PATCH").asInt()).isEqualTo(1);
        String source = t.withDb(h -> h.createQuery("select source from cves where id = 'CVE-2024-50115'").mapTo(String.class).one());
        assertThat(source).isEqualTo("catalog");
    }

    @Test
    void everyHostsFindingsAndEvidenceAgreeWithTheNaiveAudit() {
        for (Map.Entry<Long, HostFacts> e : stored.hosts().entrySet()) {
            JsonNode n = t.admin("GET", "/api/v1/audit/systems/" + e.getKey(), null, 200).body();
            List<Finding> want = stored.naive().findings(e.getValue(), now);
            List<String> got = new ArrayList<>();
            n.path("findings").forEach(f -> got.add(f.path("cve").asText() + " " + f.path("verdict").asText() + " " + f.path("explain").asText()));
            assertThat(got).as("system %d", e.getKey())
                    .isEqualTo(want.stream().map(f -> f.cveId() + " " + f.verdict() + " " + f.evidence().explain()).toList());
            assertThat(n.path("worst").asText()).isEqualTo(want.isEmpty() ? "NOT_AFFECTED" : want.get(0).verdict().name());
            assertThat(n.at("/system/stale").asBoolean()).isEqualTo(e.getValue().staleAt(now));
            assertThat(n.at("/system/pinnedVersion").asInt()).isEqualTo(e.getValue().pinnedVersion());
        }
        // the edge cases are there, with their evidence
        JsonNode pinned = t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h06"), null, 200).body();
        assertThat(finding(pinned, "CVE-2024-50115").at("/evidence/heldBackByPin").asBoolean()).isTrue();
        assertThat(finding(t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h05"), null, 200).body(), "CVE-2024-1086").at("/evidence/forced")
                .asBoolean()).isTrue();
        assertThat(finding(t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h09"), null, 200).body(), "CVE-2024-26925").path("verdict").asText())
                .isEqualTo("REBOOT_PENDING");
        JsonNode expired = t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h08"), null, 200).body();
        assertThat(finding(expired, "CVE-2024-26581").at("/evidence/reason").asText()).isEqualTo(RebootReason.NOT_LIVE_PATCHABLE.name());
        assertThat(finding(expired, "CVE-2024-26925").at("/evidence/reason").asText()).isEqualTo(RebootReason.OUT_OF_SCOPE.name());
        JsonNode stale = t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h13"), null, 200).body();
        assertThat(finding(stale, "CVE-2024-1086").path("verdict").asText()).isEqualTo("UNKNOWN");
        assertThat(finding(stale, "CVE-2024-1086").at("/evidence/lastKnown/verdict").asText()).isEqualTo("PATCHED_BY_LIVE_PATCH");
        assertThat(t.send("GET", "/api/v1/audit/systems/99999", "Bearer " + t.token, (String) null).status()).isEqualTo(404);
    }

    private static JsonNode finding(JsonNode report, String cve) {
        for (JsonNode f : report.path("findings")) {
            if (f.path("cve").asText().equals(cve)) {
                return f;
            }
        }
        throw new AssertionError("no finding for " + cve + " in " + report);
    }

    @Test
    void theSummaryAgreesWithTheNaiveAudit() {
        JsonNode n = t.admin("GET", "/api/v1/audit/summary?top=20", null, 200).body();
        int atRisk = 0;
        int live = 0;
        int reboot = 0;
        int noFix = 0;
        Map<Verdict, Integer> byWorst = new EnumMap<>(Verdict.class);
        Map<String, Integer> perCve = new HashMap<>();
        for (HostFacts h : stored.hosts().values()) {
            Verdict worst = Verdict.NOT_AFFECTED;
            for (CveRecord c : stored.cves()) {
                Verdict v = stored.naive().verdict(h, c, now);
                worst = Verdict.worse(worst, v);
                if (v.atRisk()) {
                    perCve.merge(c.id(), 1, Integer::sum);
                }
            }
            byWorst.merge(worst, 1, Integer::sum);
            atRisk += worst.atRisk() ? 1 : 0;
            live += worst.fixableByLivePatch() ? 1 : 0;
            reboot += worst.needsReboot() ? 1 : 0;
            noFix += worst == Verdict.NO_FIX_YET ? 1 : 0;
        }
        assertThat(n.path("noFixYet").asInt()).isEqualTo(noFix);
        assertThat(n.path("hosts").asInt()).isEqualTo(AuditFleet.HOSTS.size());
        assertThat(n.path("hostsAtRisk").asInt()).isEqualTo(atRisk);
        assertThat(n.path("fixableByLivePatch").asInt()).isEqualTo(live);
        assertThat(n.path("needReboot").asInt()).isEqualTo(reboot);
        for (Verdict v : Verdict.values()) {
            assertThat(n.at("/hostsByWorstVerdict/" + v).asInt()).as("worst %s", v).isEqualTo(byWorst.getOrDefault(v, 0));
        }
        Map<String, Integer> top = new HashMap<>();
        n.path("topCves").forEach(c -> top.put(c.path("cve").asText(), c.path("hostsAtRisk").asInt()));
        assertThat(top).isEqualTo(perCve);
        JsonNode db = t.admin("GET", "/api/v1/audit/summary?group=db", null, 200).body();
        assertThat(db.path("hosts").asInt()).isEqualTo(4);
    }

    @Test
    void aWhatIfAgreesWithTheNaiveAudit() {
        for (String query : List.of("change=latest", "change=pin&back=1")) {
            JsonNode n = t.admin("GET", "/api/v1/audit/what-if?group=db&limit=1000&" + query, null, 200).body();
            Map<String, Integer> want = new HashMap<>();
            int considered = 0;
            int changed = 0;
            for (Map.Entry<Long, HostFacts> e : stored.hosts().entrySet()) {
                HostFacts h = e.getValue();
                if (!stored.groups().get(e.getKey()).equals("db") || h.staleAt(now)) {
                    continue;
                }
                considered++;
                WhatIf scenario = query.equals("change=latest") ? new WhatIf.UpdateToLatest(h.group()) : new WhatIf.PinBehindLatest(h.group(), 1);
                PostureClass target = scenario.apply(h.postureClass(), stored.naive().latestVersion(h.posture().kernel()));
                HostFacts after = new HostFacts(h.hostId(), h.group(), target.posture(), target.pinnedVersion(), h.installedKernels(),
                        h.lastCheckIn(), h.checkInInterval());
                boolean any = false;
                for (CveRecord c : stored.cves()) {
                    Verdict from = stored.naive().verdict(h, c, now);
                    Verdict to = stored.naive().verdict(after, c, now);
                    if (from != to) {
                        want.merge(c.id() + " " + from + " " + to, 1, Integer::sum);
                        any = true;
                    }
                }
                changed += any ? 1 : 0;
            }
            Map<String, Integer> got = new HashMap<>();
            n.path("changes").forEach(c -> got.put(c.path("cve").asText() + " " + c.path("from").asText() + " " + c.path("to").asText(),
                    c.path("hosts").asInt()));
            assertThat(got).as(query).isEqualTo(want);
            assertThat(n.path("hostsConsidered").asInt()).isEqualTo(considered);
            assertThat(n.path("hostsChanged").asInt()).isEqualTo(changed);
        }
        assertThat(t.admin("GET", "/api/v1/audit/what-if?group=db&change=latest", null, 200).body().path("exposuresClosed").asLong()).isPositive();
        assertThat(t.send("GET", "/api/v1/audit/what-if?group=db&change=sideways", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
        assertThat(t.send("GET", "/api/v1/audit/what-if?change=latest", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
        assertThat(t.admin("GET", "/api/v1/audit/what-if?group=nobody-here&change=latest", null, 200).body().path("hostsConsidered").asInt()).isZero();
    }

    @Test
    void lifecycleReportsAgreeWithTheCatalogDates() {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Map<String, CatalogKernel> kernels = new HashMap<>();
        stored.kernels().forEach(k -> kernels.put(k.kernel().uname(), k));
        List<Long> expired = new ArrayList<>();
        List<Long> ending = new ArrayList<>();
        for (Map.Entry<Long, HostFacts> e : stored.hosts().entrySet()) {
            CatalogKernel k = kernels.get(e.getValue().posture().kernel().uname());
            if (k != null && k.status(today).expired()) {
                expired.add(e.getKey());
            }
            if (k != null && k.status(today).endsWithin(365)) {
                ending.add(e.getKey());
            }
        }
        assertThat(ids(t.admin("GET", "/api/v1/audit/lifecycle/expired", null, 200).body())).containsExactlyInAnyOrderElementsOf(expired);
        assertThat(ids(t.admin("GET", "/api/v1/audit/lifecycle/ending?days=365", null, 200).body())).containsExactlyInAnyOrderElementsOf(ending);
        assertThat(expired).hasSize(4);
        JsonNode plan = t.admin("GET", "/api/v1/audit/reboot-plan", null, 200).body();
        assertThat(plan.path("total").asInt()).isEqualTo(AuditFleet.HOSTS.size());
        JsonNode first = plan.at("/systems/0");
        assertThat(first.path("running").asText()).isEqualTo(AuditFleet.K65);
        assertThat(first.path("overdue").asBoolean()).isTrue();
        assertThat(first.path("moveTo").asText()).isEqualTo(AuditFleet.K83);
        JsonNode last = plan.at("/systems/" + (AuditFleet.HOSTS.size() - 1));
        assertThat(last.path("running").asText()).isEqualTo(AuditFleet.UNKNOWN);
        assertThat(last.path("rebootBy").isNull()).isTrue();
        JsonNode h09 = null;
        for (JsonNode s : plan.path("systems")) {
            if (s.path("id").asLong() == fleet.id("h09")) {
                h09 = s;
            }
        }
        assertThat(h09.path("moveToInstalled").asBoolean()).as("h09 has the kernel to move to installed").isTrue();
        assertThat(t.admin("GET", "/api/v1/audit/reboot-plan?limit=3&offset=2", null, 200).body().path("systems").size()).isEqualTo(3);
    }

    private static List<Long> ids(JsonNode n) {
        List<Long> out = new ArrayList<>();
        n.path("systems").forEach(s -> out.add(s.path("id").asLong()));
        return out;
    }

    @Test
    void coverageCountsQualifyingFixesLivePatchedPerStreamAndSaysWhyNot() {
        JsonNode n = t.admin("GET", "/api/v1/audit/coverage", null, 200).body();
        JsonNode sp5 = null;
        for (JsonNode s : n.path("streams")) {
            if (s.path("stream").asText().equals("5.14.21-150500-default")) {
                sp5 = s;
            }
        }
        // qualifying: 1086, 36971, 26581 (not live patchable), 27397 (no live patch), 50115; 26925 scores 5.5
        assertThat(sp5.path("qualifying").asInt()).isEqualTo(5);
        assertThat(sp5.path("livePatched").asInt()).isEqualTo(3);
        List<String> why = new ArrayList<>();
        sp5.path("notLivePatched").forEach(u -> why.add(u.path("cve").asText() + " " + u.path("reason").asText()));
        assertThat(why).containsExactly("CVE-2024-26581 NOT_LIVE_PATCHABLE", "CVE-2024-27397 NO_LIVE_PATCH_PUBLISHED");
        // CVE-2024-1086 published 2024-01-31, first live patch 2025-03-02; 36971 2024-06-10 → 2025-03-03; 50115 (catalog: published = its live patch)
        assertThat(sp5.path("medianDaysToLivePatch").asDouble()).isEqualTo(266.0);
    }

    @Test
    void everyReportHasACsvFormWithAHeaderAndOneRowPerItem() {
        String cve = t.admin("GET", "/api/v1/audit/cves/CVE-2024-1086?format=csv&verdict=all", null, 200).text();
        String[] lines = cve.split("\r\n");
        assertThat(lines[0]).isEqualTo("cve,verdict,system_id,hostname,group");
        assertThat(lines).hasSize(1 + AuditFleet.HOSTS.size());
        assertThat(lines[1]).startsWith("CVE-2024-1086,");
        String host = t.admin("GET", "/api/v1/audit/systems/" + fleet.id("h08") + "?format=csv", null, 200).text();
        assertThat(host.split("\r\n")[0]).isEqualTo("system_id,hostname,cve,cvss,verdict,explanation");
        assertThat(host).contains("\"fixed in " + AuditFleet.K90 + " and later; no live patch for " + AuditFleet.K65 + " helps: the fix changes"
                + " kernel data structures, which a live patch cannot do\"");
        for (String path : List.of("summary", "what-if?group=db&change=latest", "lifecycle/ending", "lifecycle/expired", "reboot-plan", "coverage")) {
            TestServer.Response r = t.admin("GET", "/api/v1/audit/" + path + (path.contains("?") ? "&" : "?") + "format=csv", null, 200);
            assertThat(r.text()).as(path).contains("\r\n");
        }
        assertThat(t.admin("GET", "/api/v1/audit/reboot-plan?format=csv", null, 200).text().split("\r\n")).hasSize(1 + AuditFleet.HOSTS.size());
        assertThat(t.send("GET", "/api/v1/audit/summary?format=xml", "Bearer " + t.token, (String) null).status()).isEqualTo(400);
    }

    @Test
    void theCommandLineAsksTheRunningServerAndPrintsTextJsonOrCsv() {
        String[] remote = {"--server", t.url(), "--token", t.token};
        Run summary = run("audit", "summary", remote[0], remote[1], remote[2], remote[3]);
        assertThat(summary.code).as(summary.err).isZero();
        assertThat(summary.out).contains(AuditFleet.HOSTS.size() + " hosts audited").contains("top CVEs");
        Run cve = run("audit", "cve", "CVE-2024-1086", "--csv", remote[0], remote[1], remote[2], remote[3]);
        assertThat(cve.out.split("\r\n")[0]).isEqualTo("cve,verdict,system_id,hostname,group");
        Run host = run("audit", "host", Long.toString(fleet.id("h06")), "--json", remote[0], remote[1], remote[2], remote[3]);
        assertThat(host.out).contains("\"heldBackByPin\" : true");
        Run whatIf = run("audit", "what-if", "--group", "db", "--pin-back", "1", remote[0], remote[1], remote[2], remote[3]);
        assertThat(whatIf.out).contains("if group db were pinned to N-1");
        for (String report : List.of("ending", "expired", "reboot-plan", "coverage", "status")) {
            Run r = run("audit", report, remote[0], remote[1], remote[2], remote[3]);
            assertThat(r.code).as(report + ": " + r.err).isZero();
        }
        Run wrongToken = run("audit", "summary", "--server", t.url(), "--token", "nope");
        assertThat(wrongToken.code).isEqualTo(3);
        assertThat(wrongToken.err).contains("refused the admin token");
        Run noServer = run("audit", "summary", "--server", "http://127.0.0.1:1", "--token", "x");
        assertThat(noServer.code).isEqualTo(3);
        assertThat(noServer.err).contains("cannot reach the server");
        assertThat(run("audit", "what-if", "--group", "db", remote[0], remote[1], remote[2], remote[3]).code).isEqualTo(2);
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }
}
