package org.klp.server.api;

import java.util.List;

/**
 * CSV as RFC 4180 writes it: a header row, then one row per record; fields with a comma, quote or
 * line break are quoted, quotes doubled; lines end with CRLF. Null is an empty field.
 */
public final class Csv {

    private final StringBuilder out = new StringBuilder();

    private Csv() {
    }

    public static Csv withHeader(String... columns) {
        Csv csv = new Csv();
        csv.row((Object[]) columns);
        return csv;
    }

    public Csv row(Object... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(field(fields[i]));
        }
        out.append("\r\n");
        return this;
    }

    public Csv rows(List<Object[]> rows) {
        rows.forEach(this::row);
        return this;
    }

    static String field(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
