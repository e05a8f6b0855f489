package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.klp.server.api.HttpLimits;

/**
 * Slow and many clients cannot starve the others: connections that drip their headers or their
 * body, from many addresses or from one, while {@code /health} and a real {@code klp agent} keep
 * being served. Everything runs on the loopback: the attacking sockets bind addresses of
 * 127.0.0.0/8 other than 127.0.0.1, which is what the probes and the agent use.
 */
class SlowClientsTest {

    static final Duration PROBE_DEADLINE = Duration.ofSeconds(3);

    /** A connection from {@code from} to the server, which the test keeps dripping into. */
    static Socket connect(TestServer t, String from) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), t.server.port(), InetAddress.getByName(from), 0);
        s.setSoTimeout(200);
        return s;
    }

    /** The attacker address of connection {@code i}: 127.0.X.Y, never 127.0.0.1. */
    static String attacker(int i) {
        return "127.0." + (1 + i / 200) + "." + (2 + i % 200);
    }

    /** A fresh connection's {@code GET /health}: the status, or -1 when no answer came within the deadline. */
    static int health(TestServer t) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), t.server.port(), InetAddress.getLoopbackAddress(), 0)) {
            s.setSoTimeout((int) PROBE_DEADLINE.toMillis());
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: klp\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** True when the server closed this connection (end of stream or reset), after whatever it answered. */
    static boolean closedByServer(Socket s) {
        return closedByServer(s, 200);
    }

    /** The same, waiting at most {@code millis} for the server to say more when it has not closed it. */
    static boolean closedByServer(Socket s, int millis) {
        try {
            s.setSoTimeout(millis);
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            while (true) {
                if (in.read(b) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    static void drip(Socket s, byte b) {
        try {
            s.getOutputStream().write(b);
            s.getOutputStream().flush();
        } catch (IOException closed) {
            // the server closed it: what it should do
        }
    }

    static String badBasic() {
        return "Basic " + Base64.getEncoder().encodeToString("SCC_nobody:wrong".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void threeHundredSlowUnauthenticatedConnectionsStopNeitherHealthNorARealAgent() throws Exception {
        Path hosts = TestServer.tempDir("slow-clients-hosts");
        try (TestServer t = TestServer.h2(TestServer.tempDir("slow-clients")).withCatalog()) {
            Path root = HostRun.simulatedHost(hosts.resolve("agent"), TestServer.KERNEL);
            assertThat(HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode).code()).isZero();
            assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();

            // more than the server's 256 threads send a check-in's or a registration's headers with wrong credentials and a
            // 60,000-byte body to come; the rest drip the headers themselves
            List<Socket> attackers = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                Socket s = connect(t, attacker(i));
                String body = "\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{";
                String start = switch (i % 10) {
                    case 0 -> "POST /connect/subscriptions/systems HTTP/1.1\r\nHo";
                    case 1, 3, 5, 7 -> "POST /connect/subscriptions/systems HTTP/1.1\r\nHost: klp\r\nAuthorization: Token token=KLP-NOT-A-CODE" + body;
                    default -> "POST /connect/systems/checkin HTTP/1.1\r\nHost: klp\r\nAuthorization: " + badBasic() + body;
                };
                s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
                attackers.add(s);
            }
            long began = System.nanoTime();
            ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
            dripper.scheduleAtFixedRate(() -> attackers.forEach(s -> drip(s, (byte) 'x')), 5, 5, TimeUnit.SECONDS);
            try {
                List<Integer> probes = new ArrayList<>();
                List<Integer> agentRuns = new ArrayList<>();
                while (System.nanoTime() - began < Duration.ofSeconds(20).toNanos()) {
                    probes.add(health(t));
                    if (probes.size() % 20 == 0) {
                        agentRuns.add(HostRun.klp(root, "agent", "--once").code());
                    }
                    Thread.sleep(200);
                }
                assertThat(probes).as("every /health probe answered 200 within " + PROBE_DEADLINE.toSeconds() + " s").hasSizeGreaterThan(40)
                        .containsOnly(200);
                assertThat(agentRuns).as("the real agent's runs").isNotEmpty().containsOnly(0);
                // the header deadline (10 s) has passed twice over: the server closed every attacker
                long open = attackers.stream().filter(s -> !closedByServer(s)).count();
                assertThat(open).as("attacker connections the server still holds").isZero();
            } finally {
                dripper.shutdownNow();
                for (Socket s : attackers) {
                    s.close();
                }
            }
            TestServer.Response system = t.admin("GET", "/api/v1/systems?limit=10", null, 200);
            assertThat(system.body().at("/systems/0/checkins").asLong()).isGreaterThanOrEqualTo(2);
        }
    }

    static HttpLimits small() {
        return new HttpLimits(60, 20, Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(2), 256 * 1024);
    }

    @Test
    void connectionsOfOneClientBeyondItsLimitAreClosedAtOnceWhileOthersAreServed() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("slow-clients-one"), small()).withCatalog()) {
            List<Socket> mine = new ArrayList<>();
            try {
                for (int i = 0; i < 35; i++) {
                    mine.add(connect(t, "127.0.9.9"));
                }
                Thread.sleep(500);
                long closed = mine.stream().filter(s -> closedByServer(s, 20)).count();
                assertThat(closed).as("connections beyond the client's 20").isEqualTo(15);
                assertThat(health(t)).isEqualTo(200);
            } finally {
                for (Socket s : mine) {
                    s.close();
                }
            }
        }
    }

    @Test
    void connectionsBeyondTheTotalAreClosedAtOnceAndSilentOnesMakeRoomAfterTheDeadline() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("slow-clients-total"), small()).withCatalog()) {
            List<Socket> many = new ArrayList<>();
            try {
                for (int i = 0; i < 70; i++) {
                    Socket s = connect(t, attacker(i));
                    s.getOutputStream().write('G');
                    many.add(s);
                }
                Thread.sleep(500);
                // counted before the header deadline (3 s) closes the others; the test's own client may hold a connection or two
                assertThat(many.stream().filter(s -> closedByServer(s, 20)).count()).as("connections beyond the 60 in all").isBetween(10L, 13L);
                Thread.sleep(3_000);
                assertThat(many.stream().filter(s -> !closedByServer(s)).count()).isZero();
                assertThat(health(t)).isEqualTo(200);
            } finally {
                for (Socket s : many) {
                    s.close();
                }
            }
        }
    }

    @Test
    void aSlowBodyWithValidCredentialsIsCutAtItsDeadlineAndHoldsNoThreadBeyondIt() throws Exception {
        try (TestServer t = TestServer.h2(TestServer.tempDir("slow-clients-body"), small()).withCatalog()) {
            TestServer.Announced a = t.announce("slow-host");
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = connect(t, attacker(i));
                    s.getOutputStream().write(("POST /connect/systems/checkin HTTP/1.1\r\nHost: klp\r\nAuthorization: " + a.basic()
                            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                    slow.add(s);
                }
                long began = System.nanoTime();
                while (System.nanoTime() - began < Duration.ofSeconds(7).toNanos()) {
                    slow.forEach(s -> drip(s, (byte) ' '));
                    assertThat(health(t)).isEqualTo(200);
                    Thread.sleep(500);
                }
                // header deadline 3 s + body deadline 2 s (+ 1000 bytes at 256 KiB/s): every one was cut
                assertThat(slow.stream().filter(s -> !closedByServer(s)).count()).isZero();
                assertThat(t.send("POST", "/connect/systems/checkin", a.basic(), TestServer.posture(TestServer.KERNEL, 1)).status()).isEqualTo(200);
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }
}
