package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.klp.cli.connect.Credentials;
import org.klp.kernel.HostRoot;
import org.klp.kernel.sim.SimulatedKernel;

/** Simulated hosts running the real klp agent against a real server: desired state, reconciliation, policies. */
class AgentPolicyTest {

    TestServer t;
    Path hosts;

    @BeforeEach
    void start() {
        t = TestServer.h2(TestServer.tempDir("agent")).withCatalog();
        hosts = TestServer.tempDir("agent-hosts");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private Path host(String name, String group) {
        Path root = HostRun.simulatedHost(hosts.resolve(name), TestServer.KERNEL);
        String code = group == null ? t.baseCode : t.code(TestServer.BASE, 10, group, null);
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", code).code()).isZero();
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();
        return root;
    }

    private JsonNode agent(Path root) {
        HostRun r = HostRun.klp(root, "--json", "agent", "--once");
        return r.json();
    }

    private long systemId(Path root) {
        return Credentials.read(root).orElseThrow().systemId();
    }

    private long events(long id) {
        return t.withDb(h -> h.createQuery("select count(*) from system_events where system_id = :id").bind("id", id).mapTo(Long.class).one());
    }

    @Test
    void theAgentInstallsTheLatestVersionFromTheSignedRepositoryAndARepeatedCheckinChangesNothing() {
        Path root = host("latest", null);
        JsonNode first = agent(root);
        assertThat(first.path("action").asText()).isEqualTo("update");
        assertThat(first.path("result").asText()).isEqualTo("completed");
        assertThat(first.path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(HostRun.klp(root, "-v", "patches").out()).contains("CVE-2024-1086").contains("kernel-livepatch-5_14_21-150500_55_83-default-2");
        JsonNode system = t.admin("GET", "/api/v1/systems/" + systemId(root), null, 200).body();
        assertThat(system.at("/system/posture/loadedVersion").asInt()).isEqualTo(2);
        assertThat(system.at("/system/posture/lastApply/result").asText()).isEqualTo("completed");
        assertThat(system.at("/desired/action").asText()).isEqualTo("none");

        long before = events(systemId(root));
        long checkins = system.at("/system/checkins").asLong();
        JsonNode second = agent(root);
        assertThat(second.path("result").asText()).isEqualTo("unchanged");
        assertThat(second.path("exitCode").asInt()).isZero();
        assertThat(events(systemId(root))).isEqualTo(before);
        assertThat(t.admin("GET", "/api/v1/systems/" + systemId(root), null, 200).body().at("/system/checkins").asLong()).isEqualTo(checkins + 1);
        assertThat(t.admin("GET", "/api/v1/systems/" + systemId(root) + "/history", null, 200).text())
                .contains("apply-completed").contains("first check-in");
    }

    @Test
    void aFleetWidePinToNMinusOneDowngradesAndAKernelLockWritesTheZyppLock() throws Exception {
        Path root = host("pinned", "web");
        assertThat(agent(root).path("loadedVersion").asInt()).isEqualTo(2);
        t.admin("PUT", "/api/v1/groups/web", "{\"policy\":\"latest\",\"kernelLock\":true}", 200);
        t.admin("PUT", "/api/v1/pins/" + TestServer.KERNEL, "{\"back\":1}", 200);
        JsonNode down = agent(root);
        assertThat(down.path("action").asText()).isEqualTo("downgrade");
        assertThat(down.path("result").asText()).isEqualTo("completed");
        assertThat(down.path("loadedVersion").asInt()).isEqualTo(1);
        assertThat(down.path("reason").asText()).contains("pinned fleet-wide to version 1");
        assertThat(Files.readString(root.resolve("etc/zypp/locks"))).contains("solvable_name: kernel-default");
        assertThat(HostRun.klp(root, "history").out()).contains("downgrade");

        t.admin("DELETE", "/api/v1/pins/" + TestServer.KERNEL, null, 204);
        t.admin("PUT", "/api/v1/groups/web", "{\"policy\":\"latest\",\"kernelLock\":false}", 200);
        assertThat(agent(root).path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(Files.readString(root.resolve("etc/zypp/locks"))).doesNotContain("kernel-default");
    }

    @Test
    void aStagedRolloutGoesToCanariesFirstIsPromotedAfterTheSoakAndHaltsWhenACanaryFails() {
        t.admin("PUT", "/api/v1/groups/canary", "{\"policy\":\"latest\"}", 200);
        t.admin("PUT", "/api/v1/groups/prod", "{\"policy\":\"staged\",\"canaryGroup\":\"canary\",\"soakSeconds\":3600}", 200);
        Path canary = host("canary", "canary");
        Path prod = host("prod", "prod");
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        assertThat(agent(canary).path("loadedVersion").asInt()).isEqualTo(3);
        JsonNode held = agent(prod);
        assertThat(held.path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(held.path("reason").asText()).contains("staged: version 3 is with the canaries");

        t.server.supervisor().runOnce();
        assertThat(t.admin("GET", "/api/v1/rollouts", null, 200).body().get(0).path("status").asText()).isEqualTo("canary");
        t.clock.advance(Duration.ofHours(2));
        t.server.supervisor().runOnce();
        assertThat(t.admin("GET", "/api/v1/rollouts", null, 200).body().get(0).path("status").asText()).isEqualTo("promoted");
        assertThat(agent(prod).path("loadedVersion").asInt()).isEqualTo(3);

        // version 4 replaces io_uring_setup, where a kernel thread of the canary sleeps: its transition never completes
        SimulatedKernel.open(HostRoot.of(canary), Clock.systemUTC()).startSleepingTask("kworker/0:3", "", "vmlinux", "io_uring_setup", true, false);
        t.publishVersion(TestServer.KERNEL, 4, "CVE-2024-1086", "CVE-2024-36971", "CVE-2024-50115");
        t.server.supervisor().runOnce();
        JsonNode reverted = agent(canary);
        assertThat(reverted.path("result").asText()).isEqualTo("reverted");
        assertThat(reverted.path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(reverted.path("exitCode").asInt()).isEqualTo(3);
        t.server.supervisor().runOnce();
        JsonNode rollout = t.admin("GET", "/api/v1/rollouts", null, 200).body().get(1);
        assertThat(rollout.path("version").asInt()).isEqualTo(4);
        assertThat(rollout.path("status").asText()).isEqualTo("halted");
        assertThat(rollout.path("reason").asText()).contains("canary canary").contains("reverted apply of version 4");
        t.clock.advance(Duration.ofDays(2));
        t.server.supervisor().runOnce();
        assertThat(agent(prod).path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(agent(canary).path("result").asText()).isEqualTo("unchanged");
        assertThat(t.admin("GET", "/api/v1/summary", null, 200).body().path("haltedRollouts").size()).isEqualTo(1);
    }

    @Test
    void aGroupThatForcesBlockedTransitionsReportsTheForcedTransition() {
        t.admin("PUT", "/api/v1/groups/batch", "{\"policy\":\"latest\",\"onTimeout\":\"force\",\"transitionTimeoutSeconds\":30}", 200);
        Path root = host("batch", "batch");
        SimulatedKernel.open(HostRoot.of(root), Clock.systemUTC()).startSleepingTask("kworker/1:1", "", "vmlinux", "pipe_read", true, false);
        JsonNode forced = agent(root);
        assertThat(forced.path("result").asText()).isEqualTo("forced");
        assertThat(forced.path("loadedVersion").asInt()).isEqualTo(2);
        JsonNode list = t.admin("GET", "/api/v1/systems?state=forced", null, 200).body();
        assertThat(list.path("total").asLong()).isEqualTo(1);
        assertThat(list.at("/systems/0/posture/forced").asBoolean()).isTrue();
        assertThat(t.admin("GET", "/api/v1/summary", null, 200).body().path("forced").asLong()).isEqualTo(1);
    }

    @Test
    void aHostWithoutLivePatchingActivatedIsToldHowToActivateIt() {
        Path root = HostRun.simulatedHost(hosts.resolve("base-only"), TestServer.KERNEL);
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode).code()).isZero();
        JsonNode r = agent(root);
        assertThat(r.path("action").asText()).isEqualTo("unavailable");
        assertThat(r.path("reason").asText()).contains("not activated").contains("klp register -p " + TestServer.LP + " -r ADDITIONAL REGCODE");
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();
        assertThat(agent(root).path("loadedVersion").asInt()).isEqualTo(2);
    }

    @Test
    void aHostOnAKernelTheCatalogDoesNotKnowIsToldThereAreNoLivePatches() {
        Path root = HostRun.simulatedHost(hosts.resolve("custom"), "6.12.0-1-default");
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode).code()).isZero();
        JsonNode r = agent(root);
        assertThat(r.path("action").asText()).isEqualTo("unavailable");
        assertThat(r.path("reason").asText()).contains("not in the catalog");
        assertThat(r.path("exitCode").asInt()).isZero();
        assertThat(t.admin("GET", "/api/v1/summary", null, 200).body().path("unsupportedKernel").asLong()).isEqualTo(1);
    }
}
