package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.catalog.CatalogService;

/**
 * Everything the API does for an operator, done with {@code klp-server} on the command line: in
 * words, and with {@code --json} as the API's document (on failure too), checked through the API.
 */
class OperatorCommandsTest {

    static TestServer t;
    static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON: " + out + " / " + err, e);
            }
        }
    }

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("operator-cli")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static Run klpServer(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--server", t.url(), "--token", t.token));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    static Run ok(String... args) {
        Run r = klpServer(args);
        assertThat(r.code()).as(String.join(" ", args) + ": " + r.out() + r.err()).isZero();
        return r;
    }

    @Test
    void theCatalogIsBuiltAndReadOnTheCommandLine() throws Exception {
        ok("product", "add", "SLES/15.6/x86_64", "--name", "SUSE Linux Enterprise Server 15 SP6 x86_64");
        JsonNode lp = ok("product", "add", "sle-module-live-patching/15.6/x86_64", "--name", "Live Patching 15 SP6", "--base", "SLES/15.6/x86_64",
                "--json").json();
        assertThat(lp.path("identifier").asText()).isEqualTo("sle-module-live-patching");
        assertThat(ok("product", "list").out()).contains("sle-module-live-patching/15.6/x86_64", "SLES/15.6/x86_64");
        String kernel = "6.4.0-150600.23.7-default";
        ok("kernel", "add", kernel, "--product", "sle-module-live-patching/15.6/x86_64", "--released", "2025-03-01");
        assertThat(ok("kernel", "list", "--json").json().findValuesAsText("release")).contains(kernel);
        Path module = Files.createTempFile("klp-module-", ".ko");
        Files.write(module, CatalogService.simulatedModule(KernelRelease.parse(kernel), 2, List.of("vmlinux:pipe_read,0")));
        Path fixes = Files.createTempFile("klp-fixes-", ".json");
        Files.writeString(fixes, "[{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"summary\":\"nf_tables\"}]");
        assertThat(ok("live-patch", "add", kernel, "--module", module.toString(), "--fixes", fixes.toString()).out()).contains("version", "2");
        JsonNode versions = ok("live-patch", "list", kernel, "--json").json();
        assertThat(versions).hasSize(2);
        assertThat(versions.get(1).path("fixes").get(0).path("id").asText()).isEqualTo("CVE-2024-1086");
    }

    @Test
    void codesAreMadeListedAndRevoked() {
        JsonNode made = ok("code", "create", "--product", TestServer.BASE, "--max-systems", "3", "--label", "lab", "--json").json();
        String code = made.path("code").asText();
        assertThat(code).startsWith("KLP-");
        assertThat(ok("code", "list").out()).contains("lab").doesNotContain(code);
        assertThat(ok("code", "revoke", made.path("id").asText()).out()).contains("revoked registration code");
        assertThat(t.send("POST", "/connect/subscriptions/systems", "Token token=" + code, "{}").status()).isEqualTo(403);
        Run expired = klpServer("code", "create", "--product", TestServer.BASE, "--expires-at", "2020-01-01T00:00:00Z", "--json");
        assertThat(expired.code()).isEqualTo(3);
        assertThat(expired.json().path("type").asText()).isEqualTo("error");
        assertThat(expired.json().path("error").asText()).contains("expiresAt");
    }

    @Test
    void groupsPinsAndRolloutsAreSetAndRead() {
        ok("group", "set", "web", "--policy", "staged", "--canary-group", "canary", "--soak-seconds", "600", "--transition-timeout-seconds", "30");
        JsonNode g = ok("group", "show", "web", "--json").json();
        assertThat(g.at("/group/policy").asText()).isEqualTo("staged");
        assertThat(ok("group", "list").out()).contains("web", "staged");
        Run refused = klpServer("group", "set", "web", "--transition-timeout-seconds", "9223372036854775807");
        assertThat(refused.code()).isEqualTo(3);
        assertThat(refused.err()).contains("transitionTimeoutSeconds");
        ok("pin", "set", TestServer.KERNEL, "--group", "web", "--back", "1");
        assertThat(ok("pin", "list", "--json").json().findValuesAsText("group")).contains("web");
        ok("pin", "remove", TestServer.KERNEL, "--group", "web");
        ok("pin", "set", TestServer.KERNEL, "--to", "1");
        assertThat(t.admin("GET", "/api/v1/pins", null, 200).text()).contains("\"group\":\"*\"");
        ok("pin", "remove", TestServer.KERNEL);
        assertThat(ok("rollout", "list", "--json").json().isArray()).isTrue();
        Run noRollout = klpServer("rollout", "halt", "web", TestServer.KERNEL, "2", "--reason", "smoke", "--json");
        assertThat(noRollout.code()).isEqualTo(3);
        assertThat(noRollout.json().path("error").asText()).contains("no rollout");
        Run noResume = klpServer("rollout", "resume", "web", TestServer.KERNEL, "2", "--json");
        assertThat(noResume.code()).isEqualTo(3);
        assertThat(noResume.json().path("error").asText()).contains("no rollout");
        assertThat(ok("group", "delete", "web").out()).contains("deleted");
    }

    @Test
    void systemsAreListedShownMovedAndDeleted() {
        TestServer.Announced a = t.announce("cli-host");
        t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, 1));
        assertThat(ok("system", "list", "--group", "default").out()).contains("cli-host");
        assertThat(ok("system", "show", Long.toString(a.id())).out()).contains("cli-host", TestServer.KERNEL);
        assertThat(ok("system", "history", Long.toString(a.id())).out()).contains("first-checkin");
        ok("system", "move", Long.toString(a.id()), "db");
        assertThat(t.admin("GET", "/api/v1/systems/" + a.id(), null, 200).body().at("/system/group").asText()).isEqualTo("db");
        assertThat(ok("summary", "--json").json().path("systems").asLong()).isPositive();
        JsonNode deleted = ok("system", "delete", Long.toString(a.id()), "--json").json();
        assertThat(deleted.path("done").asText()).contains("deleted system");
        assertThat(t.send("GET", "/connect/systems/events", a.basic(), (String) null).status()).isEqualTo(401);
    }

    @Test
    void adminTokensAreListedAndRevoked() {
        String other = t.server.tokens().create("cli-other", t.clock.instant());
        JsonNode list = ok("admin", "token", "list", "--json").json();
        long id = 0;
        for (JsonNode n : list) {
            if (n.path("label").asText().equals("cli-other")) {
                id = n.path("id").asLong();
            }
        }
        assertThat(ok("admin", "token", "list").out()).contains("cli-other").doesNotContain(other);
        ok("admin", "token", "revoke", Long.toString(id));
        assertThat(t.send("GET", "/api/v1/summary", "Bearer " + other, (String) null).status()).isEqualTo(401);
    }

    @Test
    void everyCommandAnswersHelp() {
        for (String[] c : new String[][] {{"product", "add"}, {"kernel", "list"}, {"live-patch", "upload"}, {"system", "move"}, {"group", "set"},
                {"pin", "set"}, {"rollout", "halt"}, {"code", "revoke"}, {"admin", "token", "revoke"}, {"admin", "token", "create"}, {"summary"}}) {
            List<String> args = new ArrayList<>(List.of(c));
            args.add("--help");
            StringWriter out = new StringWriter();
            int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter()));
            assertThat(code).as(String.join(" ", c)).isZero();
            assertThat(out.toString()).as(String.join(" ", c)).contains("Usage:");
        }
    }
}
