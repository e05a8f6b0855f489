package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.NoSuchElementException;
import org.klp.server.export.ExportCatalog;
import org.klp.server.export.ExportScope;
import org.klp.server.export.ExportSource;
import org.klp.server.export.OvalDefinitions;

/**
 * The catalog in the formats scanners read (admin token): OVAL definitions per CVE. Thin: the scope
 * from the query, the export from {@code org.klp.server.export}. Scope: {@code product}
 * (IDENTIFIER/VERSION/ARCH, with its extensions' kernels) or {@code stream} (a kernel stream), and
 * optionally {@code cve}.
 */
final class ExportApi {

    private final ExportSource source;

    ExportApi(ExportSource source) {
        this.source = source;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.GET, "/api/v1/export/oval", Access.ADMIN, 0, this::oval));
    }

    private Reply oval(Call call) {
        ExportCatalog catalog = read(call);
        call.responseHeader("Content-Disposition", "attachment; filename=\"" + fileName("klp-oval", call) + ".xml\"");
        return new Reply.Bytes(200, "application/xml; charset=utf-8", OvalDefinitions.render(catalog).getBytes(StandardCharsets.UTF_8));
    }

    private ExportCatalog read(Call call) {
        ExportScope scope;
        try {
            scope = new ExportScope(call.query("product"), call.query("stream"), call.query("cve"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        try {
            return source.read(scope);
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    /** A file name for downloads: the export and its scope, in characters any file system takes. */
    static String fileName(String export, Call call) {
        StringBuilder name = new StringBuilder(export);
        for (String p : new String[] {call.query("product"), call.query("stream"), call.query("cve")}) {
            if (p != null) {
                name.append('-').append(p.replaceAll("[^A-Za-z0-9._-]", "_"));
            }
        }
        return name.toString();
    }
}
