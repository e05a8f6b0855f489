package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.klp.kernel.HostRoot;
import org.klp.kernel.sim.SimulatedKernel;
import org.openqa.selenium.WebElement;

/**
 * The web dashboard in a real Chromium against a real server on a random port, whose fleet is
 * simulated hosts running the real {@code klp} agent: a staged rollout halted by a canary's
 * reverted apply, a forced transition, a pinned group, kernels past and near their end of support,
 * a host that never checked in, and a hostname and a CVE summary that are HTML. Every figure the
 * page shows is compared with what the API answers at that moment; every change made on the page
 * is checked through the API. After each test the browser's console must hold no error.
 *
 * <p>One browser and one fleet for the class (the tests run in order; each still starts from a
 * route of its own).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    static final String K83 = TestServer.KERNEL;
    /** Released 2024-04-01: support ended 2025-04-01, before the server's clock (2025-06-01). */
    static final String K65 = "5.14.21-150500.55.65-default";
    /** Released 2024-06-20: support ends 2025-06-20, within 30 days. */
    static final String K49 = "5.14.21-150500.55.49-default";
    static final String XSS_HOST = "<img src=x onerror=\"window.__klpXss='hostname'\">";
    static final String XSS_CVE = "CVE-2024-99999";
    static final String XSS_SUMMARY = "<script>window.__klpXss='script'</script><img src=x onerror=\"window.__klpXss='summary'\"> & nft_verdict_init";
    static final String HALT_REASON = "latency regression on canaries <b>bold?</b>";
    private static final ObjectMapper JSON = new ObjectMapper();

    static TestServer t;
    static Browser b;
    static String base;
    static final Map<String, Path> hosts = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Browser.requireInstalled();
        t = TestServer.h2(TestServer.tempDir("dashboard")).withCatalog();
        base = t.url();
        fleet();
        b = Browser.start();
    }

    @AfterAll
    static void stop() {
        try {
            if (b != null) {
                b.close();
            }
        } finally {
            if (t != null) {
                t.close();
            }
        }
    }

    @AfterEach
    void theConsoleHoldsNoError() {
        assertThat(b.consoleErrors()).as("errors in the browser's console").isEmpty();
        assertThat(b.js("return typeof window.__klpXss")).as("no script from the data ran").isEqualTo("undefined");
    }

    // ---- the fleet

    private static void fleet() throws Exception {
        t.admin("POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"" + K65 + "\",\"released\":\"2024-04-01\"}", 201);
        t.publishVersion(K65, 2, "CVE-2024-1086");
        t.admin("POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"" + K49 + "\",\"released\":\"2024-06-20\"}", 201);
        t.publishVersion(K49, 2, "CVE-2024-1086");
        String fixed = "5.14.21-150500.55.90-default";
        String feed = String.join("\n",
                cve("CVE-2024-1086", 7.8, "netfilter: nf_tables: use-after-free in nft_verdict_init", List.of(Map.of("fixedIn", fixed))),
                cve("CVE-2024-36971", 7.8, "net: use-after-free in __dst_negative_advice", List.of(Map.of("fixedIn", fixed))),
                cve(XSS_CVE, 7.5, XSS_SUMMARY, List.of(Map.of("stream", "5.14.21-150500-default"))));
        assertThat(t.admin("POST", "/api/v1/cves", feed, 200).body().path("refused").size()).isZero();
        t.admin("PUT", "/api/v1/groups/canary", "{\"policy\":\"latest\"}", 200);
        t.admin("PUT", "/api/v1/groups/prod", "{\"policy\":\"staged\",\"canaryGroup\":\"canary\",\"soakSeconds\":3600}", 200);
        t.admin("PUT", "/api/v1/groups/db", "{\"policy\":\"pin\"}", 200);
        t.admin("PUT", "/api/v1/groups/batch", "{\"policy\":\"latest\",\"onTimeout\":\"force\",\"transitionTimeoutSeconds\":30}", 200);

        Path dir = TestServer.tempDir("dashboard-hosts");
        host(dir, "c1", "canary", K83, "c1");
        host(dir, "c2", "canary", K83, "c2");
        host(dir, "p1", "prod", K83, "p1");
        host(dir, "p2", "prod", K83, "p2");
        host(dir, "d1", "db", K83, "d1");
        host(dir, "b1", "batch", K83, "b1");
        host(dir, "x1", "default", K83, XSS_HOST);
        host(dir, "e1", "default", K65, "e1");
        host(dir, "s1", "default", K49, "s1");
        t.announce("fresh");
        // a kernel thread asleep in the function version 2 replaces: batch forces the transition
        sleeper("b1", "pipe_read");
        for (String h : hosts.keySet()) {
            agent(h);
        }
        assertThat(t.admin("GET", "/api/v1/systems?state=forced", null, 200).body().path("total").asInt()).isEqualTo(1);

        // version 3 goes to the canaries first; c2 sleeps in a function it replaces: reverted, the rollout halts
        sleeper("c2", "tcp_sendmsg");
        t.publishVersion(K83, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        assertThat(agent("c1").path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(agent("c2").path("result").asText()).isEqualTo("reverted");
        t.server.supervisor().runOnce();
        for (String h : List.of("p1", "p2", "d1", "x1")) {
            agent(h);
        }
        assertThat(rollout("prod", K83, 3).path("status").asText()).isEqualTo("halted");
    }

    private static String cve(String id, double cvss, String summary, List<Map<String, String>> affected) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("cvss", cvss);
        m.put("summary", summary);
        m.put("published", "2024-05-01");
        m.put("affected", affected);
        return JSON.writeValueAsString(m);
    }

    private static void host(Path dir, String name, String group, String kernel, String hostname) throws Exception {
        Path root = HostRun.simulatedHost(dir.resolve(name), kernel);
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/hostname"), hostname + "\n");
        String code = t.code(TestServer.BASE, 10, group, null);
        HostRun r = HostRun.klp(root, "register", "--server", t.url(), "-r", code);
        assertThat(r.code()).as(r.err()).isZero();
        r = HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode);
        assertThat(r.code()).as(r.err()).isZero();
        hosts.put(name, root);
    }

    private static void sleeper(String host, String function) {
        SimulatedKernel.open(HostRoot.of(hosts.get(host)), Clock.systemUTC()).startSleepingTask("kworker/0:3", "", "vmlinux", function, true, false);
    }

    private static JsonNode agent(String host) {
        return HostRun.klp(hosts.get(host), "--json", "agent", "--once").json();
    }

    private static JsonNode api(String path) {
        return t.admin("GET", path, null, 200).body();
    }

    private static JsonNode rollout(String group, String kernel, int version) {
        for (JsonNode r : api("/api/v1/rollouts")) {
            if (r.path("group").asText().equals(group) && r.path("kernel").asText().equals(kernel) && r.path("version").asInt() == version) {
                return r;
            }
        }
        throw new AssertionError("no rollout of v" + version + " of " + kernel + " to " + group);
    }

    // ---- the page

    private static void login() {
        b.until("the login form", () -> b.find("#login").isDisplayed());
        b.find("#token").clear();
        b.find("#token").sendKeys(t.token);
        b.find("#login-button").click();
        b.until("the dashboard after logging in", () -> !b.find("#login").isDisplayed() && b.find("#nav").isDisplayed());
    }

    private static void loggedIn() {
        if (!b.driver.getCurrentUrl().startsWith(base + "/dashboard/")) {
            b.open(base + "/dashboard/");
        }
        if (b.js("return sessionStorage.getItem('klp.adminToken')") == null) {
            login();
        }
    }

    /** Clicks something that re-renders the view (a filter, a link, a confirmed action) and waits for the new rendering. */
    private static void clickAndAwait(WebElement e, String view) {
        b.js("document.getElementById('view').dataset.state = 'stale'");
        e.click();
        b.awaitView(view);
    }

    private static void choose(String selectCss, String value) {
        b.find(selectCss + " option[value='" + value + "']").click();
        assertThat(b.find(selectCss).getDomProperty("value")).isEqualTo(value);
    }

    private static long figure(String key) {
        return Long.parseLong(b.find("[data-figure='" + key + "'] .value").getText().replace(",", ""));
    }

    private static List<String> attributes(String css, String attribute) {
        List<String> out = new ArrayList<>();
        for (WebElement e : b.all(css)) {
            out.add(e.getDomAttribute(attribute));
        }
        return out;
    }

    // ---- the tests

    @Test
    @Order(1)
    void aWrongTokenIsRefusedWithAClearMessageAndTheRightOneOpensTheOverview() {
        b.open(base + "/");
        assertThat(b.driver.getCurrentUrl()).as("/ leads to the dashboard").startsWith(base + "/dashboard/");
        b.js("sessionStorage.clear()");
        b.open(base + "/dashboard/");
        b.until("the login form", () -> b.find("#login").isDisplayed());
        assertThat(b.find("#nav").isDisplayed()).isFalse();

        b.find("#token").sendKeys("klp_not-the-token");
        b.find("#login-button").click();
        b.until("the refusal", () -> b.find("#login-error").isDisplayed());
        assertThat(b.find("#login-error").getText()).contains("Wrong admin token").contains("invalid, expired or revoked admin token")
                .contains("klp-server admin token create");
        assertThat(b.js("return sessionStorage.getItem('klp.adminToken')")).as("a refused token is not kept").isNull();
        assertThat(b.find("#login").isDisplayed()).isTrue();
        assertThat(b.consoleErrors()).as("the console shows only the refused request").isNotEmpty()
                .allSatisfy(e -> assertThat(e).contains("/api/v1/audit/status").contains("401"));

        login();
        b.awaitView("overview");
        assertThat(b.js("return sessionStorage.getItem('klp.adminToken')")).isEqualTo(t.token);
        assertThat(b.driver.getTitle()).contains("Overview");
    }

    @Test
    @Order(2)
    void theOverviewShowsTheApisFiguresFromOneComputationThatAddUpAndTheHaltedRolloutWithItsReason() throws Exception {
        loggedIn();
        b.view(base, "/overview", "overview");
        JsonNode s = api("/api/v1/summary");
        JsonNode audit = api("/api/v1/audit/summary?top=5");
        long failed = api("/api/v1/systems?state=failed&limit=1").path("total").asLong();
        // the fleet is what the test says it is: every kind of figure is exercised, none is zero by accident
        assertThat(s.path("forced").asLong()).isEqualTo(1);
        assertThat(failed).isEqualTo(1);
        assertThat(s.path("expired").asLong()).isEqualTo(1);
        assertThat(s.path("expiringWithin30Days").asLong()).isEqualTo(1);
        assertThat(s.path("systems").asLong() - s.path("checkedIn").asLong()).isEqualTo(1);
        assertThat(s.path("behind").asLong()).isPositive();

        for (String key : List.of("systems", "checkedIn", "neverCheckedIn", "safe", "fixableByLivePatch", "needReboot", "noFixYet", "unknown",
                "onNewest", "behind", "inProgress", "forced", "failedApplies", "expiringWithin30Days", "expired", "unsupportedKernel", "hostsAtRisk")) {
            assertThat(figure(key)).as(key).isEqualTo(s.path(key).asLong());
        }
        assertThat(figure("failedApplies")).isEqualTo(failed);
        // one computation: the remedies add up to the hosts that checked in, and agree with the audit's own summary
        assertThat(s.path("safe").asLong() + s.path("fixableByLivePatch").asLong() + s.path("needReboot").asLong() + s.path("noFixYet").asLong()
                + s.path("unknown").asLong()).isEqualTo(s.path("checkedIn").asLong());
        for (String key : List.of("hostsAtRisk", "fixableByLivePatch", "needReboot", "noFixYet")) {
            assertThat(s.path(key).asLong()).as(key).isEqualTo(audit.path(key).asLong());
        }
        assertThat(s.path("checkedIn").asLong()).isEqualTo(audit.path("hosts").asLong());
        long byPosture = 0;
        for (JsonNode p : s.path("postures")) {
            byPosture += p.path("hosts").asLong();
        }
        assertThat(byPosture).as("postures count the same hosts").isEqualTo(s.path("checkedIn").asLong());
        assertThat(b.all("#view [data-figure=patched], #view [data-figure=needingReboot]")).as("no second 'patched' or 'reboot' figure").isEmpty();

        assertThat(s.path("haltedRollouts").size()).isEqualTo(1);
        JsonNode halted = s.path("haltedRollouts").get(0);
        WebElement item = b.find("#halted-rollouts li[data-rollout='prod/" + K83 + "/3']");
        assertThat(item.findElement(org.openqa.selenium.By.cssSelector(".reason")).getText()).isEqualTo(halted.path("reason").asText())
                .contains("canary c2").contains("reverted apply of version 3");

        List<String> postureRows = attributes("table[data-table=postures] tbody tr", "data-kernel");
        assertThat(postureRows).hasSize(s.path("postures").size());
        for (JsonNode g : s.path("groups")) {
            assertThat(b.find("#view").getText()).contains(g.path("group").asText());
        }
        b.screenshot(Path.of("target", "dashboard-overview.png"));
    }

    @Test
    @Order(3)
    void systemsFilterByGroupAndStateAndADetailShowsPostureHistoryAndAuditFindingsWorstFirst() {
        loggedIn();
        b.view(base, "/systems", "systems");
        assertThat(Long.parseLong(b.find("#systems-total").getDomAttribute("data-total")))
                .isEqualTo(api("/api/v1/systems?limit=1").path("total").asLong());
        choose("#system-filters select[name=group]", "canary");
        choose("#system-filters select[name=state]", "failed");
        clickAndAwait(b.find("#system-filters button[type=submit]"), "systems");
        assertThat(b.driver.getCurrentUrl()).contains("group=canary").contains("state=failed");
        JsonNode list = api("/api/v1/systems?group=canary&state=failed");
        List<String> ids = new ArrayList<>();
        list.path("systems").forEach(x -> ids.add(x.path("id").asText()));
        assertThat(ids).hasSize(1);
        assertThat(attributes("table[data-table=systems] tbody tr[data-id]", "data-id")).isEqualTo(ids);
        assertThat(b.find("#systems-total").getDomAttribute("data-total")).isEqualTo(list.path("total").asText());

        String id = ids.get(0);
        clickAndAwait(b.find("tr[data-id='" + id + "'] a[data-system]"), "system");
        assertThat(b.find("#system-name").getText()).isEqualTo("c2");
        assertThat(b.find("#posture-kernel").getText()).isEqualTo(K83);
        String posture = b.find("dl[data-section=posture]").getText();
        assertThat(posture).contains("klp_5_14_21_150500_55_83_default_2").contains("reverted").contains("K live patched");
        assertThat(b.find("dl[data-section=desired]").getText()).contains("canary of prod");

        List<String> kinds = new ArrayList<>();
        api("/api/v1/systems/" + id + "/history?limit=200").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(attributes("table[data-table=history] tbody tr", "data-kind")).isEqualTo(kinds).contains("apply-reverted", "first-checkin");

        JsonNode audit = api("/api/v1/audit/systems/" + id);
        List<String> findings = new ArrayList<>();
        int rank = Integer.MAX_VALUE;
        for (JsonNode f : audit.path("findings")) {
            findings.add(f.path("cve").asText() + " " + f.path("verdict").asText());
            assertThat(f.path("rank").asInt()).as("worst first").isLessThanOrEqualTo(rank);
            rank = f.path("rank").asInt();
        }
        assertThat(findings).isNotEmpty();
        List<String> shown = new ArrayList<>();
        for (WebElement row : b.all("table[data-table=findings] tbody tr[data-cve]")) {
            shown.add(row.getDomAttribute("data-cve") + " " + row.getDomAttribute("data-verdict"));
        }
        assertThat(shown).isEqualTo(findings);
        assertThat(b.find("#system-audit").getText()).contains(audit.path("findings").get(0).path("explain").asText());
    }

    @Test
    @Order(3)
    void theSystemsListSearchesHostnamesSortsByWorstVerdictAndShowsKernelSupportAndCheckinAge() {
        loggedIn();
        b.view(base, "/systems", "systems");
        b.find("#system-filters input[name=hostname]").sendKeys("P");
        choose("#system-filters select[name=sort]", "worstVerdict");
        choose("#system-filters select[name=order]", "desc");
        clickAndAwait(b.find("#system-filters button[type=submit]"), "systems");
        assertThat(b.driver.getCurrentUrl()).contains("hostname=P").contains("sort=worstVerdict").contains("order=desc");
        JsonNode list = api("/api/v1/systems?hostname=P&sort=worstVerdict&order=desc");
        List<String> ids = new ArrayList<>();
        List<String> verdicts = new ArrayList<>();
        int rank = Integer.MAX_VALUE;
        for (JsonNode x : list.path("systems")) {
            assertThat(x.path("hostname").asText().toLowerCase(java.util.Locale.ROOT)).contains("p");
            ids.add(x.path("id").asText());
            verdicts.add(x.path("worstVerdict").asText());
            int r = org.klp.core.audit.Verdict.valueOf(x.path("worstVerdict").asText()).rank();
            assertThat(r).as("worst first").isLessThanOrEqualTo(rank);
            rank = r;
            assertThat(x.path("checkinAgeSeconds").asLong()).isNotNegative();
        }
        assertThat(ids).as("p1, p2 and the HTML hostname (klp in it)").hasSize(3);
        assertThat(attributes("table[data-table=systems] tbody tr[data-id]", "data-id")).isEqualTo(ids);
        assertThat(attributes("table[data-table=systems] td[data-verdict]", "data-verdict")).isEqualTo(verdicts);
        // the host on the expired kernel says so
        b.view(base, "/systems?hostname=e1", "systems");
        JsonNode e1 = api("/api/v1/systems?hostname=e1").path("systems").get(0);
        assertThat(e1.path("support").asText()).isEqualTo("ended");
        assertThat(b.find("tr[data-id='" + e1.path("id").asText() + "'] td[data-support]").getText()).contains("support ended")
                .contains(e1.path("endOfSupport").asText());
    }

    @Test
    @Order(4)
    void aCveLookupShowsTheApisVerdictCountsAndHostsForTheFleetAndForAGroup() {
        loggedIn();
        b.view(base, "/cves", "cves");
        JsonNode top = api("/api/v1/audit/summary?top=20");
        assertThat(b.all("table[data-table=top-cves] tbody tr").size()).isEqualTo(Math.max(1, top.path("topCves").size()));

        b.find("#cve-id").sendKeys("cve-2024-36971");
        clickAndAwait(b.find("#cve-submit"), "cve");
        assertVerdictCounts(api("/api/v1/audit/cves/CVE-2024-36971?verdict=all&limit=50"));

        choose("#cve-lookup select[name=group]", "canary");
        clickAndAwait(b.find("#cve-submit"), "cve");
        assertThat(b.driver.getCurrentUrl()).contains("group=canary");
        JsonNode canary = api("/api/v1/audit/cves/CVE-2024-36971?verdict=all&limit=50&group=canary");
        assertThat(canary.path("hosts").asInt()).isEqualTo(2);
        assertVerdictCounts(canary);
    }

    private static void assertVerdictCounts(JsonNode api) {
        assertThat(b.find("#cve-report").getDomAttribute("data-cve")).isEqualTo(api.at("/cve/id").asText());
        assertThat(b.find("#cve-at-risk").getDomAttribute("data-value")).isEqualTo(api.path("atRisk").asText());
        api.path("counts").fields().forEachRemaining(e -> {
            String v = e.getKey();
            assertThat(b.find("#cve-report .legend li[data-verdict=" + v + "] .count").getText()).as(v).isEqualTo(e.getValue().asText());
            int listed = api.at("/systems/" + v + "/listed").size();
            assertThat(b.all("#cve-report details[data-verdict=" + v + "] a[data-system]")).as(v + " hosts").hasSize(listed);
        });
    }

    @Test
    @Order(5)
    void resumingAndHaltingARolloutOnThePageChangesItInTheApiAndCancellingChangesNothing() {
        loggedIn();
        b.view(base, "/rollouts", "rollouts");
        String row = "tr[data-rollout='prod/" + K83 + "/3']";
        assertThat(b.find(row).getDomAttribute("data-status")).isEqualTo("halted");
        assertThat(b.all(row + " button[data-action=promote]")).as("a halted rollout is resumed, not promoted").isEmpty();

        b.find(row + " button[data-action=resume]").click();
        b.until("the resume dialog", () -> b.find("dialog[open]").isDisplayed());
        b.find("#dialog-cancel").click();
        b.until("the dialog to close", () -> b.all("dialog").isEmpty());
        assertThat(rollout("prod", K83, 3).path("status").asText()).as("cancelled: nothing changed").isEqualTo("halted");

        b.find(row + " button[data-action=resume]").click();
        b.until("the resume dialog", () -> b.find("dialog[open]").isDisplayed());
        assertThat(b.find("dialog[open]").getText()).contains("Resume the rollout of v3 of " + K83 + " to group prod");
        clickAndAwait(b.find("#dialog-confirm"), "rollouts");
        assertThat(rollout("prod", K83, 3).path("status").asText()).isEqualTo("canary");
        assertThat(b.find(row).getDomAttribute("data-status")).isEqualTo("canary");
        assertThat(b.find("#notice").getText()).contains("Resumed v3");

        b.find(row + " button[data-action=promote]").click();
        b.until("the promote dialog", () -> b.find("dialog[open]").isDisplayed());
        assertThat(b.find("dialog[open]").getText()).contains("Promote v3 of " + K83 + " to group prod");
        b.find("#dialog-cancel").click();
        b.until("the dialog to close", () -> b.all("dialog").isEmpty());
        assertThat(rollout("prod", K83, 3).path("status").asText()).as("cancelled: nothing changed").isEqualTo("canary");

        b.find(row + " button[data-action=halt]").click();
        b.until("the halt dialog", () -> b.find("#dialog-field").isDisplayed());
        b.find("#dialog-field").sendKeys(HALT_REASON);
        clickAndAwait(b.find("#dialog-confirm"), "rollouts");
        JsonNode halted = rollout("prod", K83, 3);
        assertThat(halted.path("status").asText()).isEqualTo("halted");
        assertThat(halted.path("reason").asText()).isEqualTo("halted by an operator: " + HALT_REASON);
        assertThat(b.find(row + " td.message").getText()).as("shown as text").isEqualTo(halted.path("reason").asText());
    }

    @Test
    @Order(6)
    void pinningAGroupToNMinusOneNamesTheFixesItDropsAndAFleetWidePinCanBeCancelled() {
        loggedIn();
        b.view(base, "/rollouts", "rollouts");
        choose("#pin-scope", "db");
        choose("#pin-kernel", K83);
        assertThat(b.find("#pin-version").getDomProperty("value")).as("N-1 by default").isEqualTo("2");
        b.find("#pin-submit").click();
        b.until("the pin dialog", () -> b.find("dialog[open]").isDisplayed());
        String dialog = b.find("dialog[open]").getText();
        assertThat(dialog).contains("group db").contains("drops 1 fix of v3").contains("CVE-2024-36971").doesNotContain("CVE-2024-1086 ");
        assertThat(b.all("#pin-drops li[data-fix]")).hasSize(1);
        clickAndAwait(b.find("#dialog-confirm"), "rollouts");
        assertThat(api("/api/v1/pins").toString()).contains("{\"group\":\"db\",\"kernel\":\"" + K83 + "\",\"version\":2}");
        assertThat(b.find("tr[data-pin='db/" + K83 + "']").getDomAttribute("data-version")).isEqualTo("2");

        b.find("table[data-table=fleet-pins] tr[data-kernel='" + K83 + "'] button[data-action=fleet-n-1]").click();
        b.until("the fleet pin dialog", () -> b.find("dialog[open]").isDisplayed());
        assertThat(b.find("dialog[open]").getText()).contains("the whole fleet").contains("CVE-2024-36971").contains("will go back");
        b.find("#dialog-cancel").click();
        b.until("the dialog to close", () -> b.all("dialog").isEmpty());
        assertThat(api("/api/v1/pins").toString()).as("cancelled: no fleet-wide pin").doesNotContain("\"group\":\"*\"");
    }

    @Test
    @Order(7)
    void htmlInAHostnameACveSummaryAndAHaltReasonIsShownAsTextAndNeverRuns() {
        loggedIn();
        long id = 0;
        for (JsonNode s : api("/api/v1/systems?limit=100").path("systems")) {
            if (s.path("hostname").asText().equals(XSS_HOST)) {
                id = s.path("id").asLong();
            }
        }
        assertThat(id).as("the server keeps the hostname as it came").isPositive();

        b.view(base, "/systems", "systems");
        assertThat(b.find("tr[data-id='" + id + "'] a[data-system]").getText()).isEqualTo(XSS_HOST);
        b.view(base, "/systems/" + id, "system");
        assertThat(b.find("#system-name").getText()).isEqualTo(XSS_HOST);
        assertThat(b.find("table[data-table=history]").getText()).contains("registered as " + XSS_HOST);
        assertNothingInjected();

        b.view(base, "/cves/" + XSS_CVE, "cve");
        assertThat(b.find("#cve-summary").getText()).isEqualTo(XSS_SUMMARY);
        assertThat(b.find("#cve-report").getText()).contains(XSS_HOST);
        assertNothingInjected();

        b.view(base, "/overview", "overview");
        assertThat(b.find("#halted-rollouts").getText()).contains(HALT_REASON);
        assertNothingInjected();
        b.view(base, "/lifecycle", "lifecycle");
        assertNothingInjected();
    }

    private static void assertNothingInjected() {
        assertThat(b.js("return typeof window.__klpXss")).isEqualTo("undefined");
        assertThat(b.all("img[src='x']")).as("no element made from data").isEmpty();
        assertThat(b.all("#view img, #view script, #view b:not(.count)")).as("no markup from data").allSatisfy(e ->
                assertThat(e.getText()).doesNotContain("bold?"));
        assertThat(b.js("return document.scripts.length")).as("only the dashboard's own module").isEqualTo(1L);
    }

    @Test
    @Order(8)
    void lifecycleAndCatalogShowTheApisHostsKernelsAndLivePatchesWithTheirCves() {
        loggedIn();
        b.view(base, "/lifecycle", "lifecycle");
        JsonNode ending = api("/api/v1/audit/lifecycle/ending?days=30");
        JsonNode expired = api("/api/v1/audit/lifecycle/expired");
        JsonNode plan = api("/api/v1/audit/reboot-plan");
        assertThat(ending.path("total").asInt()).isEqualTo(1);
        assertThat(expired.path("total").asInt()).isEqualTo(1);
        assertThat(b.find("#ending-total").getDomAttribute("data-total")).isEqualTo(ending.path("total").asText());
        assertThat(b.find("#expired-total").getDomAttribute("data-total")).isEqualTo(expired.path("total").asText());
        assertThat(b.find("#reboot-total").getDomAttribute("data-total")).isEqualTo(plan.path("total").asText());
        assertThat(b.find("table[data-table=expired]").getText()).contains("e1").contains(K65);
        assertThat(b.find("table[data-table=ending]").getText()).contains("s1").contains(K49);

        b.find("#lifecycle-days input[name=days]").clear();
        b.find("#lifecycle-days input[name=days]").sendKeys("400");
        clickAndAwait(b.find("#lifecycle-days button"), "lifecycle");
        assertThat(b.find("#ending-total").getDomAttribute("data-total")).isEqualTo(api("/api/v1/audit/lifecycle/ending?days=400").path("total").asText());

        b.view(base, "/catalog", "catalog");
        JsonNode kernels = api("/api/v1/kernels");
        assertThat(attributes("table[data-table=kernels] tbody tr", "data-kernel")).hasSize(kernels.size()).contains(K83, K65, K49);
        assertThat(b.all("table[data-table=products] tbody tr")).hasSize(api("/api/v1/products").size());
        b.find("details[data-kernel='" + K83 + "'] summary").click();
        b.until("the live patches of " + K83, () -> "true".equals(b.find("details[data-kernel='" + K83 + "']").getDomAttribute("data-loaded")));
        WebElement patches = b.find("details[data-kernel='" + K83 + "'] table[data-table=live-patches]");
        assertThat(patches.findElements(org.openqa.selenium.By.cssSelector("tbody tr[data-version]"))).hasSize(3);
        assertThat(patches.getText()).contains("CVE-2024-36971").contains("CVE-2024-1086").contains("initial patch");
    }

    @Test
    @Order(9)
    void aCveAndASystemDownloadTheirCsvOvalAndCsafExactlyAsTheApiAnswersThem() throws Exception {
        loggedIn();
        b.view(base, "/cves/CVE-2024-1086", "cve");
        assertThat(b.download(b.find("#cve-report [data-download=csv]"), "klp-audit-CVE-2024-1086.csv"))
                .isEqualTo(raw("/api/v1/audit/cves/CVE-2024-1086?verdict=all&format=csv"));
        byte[] oval = b.download(b.find("#cve-report [data-download=oval]"), "klp-oval-CVE-2024-1086.xml");
        assertThat(oval).isEqualTo(raw("/api/v1/export/oval?cve=CVE-2024-1086"));
        assertThat(new String(oval, java.nio.charset.StandardCharsets.UTF_8)).contains("oval:org.klp:def:20241086");
        assertThat(b.download(b.find("#cve-report [data-download=csaf]"), "klp-cve-2024-1086.json"))
                .isEqualTo(raw("/api/v1/export/csaf?cve=CVE-2024-1086"));

        long id = org.klp.cli.connect.Credentials.read(hosts.get("p1")).orElseThrow().systemId();
        b.view(base, "/systems/" + id, "system");
        JsonNode audit = api("/api/v1/audit/systems/" + id);
        String kernel = audit.at("/system/kernel").asText();
        assertThat(b.download(b.find("#system-audit [data-download=oval]"), "klp-oval-" + kernel + ".xml"))
                .isEqualTo(raw("/api/v1/export/oval?kernel=" + kernel));
        byte[] zip = b.download(b.find("#system-audit [data-download=csaf]"), "klp-csaf-vex.zip");
        java.util.List<String> entries = new java.util.ArrayList<>();
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.add(e.getName());
            }
        }
        assertThat(entries).contains("index.txt");
        audit.path("findings").forEach(f -> {
            if (f.path("cve").asText().startsWith("CVE-")) {
                assertThat(entries).contains("klp-" + f.path("cve").asText().toLowerCase(java.util.Locale.ROOT) + ".json");
            }
        });
    }

    /** The bytes the API answers to an admin's GET. */
    private static byte[] raw(String path) throws Exception {
        java.net.http.HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(base + path)).header("Authorization", "Bearer " + t.token).GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return r.body();
    }

    @Test
    @Order(10)
    void thePublicLifecyclePageListsEveryMaintainedKernelWithoutALoginAndFindsOneByUname() {
        b.open(base + "/lifecycle");
        b.until("the kernels", () -> "ready".equals(b.find("#kernels").getDomAttribute("data-state")));
        JsonNode all = t.send("GET", "/lifecycle.json", null, (String) null).body();
        assertThat(b.all("#kernels details[data-kernel]")).hasSize(all.path("kernels").size());

        b.find("#uname").sendKeys(K65);
        b.find("#find").click();
        b.until("the answer for " + K65, () -> b.find("#answer").isDisplayed() && b.find("#answer").getText().contains(K65));
        assertThat(b.find("#answer").getText()).contains("ended");
        assertThat(b.all("#kernels details[data-kernel]")).hasSize(1);
        assertThat(b.find("#kernels details[data-kernel] .end-of-support").getText()).isEqualTo("2025-04-01");

        b.find("#uname").clear();
        b.find("#uname").sendKeys("5.14.21-150500.55.12-default");
        b.find("#find").click();
        b.until("the refusal", () -> b.find("#answer").getText().contains("is not a kernel release the catalog maintains"));
        assertThat(b.find("#answer").getText()).contains("maintained releases of its stream");
        // the browser logs the 404 of that lookup as a failed load: expected, and the only error
        assertThat(b.consoleErrors()).singleElement().asString().contains("lifecycle.json?uname=5.14.21-150500.55.12-default")
                .contains("404");
    }
}
