package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web dashboard: static HTML, CSS and JavaScript modules from the server's resources
 * ({@code /dashboard/…} on the class path), served at {@code /dashboard/}, where {@code /} leads.
 * The files are public and hold no data: the page asks the operator for an admin token and reads
 * everything through the operators' API with it, as any other client does.
 *
 * <p>Only names of the form {@code a-z0-9-} (folders included) with an extension the dashboard
 * uses are looked up, so no request reaches another resource of the class path; a file is read
 * once and kept (they are few and small).
 */
final class Dashboard {

    static final String HOME = "/dashboard/";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*\\.(html|js|css|svg)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/", Access.PUBLIC, 0, c -> new Reply.Redirect(HOME)),
                new Route(HandlerType.GET, HOME, Access.PUBLIC, 0, c -> file(c, "index.html")),
                new Route(HandlerType.GET, HOME + "<path>", Access.PUBLIC, 0, c -> file(c, c.path("path"))));
    }

    private Reply file(Call call, String name) {
        Matcher m = NAME.matcher(name);
        Optional<byte[]> body = m.matches() ? read(name) : Optional.empty();
        if (body.isEmpty()) {
            throw ApiException.notFound("no such dashboard file: " + name + " (the dashboard is at " + HOME + ")");
        }
        // revalidate on every load: a server upgrade changes the files under the same names
        call.responseHeader("Cache-Control", "no-cache");
        return new Reply.Bytes(200, TYPES.get(m.group(1)), body.get());
    }

    private Optional<byte[]> read(String name) {
        byte[] cached = cache.get(name);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] data = in.readAllBytes();
            cache.put(name, data);
            return Optional.of(data);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read the dashboard's " + name + " from the server's resources", e);
        }
    }
}
