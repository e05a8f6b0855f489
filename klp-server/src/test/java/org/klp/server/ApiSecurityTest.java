package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.server.api.Access;
import org.klp.server.api.Route;

/** Every endpoint with no credentials, wrong credentials and another caller's credentials; a system reaches only its own records. */
class ApiSecurityTest {

    static TestServer t;
    static TestServer.Announced a;
    static TestServer.Announced b;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("security")).withCatalog();
        a = t.announce("host-a");
        b = t.announce("host-b");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static String concrete(String path) {
        return path.replace("{id}", "1").replace("{name}", "default").replace("{kernel}", TestServer.KERNEL).replace("{group}", "production")
                .replace("{version}", "2").replace("{cve}", "CVE-2024-1086").replace("{document}", "klp-cve-2024-1086.json").replace("<path>", "x");
    }

    private static long rows(String table) {
        return t.withDb(h -> h.createQuery("select count(*) from " + table).mapTo(Long.class).one());
    }

    @Test
    void everyProtectedEndpointRefusesMissingWrongAndForeignCredentialsWithAJsonErrorAndWritesNothing() {
        long systems = rows("systems");
        long events = rows("system_events");
        long codes = rows("registration_codes");
        long tokens = rows("admin_tokens");
        long cves = rows("cves");
        List<String> checked = new ArrayList<>();
        for (Route r : t.server.routes()) {
            if (r.access() == Access.PUBLIC) {
                continue;
            }
            String path = concrete(r.path());
            String method = r.method().name();
            String body = method.equals("GET") || method.equals("DELETE") ? null : "{}";
            List<String> refused = new ArrayList<>();
            refused.add(null);
            switch (r.access()) {
                case ADMIN -> {
                    refused.add("Bearer not-a-token");
                    refused.add("Bearer " + t.token + "x");
                    refused.add(a.basic());
                    refused.add("Token token=" + t.baseCode);
                }
                case SYSTEM -> {
                    refused.add("Basic " + java.util.Base64.getEncoder().encodeToString((a.login() + ":wrong").getBytes()));
                    refused.add("Basic " + java.util.Base64.getEncoder().encodeToString(("SCC_nobody:" + a.password()).getBytes()));
                    refused.add("Basic not-base64!");
                    refused.add("Bearer " + t.token);
                    refused.add("Token token=" + t.baseCode);
                }
                case REGISTRATION_CODE -> {
                    refused.add("Token token=KLP-NOT-A-CODE");
                    refused.add("Bearer " + t.token);
                    refused.add(a.basic());
                }
                default -> throw new AssertionError(r.access());
            }
            for (String auth : refused) {
                TestServer.Response resp = t.send(method, path, auth, body);
                assertThat(resp.status()).as(method + " " + path + " with " + auth).isEqualTo(401);
                assertThat(resp.body().path("type").asText()).isEqualTo("error");
                assertThat(resp.error()).as(method + " " + path).isNotBlank();
            }
            checked.add(method + " " + path);
        }
        assertThat(checked).hasSize(59);
        assertThat(rows("systems")).isEqualTo(systems);
        assertThat(rows("system_events")).isEqualTo(events);
        assertThat(rows("registration_codes")).isEqualTo(codes);
        assertThat(rows("admin_tokens")).isEqualTo(tokens);
        assertThat(rows("cves")).isEqualTo(cves);
    }

    @Test
    void aSystemSeesAndChangesOnlyItsOwnRecords() {
        assertThat(t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, 0)).status()).isEqualTo(200);
        TestServer.Response bEvents = t.send("GET", "/connect/systems/events", b.basic(), null);
        assertThat(bEvents.status()).isEqualTo(200);
        bEvents.body().forEach(e -> assertThat(e.get("systemId").asLong()).isEqualTo(b.id()));
        assertThat(bEvents.text()).doesNotContain("first check-in");

        TestServer.Response reply = t.send("POST", "/connect/systems/checkin", b.basic(), TestServer.posture(TestServer.KERNEL, 1));
        assertThat(reply.body().get("systemId").asLong()).isEqualTo(b.id());
        assertThat(t.admin("GET", "/api/v1/systems/" + a.id(), null, 200).body().at("/system/posture/loadedVersion").asInt()).isZero();

        TestServer.Response activations = t.send("GET", "/connect/systems/activations", b.basic(), null);
        activations.body().forEach(x -> assertThat(x.get("system_id").asLong()).isEqualTo(b.id()));

        // a system cannot reach the operators' view of another system, nor its own
        assertThat(t.send("GET", "/api/v1/systems/" + a.id(), b.basic(), null).status()).isEqualTo(401);
        assertThat(t.send("GET", "/api/v1/systems/" + b.id(), b.basic(), null).status()).isEqualTo(401);

        // deregistering b leaves a alone; b's credentials stop working at once
        TestServer.Announced c = t.announce("host-c");
        assertThat(t.send("DELETE", "/connect/systems", c.basic(), null).status()).isEqualTo(204);
        assertThat(t.send("GET", "/connect/systems/events", c.basic(), null).status()).isEqualTo(401);
        assertThat(t.send("GET", "/connect/systems/events", a.basic(), null).status()).isEqualTo(200);
        assertThat(t.send("POST", "/connect/systems/checkin", c.basic(), TestServer.posture(TestServer.KERNEL, 1)).status()).isEqualTo(401);
    }

    @Test
    void onlyTheApiDescriptionHealthRepositoriesTheDashboardsStaticFilesAndTheLifecyclePageArePublic() {
        // a new public route is a decision: the dashboard's files hold no data, its page reads the API with the admin token;
        // the lifecycle page says of the catalog what the public repositories' metadata says, and nothing of hosts;
        // SUSEConnect probes /connect/repositories/installer without credentials, and learns only what the public repositories show
        assertThat(t.server.routes().stream().filter(r -> r.access() == Access.PUBLIC).map(r -> r.method().name() + " " + r.path()))
                .containsExactlyInAnyOrder("GET /api/openapi.json", "GET /health", "GET /repo/<path>", "GET /", "GET /dashboard/",
                        "GET /dashboard/<path>", "GET /lifecycle", "GET /lifecycle.json", "GET /connect/repositories/installer");
        assertThat(t.send("GET", "/dashboard/", null, (String) null).text()).doesNotContain(t.token).doesNotContain("SCC_");
    }

    @Test
    void publicEndpointsNeedNoCredentialsAndRepositoryPathsStayInside() {
        assertThat(t.send("GET", "/health", null, (String) null).status()).isEqualTo(200);
        assertThat(t.send("GET", "/api/openapi.json", null, (String) null).body().path("openapi").asText()).startsWith("3.");
        assertThat(t.send("GET", "/repo/" + TestServer.LP + "/repodata/repomd.xml", null, (String) null).status()).isEqualTo(200);
        assertThat(t.send("GET", "/repo/../db/klp.mv.db", null, (String) null).status()).isEqualTo(404);
        assertThat(t.send("GET", "/repo/%2e%2e/db/klp.mv.db", null, (String) null).status()).isEqualTo(404);
        TestServer.Response missing = t.send("GET", "/no/such/thing", null, (String) null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.error()).contains("no such endpoint");
    }
}
