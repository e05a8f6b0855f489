package org.klp.it.suse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.StandInPackages;
import org.klp.server.KlpServer;
import org.klp.server.catalog.CatalogService;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;

/**
 * A real klp server (embedded H2, loopback) publishing SLES 15 SP5 and its Live Patching
 * extension with two kernels, the second live patch of the first, the host tool built from the real
 * {@code klp.jar}, and codes; plus the "installation media" of a stock host: stand-in kernel
 * packages, a shell and a Java runtime for the root, signed with the server's key.
 */
final class LivePatchingServer implements AutoCloseable {

    static final String BASE = "SLES/15.5/x86_64";
    static final String LP = "sle-module-live-patching/15.5/x86_64";
    static final String BASE_SERVICE = "SUSE_Linux_Enterprise_Server_15_SP5_x86_64";
    static final String LP_SERVICE = "SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64";
    /** The running kernel of the test's roots and a second kernel; SUSE-like names that nothing installs. */
    static final KernelRelease RUNNING = KernelRelease.parse("5.14.21-150500.55.83-default");
    static final KernelRelease SECOND = KernelRelease.parse("5.14.21-150500.55.88-default");

    private static final ObjectMapper JSON = new ObjectMapper();
    final Path dir;
    final Clock clock = Clock.fixed(Instant.parse("2026-01-15T10:00:00Z"), ZoneOffset.UTC);
    final Database db;
    final KlpServer server;
    final String token;
    final String baseCode;
    final String lpCode;
    final Path media;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    LivePatchingServer(Path dir) {
        this.dir = dir;
        this.db = Database.h2(dir.resolve("data/db"));
        RpmMdPackageRepository packages = RpmMdPackageRepository.inDataDir(dir.resolve("data"), clock, 2048);
        this.server = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir.resolve("data"), db, packages, clock, null, 0));
        this.token = server.tokens().create("it", clock.instant());
        admin("POST", "/api/v1/products", "{\"identifier\":\"SLES\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"name\":\"SUSE Linux Enterprise Server 15 SP5 x86_64\"}");
        admin("POST", "/api/v1/products", "{\"identifier\":\"sle-module-live-patching\",\"version\":\"15.5\",\"arch\":\"x86_64\","
                + "\"name\":\"SUSE Linux Enterprise Live Patching 15 SP5 x86_64\",\"base\":\"" + BASE + "\"}");
        LocalDate today = LocalDate.now(clock);
        admin("POST", "/api/v1/kernels", "{\"product\":\"" + LP + "\",\"release\":\"" + RUNNING + "\",\"released\":\"" + today.minusDays(60) + "\"}");
        admin("POST", "/api/v1/kernels", "{\"product\":\"" + LP + "\",\"release\":\"" + SECOND + "\",\"released\":\"" + today.minusDays(20) + "\"}");
        byte[] v2 = CatalogService.simulatedModule(RUNNING, 2, java.util.List.of("vmlinux:pipe_read,0"));
        admin("POST", "/api/v1/kernels/" + RUNNING + "/live-patches", "{\"module\":\"" + Base64.getEncoder().encodeToString(v2)
                + "\",\"fixes\":[{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"summary\":\"netfilter: nf_tables: use-after-free\"}],\"released\":\"" + today.minusDays(5) + "\"}");
        server.catalog().publishHostTool(klpJar());
        this.baseCode = admin("POST", "/api/v1/registration-codes", "{\"product\":\"" + BASE + "\",\"maxSystems\":10}").get("code").asText();
        this.lpCode = admin("POST", "/api/v1/registration-codes", "{\"product\":\"" + LP + "\",\"maxSystems\":10}").get("code").asText();

        SigningKey key = SigningKey.read(dir.resolve("data").resolve(RpmMdPackageRepository.KEY_FILE));
        media = dir.resolve("media");
        StandInPackages.kernel(RUNNING, "x86_64", key, media);
        StandInPackages.kernel(SECOND, "x86_64", key, media);
        StandInPackages.shell(Path.of("/bin/busybox"), "x86_64", key, media);
        StandInPackages.javaRuntime(key, media);
        new RepositoryPublisher(key).publish(media);
    }

    /** The host tool's jar the build made (klp-cli's package phase: run the tests with mvn verify). */
    static Path klpJar() {
        Path jar = Path.of(System.getProperty("klp.it.klpJar", "../klp-cli/target/klp.jar"));
        assertThat(jar).as("klp.jar (build it with: mvn -pl klp-cli -am package, or run these tests with mvn verify)").isRegularFile();
        return jar;
    }

    String url() {
        return server.url();
    }

    Path publicKey() {
        return dir.resolve("data/keys/signing-key.pub.asc");
    }

    Path repositoryDir(String triplet) {
        return dir.resolve("data/repos").resolve(triplet);
    }

    JsonNode admin(String method, String path, String body) {
        HttpResponse<String> r = send(method, path, "Bearer " + token, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return read(r.body());
    }

    /** A request as SUSEConnect sends it (its headers; see klp-server's SuseConnect replay for every call). */
    HttpResponse<String> connect(String method, String path, String authorization, String body) {
        return send(method, path, authorization, body);
    }

    private HttpResponse<String> send(String method, String path, String authorization, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Accept", "application/json,application/vnd.scc.suse.com.v4+json")
                .header("User-Agent", "SUSEConnect-ng/1.8.0").header("System-Token", "");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(String text) {
        try {
            return text.isEmpty() ? JSON.nullNode() : JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    /**
     * A stock SLES host's root: a simulated kernel running {@link #RUNNING} (klp's simulator, so the
     * host tool can load live patches into it), an rpm database that trusts the server's key,
     * SUSE's multiversion setting for kernels, the installation media added, the running kernel,
     * a shell for scriptlets and the base product (SLES) installed.
     */
    Path stockHost(Path root) throws IOException {
        org.klp.kernel.sim.SimulatedKernel.create(root, new org.klp.kernel.sim.SimulatedKernel.Spec(RUNNING, true, 2, java.util.List.of()), clock);
        Files.createDirectories(root.resolve("etc/zypp"));
        Files.writeString(root.resolve("etc/zypp/zypp.conf"), "[main]\nmultiversion = provides:multiversion(kernel)\n");
        Commands.rpm(root, "--initdb").ok();
        Commands.rpm(root, "--import", publicKey().toString()).ok();
        Commands.zypper(root, "addrepo", "--gpgcheck", media.toUri().toString(), "SLES-media").ok();
        Commands.zypper(root, "refresh").ok();
        Commands.zypper(root, "install", "klp-stand-in-shell", "kernel-default-" + RUNNING.version() + "-" + RUNNING.release() + ".1").ok();
        Path sles = repositoryDir(BASE).resolve("SLES-release-15.5-0.x86_64.rpm");
        Commands.rpm(root, "-i", sles.toString()).ok();
        return root;
    }

    @Override
    public void close() {
        server.close();
        db.close();
    }
}
