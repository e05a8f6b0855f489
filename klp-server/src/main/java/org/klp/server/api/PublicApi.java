package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.klp.server.service.NotFound;
import org.klp.server.service.Quote;

/** What anyone may read: the API description, a health check, and the static package repositories. */
final class PublicApi {

    private final Path reposDir;
    private final byte[] openApi;
    private final org.klp.server.audit.AuditService audit;

    PublicApi(Path reposDir, org.klp.server.audit.AuditService audit) {
        this.audit = audit;
        this.reposDir = reposDir.toAbsolutePath().normalize();
        try (InputStream in = PublicApi.class.getResourceAsStream("/openapi.json")) {
            this.openApi = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("openapi.json is missing from the server's resources", e);
        }
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/openapi.json", Access.PUBLIC, 0, c -> new Reply.Bytes(200, "application/json", openApi)),
                new Route(HandlerType.GET, "/health", Access.PUBLIC, 0, c -> Reply.ok(health())),
                new Route(HandlerType.GET, "/repo/<path>", Access.PUBLIC, 0, this::file));
    }

    /**
     * Up, and how far this instance's audit is behind the fleet feed: {@code status} is {@code ok},
     * {@code loading} (the audit is being built) or {@code behind} (events committed by any instance
     * not applied here for more than a second); always 200, so that a slow instance keeps serving
     * check-ins while a load balancer may route audit queries elsewhere.
     */
    private Map<String, Object> health() {
        org.klp.server.audit.AuditService.Status s = audit.status();
        org.klp.server.audit.AuditService.Lag lag = s.lag();
        String status = !s.ready() ? "loading" : lag.behind().toMillis() > 1000 ? "behind" : "ok";
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("status", status);
        out.put("instance", lag.instance());
        out.put("auditBehindEvents", lag.behindEvents());
        out.put("auditBehindMillis", lag.behind().toMillis());
        return out;
    }

    /**
     * A file of a product's repository. The repositories are static files, written atomically by
     * the publisher: any HTTP server or mirror can serve the same folder instead. Only what a
     * repository publishes is served: no part of the path may be hidden (the publisher's
     * {@code .klp-pack} cache, temporary files), and the file must really lie in the repositories'
     * folder (no symbolic link leads out of it).
     */
    private Reply file(Call call) throws IOException {
        String path = call.path("path");
        Path file = reposDir.resolve(path).normalize();
        if (!file.startsWith(reposDir) || file.equals(reposDir) || path.contains("..") || path.contains("\\")) {
            throw notFound(path);
        }
        for (Path part : reposDir.relativize(file)) {
            if (part.toString().startsWith(".")) {
                throw notFound(path);
            }
        }
        if (!Files.isRegularFile(file) || !file.toRealPath().startsWith(reposDir.toRealPath())) {
            throw notFound(path);
        }
        String name = file.getFileName().toString();
        String type = name.endsWith(".xml") ? "application/xml" : name.endsWith(".rpm") ? "application/x-rpm"
                : name.endsWith(".gz") ? "application/gzip" : name.endsWith(".asc") || name.endsWith(".key") ? "text/plain" : "application/octet-stream";
        return new Reply.Bytes(200, type, Files.readAllBytes(file));
    }

    private static NotFound notFound(String path) {
        return new NotFound("no such repository file: " + Quote.clip(path, 200));
    }
}
