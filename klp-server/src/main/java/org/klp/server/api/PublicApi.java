package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What anyone may read: the API description, a health check, and the static package repositories. */
final class PublicApi {

    private final Path reposDir;
    private final byte[] openApi;

    PublicApi(Path reposDir) {
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
                new Route(HandlerType.GET, "/health", Access.PUBLIC, 0, c -> Reply.ok(Map.of("status", "ok"))),
                new Route(HandlerType.GET, "/repo/<path>", Access.PUBLIC, 0, this::file));
    }

    /**
     * A file of a product's repository. The repositories are static files, written atomically by
     * the publisher: any HTTP server or mirror can serve the same folder instead.
     */
    private Reply file(Call call) throws IOException {
        String path = call.path("path");
        Path file = reposDir.resolve(path).normalize();
        if (!file.startsWith(reposDir) || path.contains("..") || file.getFileName().toString().startsWith(".")) {
            throw ApiException.notFound("no such repository file: " + path);
        }
        if (!Files.isRegularFile(file)) {
            throw ApiException.notFound("no such repository file: " + path);
        }
        String name = file.getFileName().toString();
        String type = name.endsWith(".xml") ? "application/xml" : name.endsWith(".rpm") ? "application/x-rpm"
                : name.endsWith(".gz") ? "application/gzip" : name.endsWith(".asc") || name.endsWith(".key") ? "text/plain" : "application/octet-stream";
        return new Reply.Bytes(200, type, Files.readAllBytes(file));
    }
}
