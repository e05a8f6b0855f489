package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A check-in acknowledged with 2xx is durable: the server runs as a separate process, a storm of
 * check-ins hits it, it is killed with SIGKILL mid-storm, restarted on the same data, and every
 * acknowledged check-in is there.
 */
class DurabilityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private record Started(Process process, String url, String token) {
    }

    private static Started startServer(Path data, String token) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), "org.klp.server.Main", "serve", "--port", "0", "--data", data.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        String tok = token;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Pattern listening = Pattern.compile("listening on (http://\\S+)");
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) {
                break;
            }
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
            if (line.strip().startsWith("klp_")) {
                tok = line.strip();
            }
            if (line.startsWith("API:")) {
                break;
            }
        }
        // keep draining the server's output so it never blocks on a full pipe
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "drain");
        drain.setDaemon(true);
        drain.start();
        if (url == null || tok == null) {
            p.destroyForcibly();
            throw new AssertionError("the server did not start (url " + url + ")");
        }
        return new Started(p, url, tok);
    }

    private HttpResponse<String> send(String method, String url, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).header("Authorization", auth)
                .header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyAcknowledgedCheckinSurvivesSigkillDuringAStorm() throws Exception {
        Path data = TestServer.tempDir("durability");
        Started s = startServer(data, null);
        int systems = 64;
        List<String> auth = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        try {
            String admin = "Bearer " + s.token();
            assertThat(send("POST", s.url() + "/api/v1/products", admin,
                    "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"name\":\"SLES 15 SP5\"}").statusCode()).isEqualTo(201);
            JsonNode code = JSON.readTree(send("POST", s.url() + "/api/v1/registration-codes", admin,
                    "{\"product\":\"SLES/15.5/x86_64\",\"maxSystems\":1000}").body());
            for (int i = 0; i < systems; i++) {
                JsonNode a = JSON.readTree(send("POST", s.url() + "/connect/subscriptions/systems", "Token token=" + code.get("code").asText(),
                        "{\"hostname\":\"h" + i + "\"}").body());
                auth.add("Basic " + Base64.getEncoder().encodeToString((a.get("login").asText() + ":" + a.get("password").asText())
                        .getBytes(StandardCharsets.UTF_8)));
                ids.add(a.get("id").asLong());
            }
            AtomicLongArray acked = new AtomicLongArray(systems);
            AtomicLong total = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            int threads = 16;
            CountDownLatch done = new CountDownLatch(threads);
            for (int w = 0; w < threads; w++) {
                int worker = w;
                Thread t = new Thread(() -> {
                    try {
                        // bounded: at most 5,000 check-ins per worker, and only until the kill
                        for (int n = 0; n < 5_000 && !stop.get(); n++) {
                            int sys = worker + threads * (n % (systems / threads));
                            try {
                                HttpResponse<String> r = send("POST", s.url() + "/connect/systems/checkin", auth.get(sys),
                                        TestServer.posture(TestServer.KERNEL, 0));
                                if (r.statusCode() == 200) {
                                    acked.incrementAndGet(sys);
                                    total.incrementAndGet();
                                }
                            } catch (Exception e) {
                                return;
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                });
                t.start();
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (total.get() < 3_000 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            s.process().destroyForcibly();   // SIGKILL: no shutdown hook, no flush
            s.process().waitFor(30, TimeUnit.SECONDS);
            stop.set(true);
            assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(total.get()).as("check-ins acknowledged before the kill").isGreaterThan(500);

            Started again = startServer(data, s.token());
            try {
                JsonNode list = JSON.readTree(send("GET", again.url() + "/api/v1/systems?limit=1000", "Bearer " + again.token(), null).body());
                assertThat(list.get("total").asLong()).isEqualTo(systems);
                long stored = 0;
                for (JsonNode sys : list.get("systems")) {
                    int i = ids.indexOf(sys.get("id").asLong());
                    long have = sys.get("checkins").asLong();
                    // at least every acknowledged one; at most one more per worker in flight when the kill came
                    assertThat(have).as("system " + i).isGreaterThanOrEqualTo(acked.get(i)).isLessThanOrEqualTo(acked.get(i) + 1);
                    stored += have;
                }
                assertThat(stored).isGreaterThanOrEqualTo(total.get());
            } finally {
                again.process().destroyForcibly();
                again.process().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            s.process().destroyForcibly();
        }
    }
}
