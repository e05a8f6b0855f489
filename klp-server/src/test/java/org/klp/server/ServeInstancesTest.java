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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.server.store.Postgres;

/**
 * Two {@code klp-server serve} processes on one real PostgreSQL and one shared data folder, as an
 * operator runs them: a check-in through A is in B's audit within a second, both serve the same
 * signed repository, and a third {@code serve} with another data folder refuses to start.
 */
class ServeInstancesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Postgres pg;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = Postgres.start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    private record Serve(Process process, String url, String token, List<String> output) {
    }

    /** {@code klp-server serve} as its own process; waits for its URL (or for it to exit). */
    private Serve serve(Path data, String db) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-cp", System.getProperty("java.class.path"), "org.klp.server.Main", "serve", "--port", "0", "--data", data.toString(),
                "--db", pg.jdbcUrl().replace("/postgres", "/" + db), "--db-user", "postgres");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        started.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        String url = null;
        String token = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Pattern listening = Pattern.compile("listening on (http://\\S+)");
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line == null) {
                break;
            }
            lines.add(line);
            Matcher m = listening.matcher(line);
            if (m.find()) {
                url = m.group(1);
            }
            if (line.strip().startsWith("klp_")) {
                token = line.strip();
            }
            if (line.startsWith("API:")) {
                break;
            }
        }
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "drain");
        drain.setDaemon(true);
        drain.start();
        return new Serve(p, url, token, lines);
    }

    private HttpResponse<String> send(String method, String url, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode admin(Serve s, String method, String path, String body, int expect) throws Exception {
        HttpResponse<String> r = send(method, s.url() + path, "Bearer " + s.token(), body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expect);
        return r.body().isEmpty() ? null : JSON.readTree(r.body());
    }

    @Test
    void twoServeInstancesOnOnePostgresAndOneSharedFolderAreOneServiceAndAnotherFolderIsRefused() throws Exception {
        try (var c = java.sql.DriverManager.getConnection(pg.jdbcUrl(), "postgres", ""); var st = c.createStatement()) {
            st.execute("create database klp_serve");
        }
        Path shared = TestServer.tempDir("serve-shared");
        try {
            Serve a = serve(shared, "klp_serve");
            assertThat(a.url()).as(String.join("\n", a.output())).isNotNull();
            assertThat(a.token()).as("the first start prints the first admin token").isNotNull();
            Serve b0 = serve(shared, "klp_serve");
            assertThat(b0.url()).as(String.join("\n", b0.output())).isNotNull();
            Serve b = new Serve(b0.process(), b0.url(), a.token(), b0.output());

            admin(a, "POST", "/api/v1/products", "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"name\":\"SLES 15 SP5\"}", 201);
            admin(a, "POST", "/api/v1/products", "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.5\",\"arch\":\"x86_64\","
                    + "\"name\":\"Live Patching 15 SP5\",\"base\":\"" + TestServer.BASE + "\"}", 201);
            admin(a, "POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"" + TestServer.KERNEL
                    + "\",\"released\":\"2025-02-01\"}", 201);
            String code = admin(b, "POST", "/api/v1/registration-codes", "{\"product\":\"" + TestServer.BASE + "\",\"maxSystems\":5}", 201)
                    .path("code").asText();
            JsonNode announced = JSON.readTree(send("POST", a.url() + "/connect/subscriptions/systems", "Token token=" + code,
                    "{\"hostname\":\"h1\"}").body());
            String basic = "Basic " + Base64.getEncoder().encodeToString((announced.path("login").asText() + ":" + announced.path("password").asText())
                    .getBytes(StandardCharsets.UTF_8));
            long id = announced.path("id").asLong();
            assertThat(send("POST", a.url() + "/connect/systems/checkin", basic, TestServer.posture(TestServer.KERNEL, 1)).statusCode()).isEqualTo(200);
            long acked = System.nanoTime();
            HttpResponse<String> onB = send("GET", b.url() + "/api/v1/audit/systems/" + id, "Bearer " + b.token(), null);
            long millis = (System.nanoTime() - acked) / 1_000_000;
            assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
            assertThat(millis).as("B's audit answers with A's check-in").isLessThan(1000);
            assertThat(JSON.readTree(onB.body()).at("/system/loadedVersion").asInt()).isEqualTo(1);

            String repomd = "/repo/" + TestServer.LP + "/repodata/repomd.xml";
            for (String file : List.of(repomd, repomd + ".asc", repomd + ".key")) {
                HttpResponse<String> fromA = send("GET", a.url() + file, null, null);
                HttpResponse<String> fromB = send("GET", b.url() + file, null, null);
                assertThat(fromA.statusCode()).isEqualTo(200);
                assertThat(fromB.body()).as(file).isEqualTo(fromA.body());
            }

            Serve other = serve(TestServer.tempDir("serve-other"), "klp_serve");
            assertThat(other.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(other.process().exitValue()).isEqualTo(3);
            assertThat(String.join("\n", other.output())).contains("is not the one the server instances on this database share");
        } finally {
            for (Process p : started) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
