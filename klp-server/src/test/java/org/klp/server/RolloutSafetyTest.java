package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.klp.cli.connect.Credentials;
import org.klp.kernel.HostRoot;
import org.klp.kernel.sim.SimulatedKernel;

/**
 * Rollouts promote only on evidence, and stuck transitions are handled by the group's policy:
 * real agents on simulated hosts (manual clocks) against a real server.
 *
 * <p>Version 3 of the test kernel's live patch patches {@code tcp_sendmsg}; a kernel thread
 * sleeping there never switches by itself, so a transition to version 3 sticks.
 */
class RolloutSafetyTest {

    static final String OTHER_KERNEL = "5.14.21-150500.55.88-default";

    TestServer t;
    Path hosts;

    @BeforeEach
    void start() {
        t = TestServer.h2(TestServer.tempDir("rollout-safety")).withCatalog();
        hosts = TestServer.tempDir("rollout-safety-hosts");
    }

    @AfterEach
    void stop() {
        t.close();
    }

    private Path host(String name, String group, String kernel) {
        Path root = HostRun.simulatedHost(hosts.resolve(name), kernel);
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.code(TestServer.BASE, 10, group, null)).code()).isZero();
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();
        return root;
    }

    private JsonNode agent(Path root) {
        return HostRun.klp(root, "--json", "agent", "--once").json();
    }

    private static long id(Path root) {
        return Credentials.read(root).orElseThrow().systemId();
    }

    private static void blockTcpSendmsg(Path root) {
        SimulatedKernel.open(HostRoot.of(root), Clock.systemUTC()).startSleepingTask("kworker/0:3", "", "vmlinux", "tcp_sendmsg", true, false);
    }

    private static void advanceHost(Path root, Duration d) {
        SimulatedKernel.open(HostRoot.of(root), Clock.systemUTC()).advance(d);
    }

    private JsonNode rollout(int version) {
        for (JsonNode r : t.admin("GET", "/api/v1/rollouts", null, 200).body()) {
            if (r.path("version").asInt() == version) {
                return r;
            }
        }
        throw new AssertionError("no rollout of version " + version);
    }

    private String history(Path root) {
        return t.admin("GET", "/api/v1/systems/" + id(root) + "/history", null, 200).text();
    }

    private void staged(String canaryPolicy) {
        t.admin("PUT", "/api/v1/groups/canary", canaryPolicy, 200);
        t.admin("PUT", "/api/v1/groups/prod", "{\"policy\":\"staged\",\"canaryGroup\":\"canary\",\"soakSeconds\":3600}", 200);
    }

    @Test
    void aRolloutWithNoCanaryOnItsKernelIsHeldAndSaysSoWhateverTheSoakTime() {
        staged("{\"policy\":\"latest\"}");
        Path canary = host("canary-elsewhere", "canary", OTHER_KERNEL);
        Path prod = host("prod", "prod", TestServer.KERNEL);
        assertThat(agent(canary).path("action").asText()).isEqualTo("unavailable");
        assertThat(agent(prod).path("loadedVersion").asInt()).isEqualTo(2);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        t.clock.advance(Duration.ofDays(3));
        t.server.supervisor().runOnce();
        JsonNode r = rollout(3);
        assertThat(r.path("status").asText()).isEqualTo("canary");
        assertThat(r.path("reason").asText()).isEqualTo("held: no canary of group canary runs kernel " + TestServer.KERNEL
                + "; promotion needs 1 canary settled on version 3 for 3600 s");
        JsonNode held = agent(prod);
        assertThat(held.path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(held.path("reason").asText()).contains("version 3 is with the canaries").contains("held: no canary of group canary runs kernel");
        // an operator may still promote it: an explicit decision, recorded as such
        t.admin("POST", "/api/v1/rollouts/prod/" + TestServer.KERNEL + "/3/promote", null, 200);
        assertThat(rollout(3).path("reason").asText()).isEqualTo("promoted by an operator");
    }

    @Test
    void promotionNeedsTheGroupsNumberOfCanariesSettledOnTheVersionForTheSoakTime() {
        t.admin("PUT", "/api/v1/groups/canary", "{\"policy\":\"latest\"}", 200);
        t.admin("PUT", "/api/v1/groups/prod", "{\"policy\":\"staged\",\"canaryGroup\":\"canary\",\"soakSeconds\":3600,\"minCanaries\":2}", 200);
        Path c1 = host("c1", "canary", TestServer.KERNEL);
        Path c2 = host("c2", "canary", TestServer.KERNEL);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        assertThat(agent(c1).path("loadedVersion").asInt()).isEqualTo(3);
        t.clock.advance(Duration.ofHours(2));
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("status").asText()).isEqualTo("canary");
        assertThat(rollout(3).path("reason").asText()).startsWith("waiting: 1 of 2 canaries on kernel " + TestServer.KERNEL + " settled on version 3");
        assertThat(agent(c2).path("loadedVersion").asInt()).isEqualTo(3);
        t.clock.advance(Duration.ofMinutes(59));
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("reason").asText()).startsWith("soaking: 2 canaries settled on version 3");
        t.clock.advance(Duration.ofMinutes(1));
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("status").asText()).isEqualTo("promoted");
        assertThat(rollout(3).path("reason").asText()).startsWith("promoted: 2 canaries (c1 (system " + id(c1) + "), c2 (system " + id(c2) + "))");
    }

    @Test
    void aForcedCanaryHaltsTheRolloutInsteadOfPromotingIt() {
        staged("{\"policy\":\"latest\",\"onTimeout\":\"force\",\"transitionTimeoutSeconds\":30}");
        Path canary = host("forced", "canary", TestServer.KERNEL);
        Path prod = host("prod", "prod", TestServer.KERNEL);
        assertThat(agent(canary).path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(agent(prod).path("loadedVersion").asInt()).isEqualTo(2);
        blockTcpSendmsg(canary);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        JsonNode forced = agent(canary);
        assertThat(forced.path("result").asText()).isEqualTo("forced");
        assertThat(forced.path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(forced.path("message").asText()).contains("1 blocking task (kworker/0:3").contains("kernel thread").contains("tcp_sendmsg");
        t.clock.advance(Duration.ofDays(2));
        t.server.supervisor().runOnce();
        JsonNode r = rollout(3);
        assertThat(r.path("status").asText()).isEqualTo("halted");
        assertThat(r.path("reason").asText()).contains("canary forced (system " + id(canary) + ") had its transition to version 3 forced");
        assertThat(agent(prod).path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(history(canary)).contains("apply-forced").contains("1 blocking task (kworker/0:3");
        // the audit explains the prod host's held fix as a halted rollout, not as a pin
        JsonNode finding = null;
        for (JsonNode f : t.admin("GET", "/api/v1/audit/systems/" + id(prod), null, 200).body().path("findings")) {
            if (f.path("cve").asText().equals("CVE-2024-36971")) {
                finding = f;
            }
        }
        assertThat(finding).isNotNull();
        assertThat(finding.path("verdict").asText()).isEqualTo("LIVE_PATCH_AVAILABLE");
        assertThat(finding.path("explain").asText()).contains("held back at version 2: the rollout of a newer version is halted")
                .doesNotContain("pin");
        assertThat(finding.at("/evidence/heldBy").asText()).isEqualTo("HALTED_ROLLOUT");
        // a halted rollout is not promoted without being resumed
        JsonNode refused = t.send("POST", "/api/v1/rollouts/prod/" + TestServer.KERNEL + "/3/promote", "Bearer " + t.token, (String) null).body();
        assertThat(refused.path("status").asInt()).isEqualTo(409);
        assertThat(refused.path("error").asText()).contains("halted cannot become promoted; resume it first");
    }

    @Test
    void aStuckCanaryUnderWaitIsLeftToTheKernelWithItsRealElapsedTimeAndHaltsTheRollout() {
        staged("{\"policy\":\"latest\",\"onTimeout\":\"wait\",\"transitionTimeoutSeconds\":60}");
        Path canary = host("waiting", "canary", TestServer.KERNEL);
        assertThat(agent(canary).path("loadedVersion").asInt()).isEqualTo(2);
        blockTcpSendmsg(canary);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        JsonNode first = agent(canary);
        assertThat(first.path("result").asText()).isEqualTo("in_progress");
        assertThat(first.path("message").asText()).contains("1 blocking task (kworker/0:3").contains("after 60 s");
        advanceHost(canary, Duration.ofSeconds(35));
        JsonNode second = agent(canary);
        assertThat(second.path("action").asText()).isEqualTo("wait");
        assertThat(second.path("reason").asText()).contains("is stuck: 95 s, past the group's deadline of 60 s; on-timeout wait");
        assertThat(second.path("exitCode").asInt()).isEqualTo(1);
        JsonNode system = t.admin("GET", "/api/v1/systems/" + id(canary), null, 200).body();
        assertThat(system.at("/system/posture/transition").asText()).isEqualTo("in_progress");
        assertThat(system.at("/system/posture/transitionSeconds").asLong()).isEqualTo(95);
        assertThat(history(canary)).contains("stuck-transition").contains("is stuck: 60 s").contains("on-timeout wait: it is left to the kernel")
                .contains("1 blocking task (kworker/0:3");
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("status").asText()).isEqualTo("halted");
        assertThat(rollout(3).path("reason").asText()).contains("has a transition to version 3 stuck for 95 s, past the deadline of 60 s");
    }

    @Test
    void aStuckCanaryUnderRevertIsToldToReverseItAndTheHistoryKeepsTheRealElapsedTime() {
        staged("{\"policy\":\"latest\",\"onTimeout\":\"revert\",\"transitionTimeoutSeconds\":60}");
        Path canary = host("reverting", "canary", TestServer.KERNEL);
        assertThat(agent(canary).path("loadedVersion").asInt()).isEqualTo(2);
        blockTcpSendmsg(canary);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        // an operator's own update, left to the kernel after 5 s: the agent finds the transition under way
        String repo = t.url() + "/repo/" + TestServer.LP + "/";
        HostRun manual = HostRun.klp(canary, "update", "--to", "3", "--repo", repo, "--trusted", canary.resolve("etc/klp/trusted.asc").toString(),
                "--timeout", "5s", "--on-timeout", "wait");
        assertThat(manual.code()).as(manual.out() + manual.err()).isEqualTo(1);
        JsonNode within = agent(canary);
        assertThat(within.path("action").asText()).isEqualTo("wait");
        assertThat(within.path("reason").asText()).contains("has run 5 s of the group's deadline of 60 s");
        assertThat(within.path("nextCheckinSeconds").asLong()).isEqualTo(55);
        advanceHost(canary, Duration.ofSeconds(70));
        JsonNode reverted = agent(canary);
        assertThat(reverted.path("action").asText()).isEqualTo("revert");
        assertThat(reverted.path("reason").asText()).contains("is stuck: 75 s, past the group's deadline of 60 s; on-timeout revert");
        assertThat(reverted.path("loadedVersion").asInt()).isEqualTo(2);
        assertThat(reverted.path("message").asText()).contains("the transition had run 75 s");
        String history = history(canary);
        assertThat(history).contains("stuck-transition").contains("is stuck: 75 s").contains("on-timeout revert: the host is told to reverse it");
        assertThat(history).contains("apply-reverted").contains("the transition had run 75 s");
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("status").asText()).isEqualTo("halted");
        assertThat(agent(canary).path("action").asText()).isEqualTo("none");
    }

    @Test
    void aStuckCanaryUnderForceIsToldToForceIt() {
        staged("{\"policy\":\"latest\",\"onTimeout\":\"force\",\"transitionTimeoutSeconds\":60}");
        Path canary = host("forcing", "canary", TestServer.KERNEL);
        assertThat(agent(canary).path("loadedVersion").asInt()).isEqualTo(2);
        blockTcpSendmsg(canary);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.server.supervisor().runOnce();
        String repo = t.url() + "/repo/" + TestServer.LP + "/";
        assertThat(HostRun.klp(canary, "update", "--to", "3", "--repo", repo, "--trusted", canary.resolve("etc/klp/trusted.asc").toString(),
                "--timeout", "5s", "--on-timeout", "wait").code()).isEqualTo(1);
        advanceHost(canary, Duration.ofSeconds(80));
        JsonNode forced = agent(canary);
        assertThat(forced.path("action").asText()).isEqualTo("force");
        assertThat(forced.path("result").asText()).isEqualTo("forced");
        assertThat(forced.path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(history(canary)).contains("on-timeout force: the host is told to force it").contains("apply-forced")
                .contains("the transition had run 85 s");
        t.server.supervisor().runOnce();
        assertThat(rollout(3).path("status").asText()).isEqualTo("halted");
        assertThat(t.admin("GET", "/api/v1/systems?state=forced", null, 200).body().path("total").asLong()).isEqualTo(1);
    }

    @Test
    void aGroupThatBecomesStagedKeepsTheVersionItsHostsRunUntilANewerOneIsPromoted() {
        t.admin("PUT", "/api/v1/groups/canary", "{\"policy\":\"latest\"}", 200);
        Path prod = host("prod-before", "prod", TestServer.KERNEL);
        t.publishVersion(TestServer.KERNEL, 3, "CVE-2024-1086", "CVE-2024-36971");
        assertThat(agent(prod).path("loadedVersion").asInt()).as("latest while the group has no policy").isEqualTo(3);
        t.admin("PUT", "/api/v1/groups/prod", "{\"policy\":\"staged\",\"canaryGroup\":\"canary\",\"soakSeconds\":3600}", 200);
        t.server.supervisor().runOnce();
        JsonNode held = agent(prod);
        assertThat(held.path("action").asText()).as("no downgrade: a rollout only moves hosts forward").isEqualTo("none");
        assertThat(held.path("loadedVersion").asInt()).isEqualTo(3);
        assertThat(held.path("reason").asText()).contains("holding version 3, which this host runs");
    }

    @Test
    void theAgentFollowsTheServersInterval() {
        Path root = host("interval", "web", TestServer.KERNEL);
        assertThat(agent(root).path("nextCheckinSeconds").asLong()).isEqualTo(3600);
        assertThat(HostRun.klp(root, "--json", "agent", "--once", "--interval", "10m").json().path("nextCheckinSeconds").asLong()).isEqualTo(600);
        assertThat(HostRun.klp(root, "--json", "agent", "--once", "--interval", "3h").json().path("nextCheckinSeconds").asLong()).isEqualTo(3600);
    }
}
