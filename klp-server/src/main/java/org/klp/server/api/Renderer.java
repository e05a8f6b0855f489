package org.klp.server.api;

import org.klp.server.service.Quote;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Makes the bytes of an answer from a route's {@link Reply}: JSON of any view, or CSV of a
 * {@link Tabular} view when the caller asked {@code format=csv}. One place, so that every
 * resource's CSV follows the same rules (RFC 4180, see {@link Csv}) and a route cannot forget them.
 */
final class Renderer {

    /** The representation a caller asked for with {@code format}. */
    enum Format {
        JSON, CSV;

        static Format parse(String text) {
            if (text == null || text.isEmpty() || text.equals("json")) {
                return JSON;
            }
            if (text.equals("csv")) {
                return CSV;
            }
            throw ApiException.badRequest("format must be json (the default) or csv, was '" + Quote.clip(text, 40) + "'");
        }
    }

    /** The content type and bytes of a view in {@code format}. */
    record Rendered(String contentType, byte[] body) {
    }

    private Renderer() {
    }

    static Rendered render(Object view, Format format, String request) {
        if (format == Format.CSV) {
            if (!(view instanceof Tabular t)) {
                throw ApiException.badRequest(request + " has no CSV form; leave out format=csv");
            }
            return new Rendered("text/csv; charset=utf-8", csv(t).getBytes(StandardCharsets.UTF_8));
        }
        return new Rendered("application/json", JsonCodec.write(view));
    }

    static String csv(Tabular t) {
        Csv out = Csv.withHeader(t.columns().toArray(String[]::new));
        for (List<Object> row : t.rows()) {
            if (row.size() != t.columns().size()) {
                throw new IllegalStateException("a CSV row has " + row.size() + " fields for " + t.columns().size() + " columns");
            }
            out.row(row.toArray());
        }
        return out.toString();
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
