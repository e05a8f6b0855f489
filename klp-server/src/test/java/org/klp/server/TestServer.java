package org.klp.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Base64;
import java.util.function.Function;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;

/**
 * A real server on a random port of the loopback, over a real database, talked to with real HTTP.
 * The catalog has SLES 15 SP5 with its Live Patching extension and one kernel; an admin token and
 * codes for both products are ready.
 */
public final class TestServer implements AutoCloseable {

    public static final String BASE = "SLES/15.5/x86_64";
    public static final String LP = "sle-module-live-patching/15.5/x86_64";
    public static final String KERNEL = "5.14.21-150500.55.83-default";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SigningKey key;

    public final KlpServer server;
    public final Database db;
    public final MutableClock clock;
    public final Path dir;
    public final String token;
    public String baseCode;
    public String lpCode;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public record Response(int status, JsonNode body, String text) {
        public String error() {
            return body == null ? text : body.path("error").asText(text);
        }
    }

    private TestServer(Path dir, Database db, MutableClock clock) {
        this(dir, db, clock, null, false, org.klp.server.api.HttpLimits.DEFAULT);
    }

    private TestServer(Path dir, Database db, MutableClock clock, String publicUrl) {
        this(dir, db, clock, publicUrl, false, org.klp.server.api.HttpLimits.DEFAULT);
    }

    private TestServer(Path dir, Database db, MutableClock clock, String publicUrl, boolean metrics, org.klp.server.api.HttpLimits limits) {
        this.dir = dir;
        this.db = db;
        this.clock = clock;
        KlpServer.Config config = new KlpServer.Config("127.0.0.1", 0, dir, db, new RpmMdPackageRepository(signingKey(), clock), clock,
                publicUrl, 0).withHttpLimits(limits);
        this.server = KlpServer.start(metrics ? config.withMetrics("127.0.0.1", 0) : config);
        this.token = server.tokens().create("test", clock.instant());
    }

    /** One RSA key for the whole test run: generating one takes a while. */
    public static synchronized SigningKey signingKey() {
        if (key == null) {
            KeyPairGenerator.GeneratedKey k = KeyPairGenerator.generate("klp test <klp@localhost>", 2048);
            key = SigningKey.parse(k.secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
        }
        return key;
    }

    public static TestServer h2(Path dir) {
        return new TestServer(dir, Database.h2(dir.resolve("db")), new MutableClock(Instant.parse("2025-06-01T10:00:00Z")));
    }

    /** A server that says hosts reach it at {@code publicUrl} (behind a TLS proxy, say): what it names in documents and desired states. */
    public static TestServer h2(Path dir, String publicUrl) {
        return new TestServer(dir, Database.h2(dir.resolve("db")), new MutableClock(Instant.parse("2025-06-01T10:00:00Z")), publicUrl);
    }

    /** A server that also serves Prometheus metrics on a port of their own ({@link KlpServer#metricsUrl()}). */
    public static TestServer withMetrics(Path dir) {
        return new TestServer(dir, Database.h2(dir.resolve("db")), new MutableClock(Instant.parse("2025-06-01T10:00:00Z")), null, true, org.klp.server.api.HttpLimits.DEFAULT);
    }

    /** With other connection limits and deadlines (short ones, so that a test sees them act). */
    public static TestServer h2(Path dir, org.klp.server.api.HttpLimits limits) {
        return new TestServer(dir, Database.h2(dir.resolve("db")), new MutableClock(Instant.parse("2025-06-01T10:00:00Z")), null, false, limits);
    }

    public static TestServer on(Path dir, Database db) {
        return new TestServer(dir, db, new MutableClock(Instant.parse("2025-06-01T10:00:00Z")));
    }

    /** Products, one kernel (released 2025-02-01) with versions 1 and 2, codes for 100 systems. */
    public TestServer withCatalog() {
        admin("POST", "/api/v1/products", "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"name\":\"SUSE Linux Enterprise Server 15 SP5 x86_64\"}", 201);
        admin("POST", "/api/v1/products", "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.5\",\"arch\":\"x86_64\","
                + "\"name\":\"SUSE Linux Enterprise Live Patching 15 SP5 x86_64\",\"base\":\"" + BASE + "\"}", 201);
        admin("POST", "/api/v1/kernels", "{\"product\":\"" + LP + "\",\"release\":\"" + KERNEL + "\",\"released\":\"2025-02-01\"}", 201);
        publishVersion(KERNEL, 2, "CVE-2024-1086");
        baseCode = code(BASE, 100, null, null);
        lpCode = code(LP, 100, null, null);
        return this;
    }

    /** Publishes the next version of a kernel's live patch, carrying the fixes given (cumulative). */
    public void publishVersion(String kernel, int version, String... cves) {
        StringBuilder fixes = new StringBuilder();
        for (String c : cves) {
            fixes.append(fixes.length() == 0 ? "" : ",").append("{\"id\":\"").append(c).append("\",\"cvss\":7.8,\"summary\":\"fix\"}");
        }
        byte[] module = org.klp.server.catalog.CatalogService.simulatedModule(KernelRelease.parse(kernel), version,
                java.util.List.of("vmlinux:pipe_read,0", "vmlinux:tcp_sendmsg,0", "vmlinux:io_uring_setup,0", "vmlinux:vsock_connect,0")
                        .subList(0, Math.min(4, version - 1)));
        admin("POST", "/api/v1/kernels/" + kernel + "/live-patches", "{\"module\":\"" + Base64.getEncoder().encodeToString(module)
                + "\",\"fixes\":[" + fixes + "],\"released\":\"" + LocalDate.of(2025, 3, version) + "\"}", 201);
    }

    public String code(String product, int max, String group, String expiresAt) {
        return admin("POST", "/api/v1/registration-codes", "{\"product\":\"" + product + "\",\"maxSystems\":" + max
                + (group == null ? "" : ",\"group\":\"" + group + "\"") + (expiresAt == null ? "" : ",\"expiresAt\":\"" + expiresAt + "\"") + "}", 201)
                .body().get("code").asText();
    }

    /** Where this test reaches the server: its loopback port, whatever public URL it names. */
    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    public Response admin(String method, String path, String body, int expect) {
        Response r = send(method, path, "Bearer " + token, body);
        if (r.status() != expect) {
            throw new AssertionError(method + " " + path + ": expected " + expect + ", got " + r.status() + ": " + r.text());
        }
        return r;
    }

    public Response send(String method, String path, String authorization, String body) {
        return send(method, path, authorization, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    public Response send(String method, String path, String authorization, byte[] body, String type) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (body != null) {
            b.header("Content-Type", type);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode n = null;
            try {
                n = r.body().isEmpty() ? null : JSON.readTree(r.body());
            } catch (IOException notJson) {
                // repository files
            }
            return new Response(r.statusCode(), n, r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A system registered over the SCC API with the base code and Live Patching activated: its Basic authorization. */
    public Announced announce(String hostname) {
        Response r = send("POST", "/connect/subscriptions/systems", "Token token=" + baseCode, "{\"hostname\":\"" + hostname + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("announce: " + r.status() + " " + r.text());
        }
        Announced a = new Announced(r.body().get("id").asLong(), r.body().get("login").asText(), r.body().get("password").asText());
        return a;
    }

    /** Activates a product (IDENTIFIER/VERSION/ARCH) on a registered system, as SUSEConnect does after announcing. */
    public void activate(Announced system, String product, String code) {
        String[] p = product.split("/");
        Response r = send("POST", "/connect/systems/products", system.basic(), "{\"identifier\":\"" + p[0] + "\",\"version\":\"" + p[1]
                + "\",\"arch\":\"" + p[2] + "\",\"token\":\"" + code + "\"}");
        if (r.status() != 201) {
            throw new AssertionError("activate " + product + ": " + r.status() + " " + r.text());
        }
    }

    public record Announced(long id, String login, String password) {
        public String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
        }
    }

    public static String posture(String kernel, int version) {
        return "{\"posture\":{\"kernel\":\"" + kernel + "\",\"installedKernels\":[\"" + kernel + "\"],\"installedLivePatches\":[],"
                + "\"loadedPatch\":null,\"loadedPackage\":null,\"loadedVersion\":" + version + ",\"transition\":\"ready\",\"transitionSeconds\":0,"
                + "\"blockers\":0,\"taint\":0,\"forced\":false,\"lastApply\":null},\"agent\":\"test\"}";
    }

    public static Path tempDir(String name) {
        try {
            return Files.createTempDirectory("klp-server-test-" + name + "-");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public <T> T withDb(Function<org.jdbi.v3.core.Handle, T> f) {
        return db.jdbi().withHandle(f::apply);
    }

    @Override
    public void close() {
        server.close();
        db.close();
    }
}
