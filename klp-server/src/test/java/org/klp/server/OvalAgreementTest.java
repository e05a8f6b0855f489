package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.cli.Host;
import org.klp.cli.connect.ConnectClient;
import org.klp.cli.connect.Credentials;
import org.klp.cli.connect.PostureReader;
import org.klp.core.audit.Verdict;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.kernel.HostRoot;
import org.klp.kernel.sim.SimulatedKernel;
import org.klp.server.export.OvalDefinitions;
import org.klp.server.export.Oscap;

/**
 * oscap's answer per CVE on each host equals klp's audit verdict for that host: OVAL from the
 * server's export API, hosts set up with the real klp (simulated kernels) and the real rpm (the live
 * patch packages the server published, installed into each host's rpm database), their posture read
 * by the agent's own reader and checked in, and the verdicts from the server's audit API. oscap
 * evaluates each host folder as its probe root: true (vulnerable) must be exactly the verdicts at risk.
 */
class OvalAgreementTest {

    static final String K83 = TestServer.KERNEL;
    static final String K90 = "5.14.21-150500.55.90-default";
    static final String PKG = LivePatchPackage.packageName(KernelRelease.parse(K83));

    static final String FEED = String.join("\n",
            cve("CVE-2024-1086", 7.8, true, "{\"fixedIn\":\"" + K90 + "\"}"),
            cve("CVE-2024-36971", 7.8, true, "{\"fixedIn\":\"" + K90 + "\"}"),
            cve("CVE-2024-26581", 7.8, false, "{\"fixedIn\":\"" + K90 + "\"}"),
            cve("CVE-2024-27397", 7.0, true, "{\"stream\":\"5.14.21-150500-default\"}"),
            cve("CVE-2024-26925", 5.5, true, "{\"fixedIn\":\"" + K83 + "\"}"),
            cve("CVE-2023-52434", 8.1, true, "{\"stream\":\"6.4.0-150600-default\"}")) + "\n";

    static TestServer t;
    static Path hosts;
    static Path oval;
    static final Map<String, Path> ROOTS = new LinkedHashMap<>();

    static String cve(String id, double cvss, boolean possible, String affected) {
        return "{\"id\":\"" + id + "\",\"cvss\":" + cvss + ",\"vector\":\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\",\"summary\":\"s\","
                + "\"published\":\"2024-05-01\",\"livePatchPossible\":" + possible + ",\"affected\":[" + affected + "]}";
    }

    @BeforeAll
    static void fleet() throws Exception {
        Oscap.requireInstalled();
        t = TestServer.h2(TestServer.tempDir("oval")).withCatalog();
        t.publishVersion(K83, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.send("POST", "/api/v1/cves", "Bearer " + t.token, FEED.getBytes(StandardCharsets.UTF_8), "application/x-ndjson");
        hosts = TestServer.tempDir("oval-hosts");

        // loaded and complete: version 3 installed by rpm and applied
        Path loaded = host("loaded-complete", K83);
        install(loaded, 3);
        apply(loaded, 3, "revert", 0);
        // installed but not loaded: the package is on disk, its module is not loaded
        install(host("installed-not-loaded", K83), 3);
        // an older version loaded: version 2 carries one of the two fixes
        Path older = host("older-loaded", K83);
        install(older, 2);
        apply(older, 2, "revert", 0);
        // transition in progress: a kernel thread sleeps in a function version 3 replaces
        Path transition = host("transition-in-progress", K83);
        install(transition, 3);
        block(transition);
        apply(transition, 3, "wait", 1);
        // forced: the same, forced
        Path forced = host("forced", K83);
        install(forced, 3);
        block(forced);
        apply(forced, 3, "force", 0);
        // kernel fixed: the host runs the kernel with the fixes
        host("kernel-fixed", K90);
        // reboot pending: the fixed kernel is installed, not running
        Path pending = host("reboot-pending", K83);
        Files.createDirectories(pending.resolve("lib/modules/" + K90));
        // nothing at all: reboot required for the fix no live patch can carry, no fix yet, live patches available
        host("unpatched", K83);

        for (Path root : ROOTS.values()) {
            checkIn(root);
        }
        TestServer.Response r = t.admin("GET", "/api/v1/export/oval", null, 200);
        oval = hosts.resolve("klp.oval.xml");
        Files.writeString(oval, r.text());
    }

    @AfterAll
    static void stop() {
        if (t != null) {
            t.close();
        }
    }

    static Path host(String name, String kernel) throws IOException {
        Path root = HostRun.simulatedHost(hosts.resolve(name), kernel);
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode).code()).isZero();
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();
        Oscap.Tools.ok("rpm", "--root", root.toString(), "--dbpath", "/var/lib/rpm", "--initdb");
        ROOTS.put(name, root);
        return root;
    }

    /** Installs the package the server published, with the real rpm (scripts off: they would load the module through klp on this machine). */
    static void install(Path root, int version) throws IOException {
        Path rpm;
        try (Stream<Path> files = Files.walk(t.dir.resolve("repos"))) {
            rpm = files.filter(f -> f.getFileName().toString().startsWith(PKG + "-" + version + "-")).findFirst().orElseThrow();
        }
        Oscap.Tools.ok("rpm", "--root", root.toString(), "--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--noscripts", "--nosignature",
                rpm.toString());
    }

    static void apply(Path root, int version, String onTimeout, int exitCode) {
        Path module = root.resolve("lib/modules/" + K83 + "/livepatch/" + org.klp.server.catalog.CatalogService.moduleName(
                KernelRelease.parse(K83), version) + ".ko");
        assertThat(module).exists();
        HostRun r = HostRun.klp(root, "apply", "--timeout", "5s", "--on-timeout", onTimeout, module.toString());
        assertThat(r.code()).as(r.toString()).isEqualTo(exitCode);
    }

    static void block(Path root) {
        SimulatedKernel.open(HostRoot.of(root), Clock.systemUTC()).startSleepingTask("kworker/0:2", "", "vmlinux", "tcp_sendmsg", true, false);
    }

    static void checkIn(Path root) {
        Credentials c = Credentials.read(root).orElseThrow();
        new ConnectClient(c.server()).checkin(c, PostureReader.read(Host.open(root, Clock.systemUTC())), "test");
    }

    static Map<String, Verdict> audit(Path root) {
        long id = Credentials.read(root).orElseThrow().systemId();
        JsonNode report = t.admin("GET", "/api/v1/audit/systems/" + id, null, 200).body();
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        for (String line : FEED.split("\n")) {
            verdicts.put(line.substring(7, line.indexOf('"', 7)), Verdict.NOT_AFFECTED);
        }
        for (JsonNode f : report.path("findings")) {
            verdicts.put(f.path("cve").asText(), Verdict.valueOf(f.path("verdict").asText()));
        }
        return verdicts;
    }

    @Test
    void theExportIsValidOval() {
        Oscap.validate(oval);
    }

    @Test
    void oscapAnswersEveryCveOnEveryHostAsTheAuditDoes() {
        Set<Verdict> seen = EnumSet.noneOf(Verdict.class);
        List<String> disagreements = new ArrayList<>();
        for (Map.Entry<String, Path> host : ROOTS.entrySet()) {
            Map<String, Boolean> scan = Oscap.evaluate(oval, host.getValue(), hosts.resolve(host.getKey() + "-scan"));
            for (Map.Entry<String, Verdict> v : audit(host.getValue()).entrySet()) {
                seen.add(v.getValue());
                Boolean vulnerable = scan.get(OvalDefinitions.definitionId(v.getKey()));
                assertThat(vulnerable).as(host.getKey() + " " + v.getKey() + " has a definition").isNotNull();
                if (vulnerable != v.getValue().atRisk()) {
                    disagreements.add(host.getKey() + " " + v.getKey() + ": audit " + v.getValue() + ", oscap " + (vulnerable ? "vulnerable" : "safe"));
                }
            }
        }
        assertThat(disagreements).isEmpty();
        assertThat(seen).as("the hosts cover every verdict a current host can have").containsExactlyInAnyOrder(Verdict.NOT_AFFECTED,
                Verdict.PATCHED_BY_KERNEL, Verdict.PATCHED_BY_LIVE_PATCH, Verdict.LIVE_PATCH_IN_PROGRESS, Verdict.LIVE_PATCH_AVAILABLE,
                Verdict.REBOOT_PENDING, Verdict.REBOOT_REQUIRED, Verdict.NO_FIX_YET);
    }

    @Test
    void eachHostIsInTheStateItsNameSays() {
        assertThat(audit(ROOTS.get("loaded-complete"))).containsEntry("CVE-2024-36971", Verdict.PATCHED_BY_LIVE_PATCH)
                .containsEntry("CVE-2024-26581", Verdict.REBOOT_REQUIRED);
        assertThat(audit(ROOTS.get("installed-not-loaded"))).containsEntry("CVE-2024-1086", Verdict.LIVE_PATCH_AVAILABLE);
        assertThat(audit(ROOTS.get("older-loaded"))).containsEntry("CVE-2024-1086", Verdict.PATCHED_BY_LIVE_PATCH)
                .containsEntry("CVE-2024-36971", Verdict.LIVE_PATCH_AVAILABLE);
        assertThat(audit(ROOTS.get("transition-in-progress"))).containsEntry("CVE-2024-1086", Verdict.LIVE_PATCH_IN_PROGRESS);
        assertThat(audit(ROOTS.get("forced"))).containsEntry("CVE-2024-1086", Verdict.LIVE_PATCH_IN_PROGRESS);
        assertThat(audit(ROOTS.get("kernel-fixed"))).containsEntry("CVE-2024-1086", Verdict.PATCHED_BY_KERNEL);
        assertThat(audit(ROOTS.get("reboot-pending"))).containsEntry("CVE-2024-26581", Verdict.REBOOT_PENDING);
        assertThat(audit(ROOTS.get("unpatched"))).containsEntry("CVE-2024-27397", Verdict.NO_FIX_YET)
                .containsEntry("CVE-2023-52434", Verdict.NOT_AFFECTED);
    }
}
