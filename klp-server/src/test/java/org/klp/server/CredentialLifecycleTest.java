package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Admin tokens are listed without their secrets, expire when asked, and stop working the moment
 * they are revoked; registration codes are revoked, and one already expired is refused at creation.
 */
class CredentialLifecycleTest {

    static TestServer t;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("credentials")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    static String newToken(String body) {
        return t.admin("POST", "/api/v1/admin-tokens", body, 201).body().get("token").asText();
    }

    static long idOf(String label) {
        for (JsonNode n : t.admin("GET", "/api/v1/admin-tokens", null, 200).body()) {
            if (n.get("label").asText().equals(label)) {
                return n.get("id").asLong();
            }
        }
        throw new AssertionError("no token " + label);
    }

    @Test
    void tokensAreListedWithTheirStateAndNeverTheirSecret() {
        String secret = newToken("{\"label\":\"listed\"}");
        TestServer.Response list = t.admin("GET", "/api/v1/admin-tokens", null, 200);
        assertThat(list.text()).doesNotContain(secret).doesNotContain(t.token).contains("\"label\":\"listed\"", "\"state\":\"active\"");
        assertThat(list.body().findValuesAsText("label")).contains("test", "listed");
        long yours = 0;
        for (JsonNode n : list.body()) {
            if (n.get("yours").asBoolean()) {
                yours++;
                assertThat(n.get("label").asText()).isEqualTo("test");
            }
        }
        assertThat(yours).isEqualTo(1);
    }

    @Test
    void aRevokedTokenIsRefusedAtOnce() {
        String secret = newToken("{\"label\":\"to-revoke\"}");
        assertThat(t.send("GET", "/api/v1/summary", "Bearer " + secret, (String) null).status()).isEqualTo(200);
        t.admin("DELETE", "/api/v1/admin-tokens/" + idOf("to-revoke"), null, 204);
        TestServer.Response after = t.send("GET", "/api/v1/summary", "Bearer " + secret, (String) null);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.error()).contains("revoked");
        assertThat(t.admin("GET", "/api/v1/admin-tokens", null, 200).text()).contains("\"state\":\"revoked\"");
        // revoking twice changes nothing
        t.admin("DELETE", "/api/v1/admin-tokens/" + idOf("to-revoke"), null, 204);
        t.admin("DELETE", "/api/v1/admin-tokens/999999", null, 404);
    }

    @Test
    void aTokenWithAnExpiryWorksUntilThenAndOneAlreadyExpiredIsNotMade() {
        String secret = newToken("{\"label\":\"expiring\",\"expiresAt\":\"" + t.clock.instant().plus(Duration.ofHours(1)) + "\"}");
        assertThat(t.send("GET", "/api/v1/summary", "Bearer " + secret, (String) null).status()).isEqualTo(200);
        t.clock.advance(Duration.ofHours(2));
        try {
            assertThat(t.send("GET", "/api/v1/summary", "Bearer " + secret, (String) null).status()).isEqualTo(401);
            assertThat(t.admin("GET", "/api/v1/admin-tokens", null, 200).text()).contains("\"state\":\"expired\"");
        } finally {
            t.clock.advance(Duration.ofHours(-2));
        }
        TestServer.Response past = t.send("POST", "/api/v1/admin-tokens", "Bearer " + t.token, "{\"expiresAt\":\"2020-01-01T00:00:00Z\"}");
        assertThat(past.status()).isEqualTo(400);
        assertThat(past.error()).contains("expiresAt", "not in the future");
    }

    @Test
    void theLastWorkingTokenCannotBeRevoked() {
        try (TestServer alone = TestServer.h2(TestServer.tempDir("credentials-alone"))) {
            long id = alone.admin("GET", "/api/v1/admin-tokens", null, 200).body().get(0).get("id").asLong();
            TestServer.Response r = alone.send("DELETE", "/api/v1/admin-tokens/" + id, "Bearer " + alone.token, (String) null);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.error()).contains("last one that works", "create another first");
            assertThat(alone.send("GET", "/api/v1/summary", "Bearer " + alone.token, (String) null).status()).isEqualTo(200);
        }
    }

    @Test
    void aRevokedRegistrationCodeRegistersNothingAndIsRefusedBeforeTheBodyIsRead() {
        String code = t.code(TestServer.BASE, 10, null, null);
        long id = 0;
        for (JsonNode n : t.admin("GET", "/api/v1/registration-codes", null, 200).body()) {
            id = Math.max(id, n.get("id").asLong());
        }
        assertThat(t.send("POST", "/connect/subscriptions/systems", "Token token=" + code, "{\"hostname\":\"before\"}").status()).isEqualTo(201);
        t.admin("DELETE", "/api/v1/registration-codes/" + id, null, 204);
        // the body is not even JSON: the code is refused first
        TestServer.Response r = t.send("POST", "/connect/subscriptions/systems", "Token token=" + code, "not json at all");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).contains("revoked");
        assertThat(t.admin("GET", "/api/v1/registration-codes", null, 200).text()).contains("\"revokedAt\":\"");
        t.admin("DELETE", "/api/v1/registration-codes/999999", null, 404);
    }

    @Test
    void aCodeAlreadyExpiredIsRefusedAtCreation() {
        TestServer.Response r = t.send("POST", "/api/v1/registration-codes", "Bearer " + t.token, "{\"product\":\"" + TestServer.BASE
                + "\",\"expiresAt\":\"" + t.clock.instant().minusSeconds(1) + "\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).contains("expiresAt", "not in the future");
    }

    @Test
    void anUnknownCodeIsRefusedBeforeTheBodyIsRead() {
        TestServer.Response r = t.send("POST", "/connect/subscriptions/systems", "Token token=KLP-NOPE-NOPE", "not json at all");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error()).contains("Unknown Registration Code");
    }
}
