package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The public lifecycle page and its JSON: no login, catalog facts only, one kernel by uname -r. */
class LifecyclePageTest {

    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("lifecycle")).withCatalog();
        TestServer.Announced a = t.announce("secret-db-host");
        t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, 2));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static TestServer.Response anonymous(String path) {
        return t.send("GET", path, null, (String) null);
    }

    @Test
    void everyMaintainedKernelWithItsLivePatchesFixesAndEndOfSupportIsPublic() {
        TestServer.Response r = anonymous("/lifecycle.json");
        assertThat(r.status()).isEqualTo(200);
        JsonNode k = r.body().at("/kernels/0");
        assertThat(r.body().path("kernels")).hasSize(1);
        assertThat(k.path("kernel").asText()).isEqualTo(TestServer.KERNEL);
        assertThat(k.path("product").asText()).isEqualTo(TestServer.LP);
        assertThat(k.path("released").asText()).isEqualTo("2025-02-01");
        assertThat(k.path("endOfSupport").asText()).isEqualTo("2026-02-01");
        assertThat(k.path("support").asText()).isEqualTo("current");
        assertThat(k.at("/livePatches/1/fixesAdded/0/id").asText()).isEqualTo("CVE-2024-1086");
        assertThat(r.text()).as("nothing of hosts").doesNotContain("secret-db-host");
    }

    @Test
    void oneKernelIsAnsweredByWhatUnameOrKlpUnamePrints() {
        assertThat(anonymous("/lifecycle.json?uname=" + TestServer.KERNEL + "%2Blp2").body().path("kernels")).hasSize(1);
        TestServer.Response unknown = anonymous("/lifecycle.json?uname=5.14.21-150500.55.12-default");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.error()).contains("5.14.21-150500.55.12-default is not a kernel release the catalog maintains")
                .contains("maintained releases of its stream: " + TestServer.KERNEL);
        assertThat(anonymous("/lifecycle.json?uname=%3Cscript%3E").status()).isEqualTo(400);
    }

    @Test
    void aPublicationIsOnThePageAtOnce() {
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        assertThat(anonymous("/lifecycle.json").body().at("/kernels/0/livePatches")).hasSize(3);
    }

    @Test
    void thePageIsStaticAndNeedsNoLogin() {
        TestServer.Response page = anonymous("/lifecycle");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.text()).contains("Maintained kernels, live patches and lifecycle").contains("/dashboard/js/public/lifecycle.js")
                .doesNotContain(TestServer.KERNEL);
        assertThat(anonymous("/dashboard/js/public/lifecycle.js").status()).isEqualTo(200);
    }
}
