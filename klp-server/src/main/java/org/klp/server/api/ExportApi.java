package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import org.klp.core.audit.CveRecord;
import org.klp.server.export.CsafVex;
import org.klp.server.export.ExportCatalog;
import org.klp.server.export.ExportScope;
import org.klp.server.export.ExportSource;
import org.klp.server.export.OvalDefinitions;

/**
 * The catalog in the formats scanners read (admin token): OVAL definitions per CVE, and a CSAF VEX
 * document per CVE. Thin: the scope from the query, the export from {@code org.klp.server.export}.
 * OVAL's scope: {@code product} (IDENTIFIER/VERSION/ARCH, with its extensions' kernels) or
 * {@code stream} (a kernel stream), and optionally {@code cve}. CSAF documents always cover every
 * kernel of the CVE's streams: a document is the same whoever asks, as its tracking id promises.
 */
final class ExportApi {

    private final ExportSource source;
    private final Supplier<String> baseUrl;

    ExportApi(ExportSource source, Supplier<String> baseUrl) {
        this.source = source;
        this.baseUrl = baseUrl;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/export/oval", Access.ADMIN, 0, this::oval),
                new Route(HandlerType.GET, "/api/v1/export/csaf", Access.ADMIN, 0, this::csaf),
                new Route(HandlerType.GET, "/api/v1/export/csaf/{document}", Access.ADMIN, 0, this::csafDocument));
    }

    private CsafVex.Publisher publisher() {
        return new CsafVex.Publisher("klp live patching service", baseUrl.get());
    }

    /** With {@code cve}: that CVE's document; without: the list of documents, one per CVE with a kernel of the catalog. */
    private Reply csaf(Call call) {
        if (call.query("product") != null || call.query("stream") != null) {
            throw ApiException.badRequest("CSAF documents cover every kernel of their CVE's streams (one document per CVE, the same whoever"
                    + " asks); give cve=ID only, or nothing for the list");
        }
        String cve = call.query("cve");
        String format = call.query("format");
        if (format != null && !format.equals("json") && !format.equals("zip")) {
            throw ApiException.badRequest("format must be json (the default) or zip (documents of the CVEs given by cves=ID,ID…), was '" + format + "'");
        }
        if ("zip".equals(format)) {
            return zip(call);
        }
        if (call.query("cves") != null) {
            throw ApiException.badRequest("cves lists the documents of a zip: add format=zip");
        }
        if (cve != null) {
            return csaf(call, cve);
        }
        ExportCatalog catalog = read(ExportScope.ALL);
        CsafVex.Publisher publisher = publisher();
        List<Map<String, Object>> documents = new ArrayList<>();
        for (CveRecord r : catalog.cves()) {
            if (CsafVex.hasProducts(catalog, r)) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("cve", r.id());
                d.put("file", CsafVex.fileName(r.id()));
                d.put("url", publisher.url(r.id()));
                documents.add(d);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("publisher", publisher.name());
        out.put("total", documents.size());
        out.put("documents", documents);
        return Reply.ok(out);
    }

    /** The most documents one zip holds: a page's worth; a whole catalog is {@code klp-server export csaf}'s folder. */
    static final int ZIP_LIMIT = 1000;

    /**
     * The documents of the CVEs listed ({@code cves=ID,ID…}) in one zip with {@code index.txt}, as a
     * CSAF provider's folder holds them; CVEs that name no stream of the catalog have no document and
     * are left out (the index says which are in).
     */
    private Reply zip(Call call) {
        String list = call.query("cves");
        if (list == null) {
            throw ApiException.badRequest("format=zip needs cves=ID,ID… (at most " + ZIP_LIMIT + "); every document of the catalog is"
                    + " klp-server export csaf --output DIR");
        }
        java.util.TreeSet<String> ids = new java.util.TreeSet<>();
        for (String part : list.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                ids.add(new ExportScope(null, null, part.strip()).cve());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            if (ids.size() > ZIP_LIMIT) {
                throw ApiException.badRequest("at most " + ZIP_LIMIT + " CVEs in one zip; every document of the catalog is klp-server export csaf"
                        + " --output DIR");
            }
        }
        ExportCatalog catalog = read(ExportScope.ALL);
        CsafVex.Publisher publisher = publisher();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        List<String> files = new ArrayList<>();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(bytes)) {
            for (String id : ids) {
                java.util.Optional<CveRecord> r = catalog.cve(id);
                if (r.isEmpty()) {
                    throw ApiException.notFound("no CVE record " + id + "; import it with the CVE feed (POST /api/v1/cves)");
                }
                if (!CsafVex.hasProducts(catalog, r.get())) {
                    continue;
                }
                String file = CsafVex.fileName(id);
                zip.putNextEntry(new java.util.zip.ZipEntry(file));
                zip.write(CsafVex.bytes(CsafVex.document(catalog, id, publisher)));
                zip.closeEntry();
                files.add(file);
            }
            zip.putNextEntry(new java.util.zip.ZipEntry("index.txt"));
            zip.write((String.join("\n", files) + (files.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        call.responseHeader("Content-Disposition", "attachment; filename=\"klp-csaf-vex.zip\"");
        return new Reply.Bytes(200, "application/zip", bytes.toByteArray());
    }

    private Reply csafDocument(Call call) {
        try {
            return csaf(call, CsafVex.cveOfFileName(call.path("document")));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    private Reply csaf(Call call, String cve) {
        ExportScope scope;
        try {
            scope = new ExportScope(null, null, cve);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ExportCatalog catalog = read(scope);
        byte[] body;
        try {
            body = CsafVex.bytes(CsafVex.document(catalog, scope.cve(), publisher()));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        }
        call.responseHeader("Content-Disposition", "attachment; filename=\"" + CsafVex.fileName(scope.cve()) + "\"");
        return new Reply.Bytes(200, "application/json", body);
    }

    private Reply oval(Call call) {
        ExportCatalog catalog = read(scope(call));
        call.responseHeader("Content-Disposition", "attachment; filename=\"" + fileName("klp-oval", call) + ".xml\"");
        return new Reply.Bytes(200, "application/xml; charset=utf-8", OvalDefinitions.render(catalog).getBytes(StandardCharsets.UTF_8));
    }

    private static ExportScope scope(Call call) {
        try {
            String kernel = call.query("kernel");
            if (kernel != null) {
                if (call.query("product") != null || call.query("stream") != null) {
                    throw new IllegalArgumentException("give a product, a kernel stream or a kernel, only one of them");
                }
                return ExportScope.ofKernel(kernel, call.query("cve"));
            }
            return new ExportScope(call.query("product"), call.query("stream"), call.query("cve"));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private ExportCatalog read(ExportScope scope) {
        try {
            return source.read(scope);
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    /** A file name for downloads: the export and its scope, in characters any file system takes. */
    static String fileName(String export, Call call) {
        StringBuilder name = new StringBuilder(export);
        for (String p : new String[] {call.query("product"), call.query("stream"), call.query("kernel"), call.query("cve")}) {
            if (p != null) {
                name.append('-').append(p.replaceAll("[^A-Za-z0-9._-]", "_"));
            }
        }
        return name.toString();
    }
}
