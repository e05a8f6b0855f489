package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad request bodies and parameters get a 400 with a message that names the problem, and nothing is written. */
class ValidationTest {

    static TestServer t;
    static TestServer.Announced a;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("validation")).withCatalog();
        a = t.announce("host-a");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static long count(String sql) {
        return t.withDb(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static void refused(String method, String path, String auth, String body, String messagePart) {
        long checkins = count("select coalesce(sum(checkins), 0) from systems");
        long events = count("select count(*) from system_events");
        long codes = count("select count(*) from registration_codes");
        long groups = count("select count(*) from groups");
        long kernels = count("select count(*) from kernels");
        TestServer.Response r = t.send(method, path, auth, body);
        assertThat(r.status()).as(method + " " + path + " " + body).isEqualTo(400);
        assertThat(r.body().path("type").asText()).isEqualTo("error");
        assertThat(r.error()).as(body).contains(messagePart);
        assertThat(count("select coalesce(sum(checkins), 0) from systems")).isEqualTo(checkins);
        assertThat(count("select count(*) from system_events")).isEqualTo(events);
        assertThat(count("select count(*) from registration_codes")).isEqualTo(codes);
        assertThat(count("select count(*) from groups")).isEqualTo(groups);
        assertThat(count("select count(*) from kernels")).isEqualTo(kernels);
    }

    @Test
    void checkinsWithUnknownFieldsWrongTypesMalformedKernelsOrHugeBodiesAreRefused() {
        String good = TestServer.posture(TestServer.KERNEL, 1);
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"agent\"", "\"agnet\""), "unknown field \"agnet\"");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"blockers\":0", "\"blockers\":\"0\""), "blockers");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"forced\":false", "\"forced\":\"no\""), "forced");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"loadedVersion\":1", "\"loadedVersion\":1.5"), "loadedVersion");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace(TestServer.KERNEL, "5.14.21_oops"), "Not a kernel release");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"transition\":\"ready\"", "\"transition\":\"done\""), "transition state");
        refused("POST", "/connect/systems/checkin", a.basic(), good.replace("\"taint\":0", "\"taint\":-1"), "must not be negative");
        refused("POST", "/connect/systems/checkin", a.basic(), "{\"posture\":", "malformed JSON");
        refused("POST", "/connect/systems/checkin", a.basic(), "[]", "");
        refused("POST", "/connect/systems/checkin", a.basic(), "", "needs a JSON body");
        refused("POST", "/connect/systems/checkin", a.basic(), good + " {}", "");
        refused("POST", "/connect/systems/checkin", a.basic(), "{\"agent\":\"x\"}", "posture");
        String huge = good.replace("\"agent\":\"test\"", "\"agent\":\"" + "x".repeat(70_000) + "\"");
        refused("POST", "/connect/systems/checkin", a.basic(), huge, "too large");
        String lastApply = good.replace("\"lastApply\":null", "\"lastApply\":{\"operation\":\"update\",\"targetVersion\":2,\"result\":\"exploded\",\"message\":\"\",\"at\":\"2025-06-01T10:00:00Z\"}");
        refused("POST", "/connect/systems/checkin", a.basic(), lastApply, "Not an apply result");
        assertThat(t.send("POST", "/connect/systems/checkin", a.basic(), good).status()).isEqualTo(200);
    }

    @Test
    void operatorRequestsAreValidatedBeforeAnythingIsWritten() {
        refused("POST", "/api/v1/registration-codes", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"maxSystems\":\"ten\"}", "maxSystems");
        refused("POST", "/api/v1/registration-codes", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"maxSystems\":0}", "maxSystems");
        refused("POST", "/api/v1/registration-codes", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"expiresAt\":\"tomorrow\"}", "expiresAt");
        refused("POST", "/api/v1/registration-codes", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"colour\":\"red\"}", "unknown field");
        refused("PUT", "/api/v1/groups/web", "Bearer " + t.token, "{\"policy\":\"yolo\"}", "Not a policy");
        refused("PUT", "/api/v1/groups/web", "Bearer " + t.token, "{\"policy\":\"staged\"}", "canaryGroup");
        refused("PUT", "/api/v1/groups/Bad%20Name", "Bearer " + t.token, "{\"policy\":\"latest\"}", "Not a group name");
        refused("PUT", "/api/v1/groups/web", "Bearer " + t.token, "{\"policy\":\"latest\",\"soakSeconds\":\"1h\"}", "soakSeconds");
        refused("POST", "/api/v1/kernels", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"release\":\"5.14.21\",\"released\":\"2025-01-01\"}",
                "Not a kernel release");
        refused("POST", "/api/v1/kernels", "Bearer " + t.token, "{\"product\":\"" + TestServer.LP + "\",\"release\":\"5.14.21-1-default\",\"released\":\"01/02/2025\"}",
                "released must be a date");
        refused("PUT", "/api/v1/groups/web/pins/not-a-kernel", "Bearer " + t.token, "{\"version\":1}", "Not a kernel release");
        refused("PUT", "/api/v1/pins/" + TestServer.KERNEL, "Bearer " + t.token, "{\"version\":9}", "no live patch version 9");
        refused("PUT", "/api/v1/pins/" + TestServer.KERNEL, "Bearer " + t.token, "{\"version\":1,\"back\":1}", "either version");
        refused("GET", "/api/v1/systems?state=sleepy", "Bearer " + t.token, null, "state must be one of");
        refused("GET", "/api/v1/systems?limit=-5", "Bearer " + t.token, null, "limit");
        refused("GET", "/api/v1/systems?kernel=oops", "Bearer " + t.token, null, "Not a kernel release");
        refused("GET", "/api/v1/systems/abc", "Bearer " + t.token, null, "positive number");
        refused("POST", "/api/v1/kernels/" + TestServer.KERNEL + "/live-patches", "Bearer " + t.token, "{\"module\":\"%%%\"}", "base64");
        refused("POST", "/api/v1/kernels/" + TestServer.KERNEL + "/live-patches", "Bearer " + t.token,
                "{\"module\":\"eA==\",\"fixes\":[{\"id\":\"CVE-oops\"}]}", "Not a fix id");
        refused("POST", "/connect/subscriptions/systems", "Token token=" + t.baseCode, "{\"hostname\":\"" + "h".repeat(256) + "\",\"hw\":1}",
                "hostname is longer than 255 characters");
        refused("POST", "/connect/subscriptions/systems", "Token token=" + t.baseCode, "{\"hostname\":5}", "hostname");
        refused("POST", "/connect/subscriptions/systems", "Token token=" + t.baseCode, "{\"hostname\":\"h\\u0000x\"}", "hostname");
        refused("POST", "/api/v1/kernels/" + TestServer.KERNEL + "/live-patches", "Bearer " + t.token,
                "{\"module\":\"eA==\",\"fixes\":[{\"id\":\"CVE-2024-9999\",\"cvss\":7.0,\"summary\":\"a\\u0000b\"}]}", "fixes[0].summary");
        refused("POST", "/api/v1/products", "Bearer " + t.token, "{\"identifier\":\"X\",\"version\":\"1\",\"arch\":\"x86_64\",\"name\":\"a\\u001bb\"}",
                "name");
    }

    @Test
    void everyNumberHasARangeAndAnOverflowingOneIsRefusedNotWrapped() {
        String admin = "Bearer " + t.token;
        refused("PUT", "/api/v1/groups/web", admin, "{\"policy\":\"latest\",\"transitionTimeoutSeconds\":9223372036854775807}", "transitionTimeoutSeconds");
        refused("PUT", "/api/v1/groups/web", admin, "{\"policy\":\"latest\",\"transitionTimeoutSeconds\":0}", "transitionTimeoutSeconds");
        refused("PUT", "/api/v1/groups/web", admin, "{\"policy\":\"latest\",\"soakSeconds\":-1}", "soakSeconds");
        refused("PUT", "/api/v1/groups/web", admin, "{\"policy\":\"latest\",\"soakSeconds\":31536000000}", "soakSeconds");
        refused("PUT", "/api/v1/pins/" + TestServer.KERNEL, admin, "{\"back\":-1}", "back");
        refused("PUT", "/api/v1/pins/" + TestServer.KERNEL, admin, "{\"version\":4294967299}", "version");
        refused("POST", "/api/v1/rollouts/web/" + TestServer.KERNEL + "/4294967299/halt", admin, null, "version");
        refused("POST", "/api/v1/rollouts/web/" + TestServer.KERNEL + "/4294967299/promote", admin, null, "version");
        refused("GET", "/api/v1/systems/99999999999999999999", admin, null, "positive number");
        refused("GET", "/api/v1/systems?offset=99999999999", admin, null, "offset");
        refused("POST", "/api/v1/registration-codes", admin, "{\"product\":\"" + TestServer.LP + "\",\"maxSystems\":10000001}", "maxSystems");
        refused("POST", "/api/v1/kernels", admin, "{\"product\":\"" + TestServer.LP + "\",\"release\":\"5.14.21-1-default\",\"released\":\"+12025-01-01\"}",
                "released");
    }

    @Test
    void identifiersThatBecomeFoldersAreRefusedAndNothingIsWrittenOutsideTheDataFolder() throws Exception {
        String admin = "Bearer " + t.token;
        java.nio.file.Path outside = t.dir.getParent();
        long before;
        try (var files = java.nio.file.Files.list(outside)) {
            before = files.count();
        }
        for (String[] ids : new String[][] {{"..", "..", "x86_64"}, {".", "15.5", "x86_64"}, {"SLES", "..", ".."}, {"a/b", "1", "x86_64"},
                {".hidden", "1", "x86_64"}, {"SLES", "15.5", "x86-64/.."}}) {
            refused("POST", "/api/v1/products", admin, "{\"identifier\":\"" + ids[0] + "\",\"version\":\"" + ids[1] + "\",\"arch\":\"" + ids[2]
                    + "\",\"name\":\"n\"}", "must match");
        }
        try (var files = java.nio.file.Files.list(outside)) {
            assertThat(files.count()).isEqualTo(before);
        }
        assertThat(count("select count(*) from products")).isEqualTo(2);
    }

    @Test
    void repositoriesServeNeitherHiddenFilesNorThePublishersCache() throws Exception {
        java.nio.file.Path repo = t.dir.resolve("repos").resolve(TestServer.LP);
        java.nio.file.Path cache = repo.resolve(".klp-pack/cache");
        java.nio.file.Files.createDirectories(cache.getParent());
        java.nio.file.Files.writeString(cache, "publisher's cache");
        java.nio.file.Files.writeString(repo.resolve(".tmp-upload.rpm"), "half a package");
        java.nio.file.Files.createSymbolicLink(repo.resolve("escape.xml"), t.dir.resolve("db").resolve("klp.mv.db"));
        for (String path : new String[] {"/repo/" + TestServer.LP + "/.klp-pack/cache", "/repo/" + TestServer.LP + "/.tmp-upload.rpm",
                "/repo/" + TestServer.LP + "/escape.xml", "/repo/" + TestServer.LP + "/./.klp-pack/cache"}) {
            TestServer.Response r = t.send("GET", path, null, (String) null);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.text()).doesNotContain("publisher's cache", "half a package");
        }
        assertThat(t.send("GET", "/repo/" + TestServer.LP + "/repodata/repomd.xml", null, (String) null).status()).isEqualTo(200);
    }
}
