package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One registered host sending every kind of check-in storage or a later reader would choke on,
 * while a well-behaved host checks in beside it: each bad check-in is refused alone with 400 naming
 * its field, every good one is stored, no answer carries SQL, exception names or the other host's
 * data, and the operators' views keep working.
 */
class PoisoningHostTest {

    static TestServer t;
    static TestServer.Announced evil;
    static TestServer.Announced good;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("poison")).withCatalog();
        evil = t.announce("evil-host");
        good = t.announce("good-host-" + "g".repeat(20));
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    /** A check-in body with one field replaced. */
    static String posture(String kernel, String loadedPatch, String loadedPackage, int version, String patches, String extra, String lastApply) {
        return "{\"posture\":{\"kernel\":\"" + kernel + "\",\"installedKernels\":[\"" + kernel + "\"],\"installedLivePatches\":[" + patches + "],"
                + "\"loadedPatch\":" + loadedPatch + ",\"loadedPackage\":" + loadedPackage + ",\"loadedVersion\":" + version + ",\"transition\":\"ready\","
                + extra + "\"blockers\":0,\"forced\":false,\"lastApply\":" + lastApply + "},\"agent\":\"test\"}";
    }

    static String lastApply(String operation, String message, String at) {
        return "{\"operation\":\"" + operation + "\",\"targetVersion\":2,\"result\":\"completed\",\"message\":\"" + message + "\",\"at\":\"" + at + "\"}";
    }

    static final String K = TestServer.KERNEL;
    static final String T = "\"transitionSeconds\":0,\"taint\":0,";
    static final String AT = "2025-06-01T09:00:00Z";

    /** Each poison and the field its refusal must name. */
    static List<String[]> poisons() {
        String longPatches = String.join(",", java.util.Collections.nCopies(200, "{\"packageName\":\"kernel-livepatch-5_14_21-150500_55_83-default\",\"version\":2}"));
        return List.of(
                new String[] {posture(K, "\"" + "p".repeat(65) + "\"", "null", 2, "", T, "null"), "posture.loadedPatch"},
                new String[] {posture(K, "\"livepatch_2\"", "\"" + "k".repeat(121) + "\"", 2, "", T, "null"), "posture.loadedPackage"},
                new String[] {posture(K, "null", "null", 2, "", T, lastApply("u".repeat(21), "", AT)), "posture.lastApply.operation"},
                new String[] {posture("5.14.21-" + "1".repeat(120) + "-default", "null", "null", 2, "", T, "null"), "posture.kernel"},
                new String[] {posture(K, "null", "null", 2, longPatches, T, "null"), "posture.installedLivePatches"},
                new String[] {posture(K, "null", "null", 2, "{\"packageName\":\"evil,pkg\",\"version\":2}", T, "null"),
                        "posture.installedLivePatches[0].packageName"},
                new String[] {posture(K, "null", "null", 2, "{\"packageName\":\"evil=pkg\",\"version\":2}", T, "null"),
                        "posture.installedLivePatches[0].packageName"},
                new String[] {posture(K, "null", "null", 2, "", T, lastApply("update", "nul\\u0000byte", AT)), "posture.lastApply.message"},
                new String[] {posture(K, "\"bad\\ud800patch\"", "null", 2, "", T, "null"), "posture.loadedPatch"},
                new String[] {posture(K, "null", "null", 2, "", "\"transitionSeconds\":4611686018427387904,\"taint\":0,", "null"),
                        "posture.transitionSeconds"},
                new String[] {posture(K, "null", "null", 2, "", "\"transitionSeconds\":0,\"taint\":1099511627776,", "null"), "posture.taint"},
                new String[] {posture(K, "null", "null", 2147483647, "", T, "null"), "posture.loadedVersion"},
                new String[] {posture(K, "null", "null", 2, "", T, lastApply("update", "", "+20000-01-01T00:00:00Z")), "posture.lastApply.at"},
                new String[] {posture(K, "null", "null", 2, "", T, "null").replace("\"agent\":\"test\"", "\"agent\":\"" + "a".repeat(101) + "\""),
                        "agent"});
    }

    @Test
    void everyPoisonIsRefusedAloneNamingItsFieldWhileTheGoodHostsCheckInsAllSucceed() throws Exception {
        AtomicBoolean poisoning = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> evils = new ArrayList<>();
        List<String[]> poisons = poisons();
        for (int w = 0; w < 4; w++) {
            int worker = w;
            evils.add(pool.submit(() -> {
                for (int round = 0; poisoning.get() && round < 40; round++) {
                    String[] p = poisons.get((round + worker) % poisons.size());
                    TestServer.Response r = t.send("POST", "/connect/systems/checkin", evil.basic(), p[0]);
                    answers.add(r.text());
                    if (r.status() != 400 || !r.error().contains(p[1])) {
                        wrong.add(p[1] + " → " + r.status() + " " + r.text());
                    }
                }
            }));
        }
        List<Future<Integer>> goods = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int worker = w;
            goods.add(pool.submit(() -> {
                int ok = 0;
                for (int i = 0; i < 60; i++) {
                    // alternate versions, so that every good check-in changes the stored row in the group's update
                    String body = posture(K, "\"livepatch_" + (1 + i % 2) + "\"", "\"kernel-livepatch-5_14_21-150500_55_83-default\"", 1 + i % 2,
                            "{\"packageName\":\"kernel-livepatch-5_14_21-150500_55_83-default\",\"version\":" + (1 + i % 2) + "}", T,
                            lastApply("update", "worker " + worker + " round " + i, AT));
                    TestServer.Response r = t.send("POST", "/connect/systems/checkin", good.basic(), body);
                    answers.add(r.text());
                    if (r.status() == 200) {
                        ok++;
                    } else {
                        wrong.add("good host: " + r.status() + " " + r.text());
                    }
                }
                return ok;
            }));
        }
        int goodOk = 0;
        for (Future<Integer> f : goods) {
            goodOk += f.get(120, TimeUnit.SECONDS);
        }
        poisoning.set(false);
        for (Future<?> f : evils) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(wrong).isEmpty();
        assertThat(goodOk).isEqualTo(120);
        for (String a : answers) {
            assertThat(a).doesNotContainIgnoringCase("select ").doesNotContainIgnoringCase("update systems").doesNotContain("Exception", "org.",
                    "SQL", good.login(), good.password(), "good-host");
        }
        assertThat(t.admin("GET", "/api/v1/systems/" + good.id(), null, 200).body().at("/system/checkins").asLong()).isEqualTo(120);
        assertThat(t.admin("GET", "/api/v1/systems/" + evil.id(), null, 200).body().at("/system/checkins").asLong()).isZero();
    }

    @Test
    void theOperatorsViewsOfTheFleetKeepWorkingAndShowTheGoodHost() {
        t.send("POST", "/connect/systems/checkin", good.basic(), TestServer.posture(K, 2));
        t.send("POST", "/connect/systems/checkin", evil.basic(), posture(K, "null", "null", 2, "{\"packageName\":\"evil,pkg\",\"version\":2}", T, "null"));
        for (String filter : List.of("", "?kernel=" + K, "?version=2", "?group=default", "?product=" + TestServer.LP, "?state=ready", "?state=new",
                "?state=failed", "?state=forced", "?state=in_progress", "?seenAfter=2020-01-01T00:00:00Z", "?format=csv")) {
            TestServer.Response r = t.send("GET", "/api/v1/systems" + filter, "Bearer " + t.token, (String) null);
            assertThat(r.status()).as(filter).isEqualTo(200);
        }
        assertThat(t.admin("GET", "/api/v1/systems/" + evil.id(), null, 200).status()).isEqualTo(200);
        assertThat(t.admin("GET", "/api/v1/summary", null, 200).body().path("checkedIn").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aStoredRowNoCheckInCouldHaveWrittenIsListedWithoutItsPostureInsteadOfFailingThePage() {
        TestServer.Announced old = t.announce("written-by-an-older-server");
        t.send("POST", "/connect/systems/checkin", old.basic(), TestServer.posture(K, 2));
        t.withDb(h -> h.createUpdate("update systems set installed_patches = 'evil,pkg=2' where id = :id").bind("id", old.id()).execute());
        TestServer.Response list = t.admin("GET", "/api/v1/systems?limit=1000", null, 200);
        assertThat(list.text()).contains("written-by-an-older-server");
        TestServer.Response one = t.admin("GET", "/api/v1/systems/" + old.id(), null, 200);
        assertThat(one.body().at("/system/posture").isNull()).isTrue();
    }
}
