package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Stock SUSEConnect against a real klp server: each step of the seeds' activation path
 * ({@code SUSEConnect -r CODE}, {@code --list-extensions}, {@code -p sle-module-live-patching/15.5/x86_64 -r CODE},
 * {@code --keepalive}, {@code --status}, {@code -d -p}, {@code -d}) replayed as the client sends it
 * ({@link SuseConnect}), checking the answers it reads and what the server stored.
 */
class SuseConnectReplayTest {

    static final String SLES_SUMMARY = "SUSE Linux Enterprise Server 15 SP5 x86_64";
    static final String LP_SERVICE = "SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64";
    static final String BASE_SERVICE = "SUSE_Linux_Enterprise_Server_15_SP5_x86_64";
    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("suseconnect")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** A code for {@code product} and a way to read how many of its seats are taken. */
    record Code(String code, long id) {
        long used() {
            for (JsonNode c : t.admin("GET", "/api/v1/registration-codes", null, 200).body()) {
                if (c.get("id").asLong() == id) {
                    return c.get("used").asLong();
                }
            }
            throw new AssertionError("no code " + id);
        }
    }

    static Code code(String product, int seats) {
        JsonNode c = t.admin("POST", "/api/v1/registration-codes", "{\"product\":\"" + product + "\",\"maxSystems\":" + seats + "}", 201).body();
        return new Code(c.get("code").asText(), c.get("id").asLong());
    }

    static long activations(SuseConnect host) {
        return t.withDb(h -> h.createQuery("select count(*) from activations a join systems s on s.id = a.system_id where s.login = :l")
                .bind("l", host.login).mapTo(Long.class).one());
    }

    static String hostname(SuseConnect host) {
        return t.withDb(h -> h.createQuery("select hostname from systems where login = :l").bind("l", host.login).mapTo(String.class).one());
    }

    /** SUSEConnect -r CODE: announce, activate the base product with the code, show its tree. */
    static SuseConnect registered(String hostname, Code base) {
        SuseConnect host = new SuseConnect(t.url(), hostname);
        assertThat(host.announce(base.code()).status()).isEqualTo(201);
        assertThat(host.activate("SLES", "15.5", "x86_64", base.code()).status()).isEqualTo(201);
        return host;
    }

    @Test
    void registeringAnnouncesActivatesTheBaseProductWithItsCodeAndShowsItsExtensionTree() {
        Code base = code(TestServer.BASE, 1);
        SuseConnect host = new SuseConnect(t.url(), "sles-1");

        SuseConnect.Answer announced = host.announce(base.code());
        assertThat(announced.status()).isEqualTo(201);
        assertThat(announced.json().get("login").asText()).startsWith("SCC_");
        assertThat(announced.json().get("password").asText()).isNotBlank();
        assertThat(base.used()).as("announcing takes no seat; activating does").isZero();

        SuseConnect.Answer service = host.activate("SLES", "15.5", "x86_64", base.code());
        assertThat(service.status()).isEqualTo(201);
        JsonNode s = service.json();
        assertThat(s.get("name").asText()).isEqualTo(BASE_SERVICE);
        assertThat(s.get("url").asText()).isEqualTo(t.url() + "/services/" + s.get("id").asInt() + "?credentials=" + BASE_SERVICE);
        assertThat(s.get("obsoleted_service_name").asText()).isEmpty();
        assertThat(s.at("/product/identifier").asText()).isEqualTo("SLES");
        assertThat(s.at("/product/product_type").asText()).isEqualTo("base");
        assertThat(base.used()).isEqualTo(1);

        SuseConnect.Answer tree = host.show("SLES", "15.5", "x86_64");
        assertThat(tree.status()).isEqualTo(200);
        JsonNode lp = tree.json().at("/extensions/0");
        assertThat(lp.get("identifier").asText()).isEqualTo("sle-module-live-patching");
        assertThat(lp.get("friendly_name").asText()).isEqualTo("SUSE Linux Enterprise Live Patching 15 SP5 x86_64");
        assertThat(lp.get("free").asBoolean()).as("SUSEConnect then asks for -r ADDITIONAL REGCODE").isFalse();
        assertThat(lp.get("available").asBoolean()).isTrue();
        assertThat(lp.get("recommended").asBoolean()).as("SUSEConnect would activate a recommended extension by itself").isFalse();
        assertThat(hostname(host)).isEqualTo("sles-1");
    }

    @Test
    void newerSuseConnectsSendTheProductQueryAsAJsonBodyOfTheGet() {
        SuseConnect host = registered("sles-2b", code(TestServer.BASE, 1));
        SuseConnect.Answer tree = host.showWithBody("SLES", "15.5", "x86_64");
        assertThat(tree.status()).as(tree.text()).isEqualTo(200);
        assertThat(tree.json().at("/extensions/0/identifier").asText()).isEqualTo("sle-module-live-patching");
        assertThat(host.showWithBody("SLES", "12.5", "x86_64").error()).startsWith("No product found");
    }

    @Test
    void listingExtensionsReadsTheActivationsAndTheBaseProductsTree() {
        SuseConnect host = registered("sles-2", code(TestServer.BASE, 1));
        SuseConnect.Answer activations = host.activations();
        assertThat(activations.status()).isEqualTo(200);
        assertThat(activations.json()).hasSize(1);
        JsonNode a = activations.json().get(0);
        assertThat(a.at("/service/product/identifier").asText() + "/" + a.at("/service/product/version").asText() + "/"
                + a.at("/service/product/arch").asText()).isEqualTo(TestServer.BASE);
        assertThat(a.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(a.get("starts_at").asText()).isEqualTo("2025-06-01T10:00:00Z");
        assertThat(a.get("regcode").isNull()).as("codes are stored hashed: never sent back").isTrue();
        assertThat(host.show("SLES", "15.5", "x86_64").json().at("/extensions/0/activated").asBoolean()).isFalse();
    }

    @Test
    void activatingLivePatchingWithItsCodeGivesItsServiceWhoseIndexZypperReadsWithTheSystemsCredentials() {
        SuseConnect host = registered("sles-3", code(TestServer.BASE, 1));
        Code lp = code(TestServer.LP, 1);
        assertThat(host.update().status()).as("every registration run starts with an update").isEqualTo(204);

        SuseConnect.Answer service = host.activate("sle-module-live-patching", "15.5", "x86_64", lp.code());
        assertThat(service.status()).isEqualTo(201);
        assertThat(service.json().get("name").asText()).isEqualTo(LP_SERVICE);
        assertThat(lp.used()).isEqualTo(1);
        assertThat(activations(host)).isEqualTo(2);

        String url = service.json().get("url").asText();
        SuseConnect.Answer challenge = host.serviceIndex(url, false);
        assertThat(challenge.status()).isEqualTo(401);
        assertThat(challenge.header("WWW-Authenticate")).isEqualTo("Basic realm=\"klp\"");
        SuseConnect.Answer index = host.serviceIndex(url, true);
        assertThat(index.status()).isEqualTo(200);
        assertThat(index.header("Content-Type")).startsWith("application/xml");
        assertThat(index.text()).contains("<repoindex ttl=\"86400\">")
                .contains("<repo url=\"" + t.url() + "/repo/" + TestServer.LP + "/\" alias=\"sle-module-live-patching-15.5-x86_64-Updates\""
                        + " name=\"sle-module-live-patching-15.5-x86_64-Updates\" autorefresh=\"true\" enabled=\"true\"/>");

        // SUSEConnect runs again with the same code: the same seat, no second one
        assertThat(host.activate("sle-module-live-patching", "15.5", "x86_64", lp.code()).status()).isEqualTo(201);
        assertThat(lp.used()).isEqualTo(1);
        assertThat(host.show("SLES", "15.5", "x86_64").json().at("/extensions/0/activated").asBoolean()).isTrue();
    }

    @Test
    void keepaliveUpdatesTheSystemsHostnameAndLastSeen() {
        SuseConnect host = registered("sles-4", code(TestServer.BASE, 1));
        t.clock.advance(Duration.ofMinutes(5));
        SuseConnect renamed = new SuseConnect(t.url(), "sles-4-renamed").as(host.login, host.password);
        assertThat(renamed.update().status()).isEqualTo(204);
        assertThat(hostname(host)).isEqualTo("sles-4-renamed");
        java.time.OffsetDateTime seen = t.withDb(h -> h.createQuery("select last_seen from systems where login = :l").bind("l", host.login)
                .mapTo(java.time.OffsetDateTime.class).one());
        assertThat(seen.toInstant()).isEqualTo(t.clock.instant());
    }

    @Test
    void deactivatingLivePatchingFreesItsCodesSeatAndItsServiceGoes() {
        SuseConnect host = registered("sles-5", code(TestServer.BASE, 1));
        Code lp = code(TestServer.LP, 1);
        String url = host.activate("sle-module-live-patching", "15.5", "x86_64", lp.code()).json().get("url").asText();

        SuseConnect.Answer off = host.deactivate("sle-module-live-patching", "15.5", "x86_64");
        assertThat(off.status()).isEqualTo(200);
        assertThat(off.json().get("name").asText()).as("the service SUSEConnect removes").isEqualTo(LP_SERVICE);
        assertThat(lp.used()).isZero();
        assertThat(activations(host)).isEqualTo(1);
        assertThat(host.serviceIndex(url, true).status()).isEqualTo(404);

        // the freed seat takes another host
        SuseConnect other = registered("sles-5b", code(TestServer.BASE, 1));
        assertThat(other.activate("sle-module-live-patching", "15.5", "x86_64", lp.code()).status()).isEqualTo(201);
    }

    @Test
    void deregisteringUpgradesTheBaseToItselfThenDeletesTheSystemFreeingEverySeat() {
        Code base = code(TestServer.BASE, 1);
        SuseConnect host = registered("sles-6", base);
        Code lp = code(TestServer.LP, 1);
        String lpUrl = host.activate("sle-module-live-patching", "15.5", "x86_64", lp.code()).json().get("url").asText();

        SuseConnect.Answer itself = host.upgradeBase("SLES", "15.5", "x86_64", SLES_SUMMARY);
        assertThat(itself.status()).isEqualTo(201);
        assertThat(itself.json().get("name").asText()).isEqualTo(BASE_SERVICE);
        assertThat(itself.json().get("obsoleted_service_name").asText()).isEqualTo(BASE_SERVICE);
        assertThat(host.show("SLES", "15.5", "x86_64").status()).isEqualTo(200);
        assertThat(host.deactivate("sle-module-live-patching", "15.5", "x86_64").status()).isEqualTo(200);

        assertThat(host.deregister().status()).isEqualTo(204);
        assertThat(base.used()).isZero();
        assertThat(lp.used()).isZero();
        long left = t.withDb(h -> h.createQuery("select count(*) from systems where login = :l").bind("l", host.login).mapTo(Long.class).one());
        assertThat(left).isZero();
        assertThat(host.activations().status()).isEqualTo(401);
        assertThat(host.serviceIndex(lpUrl, true).status()).isEqualTo(401);
    }

    @Test
    void errorsComeInSccsShapeAndAnUpToDateProxyAnswersTheInstallerProbeWith422() {
        SuseConnect host = registered("sles-7", code(TestServer.BASE, 1));
        SuseConnect.Answer missing = host.activate("sle-module-live-patching", "15.5", "x86_64", null);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().get("type").asText()).isEqualTo("error");
        assertThat(missing.error()).contains("needs a registration code").contains("SUSEConnect -p sle-module-live-patching/15.5/x86_64 -r CODE");
        assertThat(missing.localizedError()).isEqualTo(missing.error());
        // after an error other than 401 SUSEConnect asks this without credentials: 422 means "current proxy, print the error"
        SuseConnect.Answer probe = host.installerProbe();
        assertThat(probe.status()).isEqualTo(422);
        assertThat(probe.error()).isEqualTo("Required parameters are missing or empty: identifier, version, arch");
    }
}
