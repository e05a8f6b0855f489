package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input on SCC's routes: credentials, another system's products, products the catalog lacks,
 * the base product, replays, fields too long or of the wrong type; and the version moves the
 * catalog really has (upgrade, migrations, synchronize). Each refusal is SCC's error, and nothing is written.
 */
class ConnectBadInputTest {

    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("connect-bad-input")).withCatalog();
        t.admin("POST", "/api/v1/products", "{\"identifier\":\"SLES\",\"version\":\"15.6\",\"arch\":\"x86_64\",\"name\":\"SUSE Linux Enterprise Server 15 SP6 x86_64\"}", 201);
        t.admin("POST", "/api/v1/products", "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.6\",\"arch\":\"x86_64\","
                + "\"name\":\"SUSE Linux Enterprise Live Patching 15 SP6 x86_64\",\"base\":\"SLES/15.6/x86_64\"}", 201);
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static SuseConnect withLivePatching(String hostname) {
        SuseConnect host = new SuseConnect(t.url(), hostname);
        assertThat(host.announce(t.baseCode).status()).isEqualTo(201);
        assertThat(host.activate("SLES", "15.5", "x86_64", t.baseCode).status()).isEqualTo(201);
        assertThat(host.activate("sle-module-live-patching", "15.5", "x86_64", t.lpCode).status()).isEqualTo(201);
        return host;
    }

    static long activations(SuseConnect host) {
        return t.withDb(h -> h.createQuery("select count(*) from activations a join systems s on s.id = a.system_id where s.login = :l")
                .bind("l", host.login).mapTo(Long.class).one());
    }

    static String triplets(JsonNode path) {
        StringBuilder s = new StringBuilder();
        path.forEach(p -> s.append(s.length() == 0 ? "" : " + ").append(p.get("identifier").asText()).append('/').append(p.get("version").asText()));
        return s.toString();
    }

    @Test
    void wrongCredentialsAreRefusedWithSccsErrorAndABasicChallenge() {
        SuseConnect host = withLivePatching("bad-1");
        SuseConnect wrong = host.as(host.login, "not-the-password");
        SuseConnect.Answer a = wrong.activations();
        assertThat(a.status()).isEqualTo(401);
        assertThat(a.localizedError()).contains("wrong password");
        assertThat(a.header("WWW-Authenticate")).isEqualTo("Basic realm=\"klp\"");
        assertThat(wrong.deactivate("sle-module-live-patching", "15.5", "x86_64").status()).isEqualTo(401);
        assertThat(activations(host)).isEqualTo(2);
        assertThat(new SuseConnect(t.url(), "x").announce("KLP-NOT-A-CODE").status()).isEqualTo(401);
    }

    @Test
    void aSystemReachesNeitherAnotherSystemsProductNorItsService() {
        SuseConnect owner = withLivePatching("bad-2");
        SuseConnect.Answer service = owner.activate("sle-module-live-patching", "15.5", "x86_64", t.lpCode);
        SuseConnect stranger = new SuseConnect(t.url(), "bad-2b");
        stranger.announce(t.baseCode);
        stranger.activate("SLES", "15.5", "x86_64", t.baseCode);

        SuseConnect.Answer show = stranger.show("sle-module-live-patching", "15.5", "x86_64");
        assertThat(show.status()).isEqualTo(422);
        assertThat(show.error()).contains("is not activated on this system");
        assertThat(stranger.serviceIndex(service.json().get("url").asText(), true).status()).isEqualTo(404);
        SuseConnect.Answer off = stranger.deactivate("sle-module-live-patching", "15.5", "x86_64");
        assertThat(off.status()).isEqualTo(422);
        assertThat(off.error()).contains("is not yet activated on the system");
        assertThat(activations(owner)).isEqualTo(2);
    }

    @Test
    void aProductTheCatalogLacksIsNoProduct() {
        SuseConnect host = withLivePatching("bad-3");
        for (SuseConnect.Answer a : java.util.List.of(host.activate("sle-module-foo", "15.5", "x86_64", null),
                host.show("SLES", "12.5", "x86_64"), host.deactivate("sle-module-live-patching", "15.5", "aarch64"),
                host.upgradeBase("SLES", "16.0", "x86_64", "SLES 16"))) {
            assertThat(a.status()).isEqualTo(422);
            assertThat(a.error()).startsWith("No product found");
        }
        assertThat(activations(host)).isEqualTo(2);
    }

    @Test
    void theBaseProductCannotBeDeactivatedNorAnExtensionOthersDependOn() {
        SuseConnect host = withLivePatching("bad-4");
        SuseConnect.Answer base = host.send("DELETE", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"isbase\":true}");
        assertThat(base.status()).isEqualTo(422);
        assertThat(base.error()).contains("is a base product and cannot be deactivated");
        assertThat(activations(host)).isEqualTo(2);
    }

    @Test
    void repliesToRepeatedCallsChangeNothingTwice() {
        SuseConnect host = withLivePatching("bad-5");
        assertThat(host.deactivate("sle-module-live-patching", "15.5", "x86_64").status()).isEqualTo(200);
        SuseConnect.Answer again = host.deactivate("sle-module-live-patching", "15.5", "x86_64");
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.error()).isEqualTo("SUSE Linux Enterprise Live Patching 15 SP5 x86_64 is not yet activated on the system.");
        assertThat(host.deregister().status()).isEqualTo(204);
        assertThat(host.deregister().status()).isEqualTo(401);
        assertThat(host.update().status()).isEqualTo(401);
    }

    @Test
    void unknownFieldsAreIgnoredButFieldsUsedAreCheckedAndNothingIsWritten() {
        SuseConnect host = withLivePatching("bad-6");
        long before = activations(host);
        SuseConnect.Answer extra = host.send("POST", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"token\":\"" + t.baseCode + "\",\"instance_data\":\"<x/>\","
                        + "\"hwinfo\":{\"cpus\":4},\"future_field\":[1,2]}");
        assertThat(extra.status()).isEqualTo(201);
        SuseConnect.Answer tooLong = host.send("POST", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"" + "x".repeat(101) + "\",\"version\":\"15.5\",\"arch\":\"x86_64\"}");
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.error()).isEqualTo("identifier is longer than 100 characters");
        SuseConnect.Answer control = host.send("POST", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"SLES\\n\",\"version\":\"15.5\",\"arch\":\"x86\\u0000\"}");
        assertThat(control.status()).isEqualTo(400);
        assertThat(control.error()).contains("control characters");
        SuseConnect.Answer type = host.send("POST", "/connect/systems/products", host.basic(), "{\"identifier\":[\"SLES\"],\"version\":15.5}");
        assertThat(type.status()).isEqualTo(400);
        assertThat(type.error()).contains("identifier");
        SuseConnect.Answer hostname = host.send("PUT", "/connect/systems", host.basic(), "{\"hostname\":\"" + "h".repeat(256) + "\"}");
        assertThat(hostname.status()).isEqualTo(400);
        SuseConnect.Answer many = host.send("POST", "/connect/systems/products/synchronize", host.basic(),
                "{\"products\":[" + "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\"},".repeat(100)
                        + "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\"}]}");
        assertThat(many.status()).isEqualTo(400);
        assertThat(many.error()).contains("more than 100 products");
        assertThat(activations(host)).isEqualTo(before);
    }

    @Test
    void migrationsAreTheNewerVersionsTheCatalogHasForTheInstalledProductsTogether() {
        SuseConnect host = withLivePatching("mig-1");
        String installed = "{\"installed_products\":[{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"isbase\":true},"
                + "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"isbase\":false}]}";
        SuseConnect.Answer online = host.send("POST", "/connect/systems/products/migrations", host.basic(), installed);
        assertThat(online.status()).isEqualTo(200);
        assertThat(online.json()).hasSize(1);
        assertThat(triplets(online.json().get(0))).isEqualTo("SLES/15.6 + sle-module-live-patching/15.6");
        assertThat(online.json().at("/0/0/base").asBoolean()).isTrue();

        SuseConnect.Answer offline = host.send("POST", "/connect/systems/products/offline_migrations", host.basic(),
                installed.replace("]}", "],\"target_base_product\":{\"identifier\":\"SLES\",\"version\":\"15.6\",\"arch\":\"x86_64\"}}"));
        assertThat(offline.status()).isEqualTo(200);
        assertThat(triplets(offline.json().get(0))).isEqualTo("SLES/15.6 + sle-module-live-patching/15.6");

        SuseConnect.Answer none = host.send("POST", "/connect/systems/products/migrations", host.basic(),
                installed.replace("15.5", "15.6").replace("{\"identifier\":\"SLES\",\"version\":\"15.6\"", "{\"identifier\":\"SLES\",\"version\":\"15.5\""));
        assertThat(none.status()).as(none.text()).isEqualTo(422);
        assertThat(none.error()).contains("are not activated on the system");

        SuseConnect.Answer stranger = host.send("POST", "/connect/systems/products/migrations", host.basic(), "{\"installed_products\":[]}");
        assertThat(stranger.status()).isEqualTo(422);
        assertThat(stranger.error()).isEqualTo("No base product found.");
    }

    @Test
    void upgradingMovesTheActivationToTheNewVersionKeepingItsCodeAndThenNothingIsNewer() {
        SuseConnect host = withLivePatching("mig-2");
        SuseConnect.Answer extensionFirst = host.send("PUT", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.6\",\"arch\":\"x86_64\"}");
        assertThat(extensionFirst.status()).isEqualTo(422);
        assertThat(extensionFirst.error()).contains("requires one of these products to be activated first: SUSE Linux Enterprise Server 15 SP6 x86_64");

        SuseConnect.Answer base = host.upgradeBase("SLES", "15.6", "x86_64", "SUSE Linux Enterprise Server 15 SP6 x86_64");
        assertThat(base.status()).isEqualTo(201);
        assertThat(base.json().get("obsoleted_service_name").asText()).isEqualTo("SUSE_Linux_Enterprise_Server_15_SP5_x86_64");
        assertThat(base.json().get("name").asText()).isEqualTo("SUSE_Linux_Enterprise_Server_15_SP6_x86_64");
        SuseConnect.Answer lp = host.send("PUT", "/connect/systems/products", host.basic(),
                "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.6\",\"arch\":\"x86_64\"}");
        assertThat(lp.status()).isEqualTo(201);
        assertThat(activations(host)).isEqualTo(2);
        assertThat(host.show("SLES", "15.6", "x86_64").json().at("/extensions/0/activated").asBoolean()).isTrue();
        SuseConnect.Answer paths = host.send("POST", "/connect/systems/products/migrations", host.basic(),
                "{\"installed_products\":[{\"identifier\":\"SLES\",\"version\":\"15.6\",\"arch\":\"x86_64\"},"
                        + "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.6\",\"arch\":\"x86_64\"}]}");
        assertThat(paths.status()).isEqualTo(200);
        assertThat(paths.json()).as("the catalog has nothing newer: an empty list").isEmpty();
    }

    @Test
    void synchronizeKeepsTheListedProductsOnlyAndFreesTheOthersSeats() {
        SuseConnect host = withLivePatching("sync-1");
        SuseConnect.Answer kept = host.send("POST", "/connect/systems/products/synchronize", host.basic(),
                "{\"products\":[{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\"},{\"identifier\":\"other\",\"version\":\"1\",\"arch\":\"x86_64\"}]}");
        assertThat(kept.status()).isEqualTo(200);
        assertThat(kept.json()).hasSize(1);
        assertThat(kept.json().at("/0/identifier").asText()).isEqualTo("SLES");
        assertThat(activations(host)).isEqualTo(1);
    }
}
