package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.klp.cli.Klp;
import org.klp.cli.connect.Credentials;

/** klp agent as the daemon it is: check-ins every --interval, a round that fails is retried, and it stops cleanly. */
class AgentLoopTest {

    @Test
    void theAgentChecksInEveryIntervalSurvivesAnUnreachableServerAndStopsWhenInterrupted() throws Exception {
        Path hosts = TestServer.tempDir("agent-loop-hosts");
        Path root = HostRun.simulatedHost(hosts.resolve("looper"), TestServer.KERNEL);
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        long id;
        TestServer t = TestServer.h2(TestServer.tempDir("agent-loop")).withCatalog();
        assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode).code()).isZero();
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();
        id = Credentials.read(root).orElseThrow().systemId();
        Thread agent = new Thread(() -> exit.set(Klp.run(new String[] {"--root", root.toString(), "agent", "--interval", "200ms"},
                new PrintWriter(new StringWriter()), new PrintWriter(err))));
        agent.start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        long checkins = 0;
        while (checkins < 3 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            checkins = t.admin("GET", "/api/v1/systems/" + id, null, 200).body().at("/system/checkins").asLong();
        }
        assertThat(checkins).as("check-ins within a minute at a 200 ms interval").isGreaterThanOrEqualTo(3);
        assertThat(t.admin("GET", "/api/v1/systems/" + id, null, 200).body().at("/system/posture/loadedVersion").asInt()).isEqualTo(2);
        t.close();
        // the server is gone: rounds fail, the agent says so and keeps going
        while (!err.toString().contains("retrying at the next interval") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(err.toString()).contains("klp: agent: ").contains("retrying at the next interval");
        assertThat(agent.isAlive()).isTrue();
        agent.interrupt();
        agent.join(30_000);
        assertThat(agent.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
    }
}
