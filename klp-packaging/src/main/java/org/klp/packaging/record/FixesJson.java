package org.klp.packaging.record;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

/**
 * The fixes file {@code klp-pack rpm --fixes FIXES.json} reads and every patch record holds: a
 * JSON array of objects
 *
 * <pre>{"id": "CVE-2024-50115", "cvss": 7.8, "summary": "KVM: nSVM: …", "references": ["bsc#1233019"],
 *  "category": "security", "changesDataStructures": false}</pre>
 *
 * Only {@code id} is required. {@code cvss} defaults to 0.0, {@code category} to
 * {@code security} for a CVE and {@code other} for a bug id, {@code changesDataStructures} to
 * false. Unknown fields, wrong types, malformed ids, scores outside 0–10 and duplicate ids are
 * refused with the line and column.
 */
public final class FixesJson {

    private FixesJson() {
    }

    public static List<Fix> read(String json, String source) {
        try (JsonParser p = StrictJson.FACTORY.createParser(json)) {
            StrictJson in = new StrictJson(p, source);
            in.expect(JsonToken.START_ARRAY, "an array of fixes");
            List<Fix> fixes = readArrayBody(in);
            in.requireEnd();
            return fixes;
        } catch (StreamReadException e) {
            throw new MalformedRecordException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + " column " + e.getLocation().getColumnNr() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads fix objects after the opening '[' up to and including the closing ']'. */
    static List<Fix> readArrayBody(StrictJson in) throws IOException {
        List<Fix> fixes = new ArrayList<>();
        Set<String> ids = new LinkedHashSet<>();
        for (JsonToken t = in.next(); t != JsonToken.END_ARRAY; t = in.next()) {
            if (t != JsonToken.START_OBJECT) {
                throw in.error("expected a fix object, found " + StrictJson.describe(t));
            }
            Fix fix = readFix(in);
            if (!ids.add(fix.id())) {
                throw in.error("fix " + fix.id() + " is listed twice");
            }
            fixes.add(fix);
        }
        return fixes;
    }

    private static Fix readFix(StrictJson in) throws IOException {
        String id = null;
        double cvss = 0.0;
        String summary = "";
        List<String> references = List.of();
        FixCategory category = null;
        boolean changesDataStructures = false;
        for (String field = in.nextField(); field != null; field = in.nextField()) {
            switch (field) {
                case "id" -> {
                    String raw = in.string(field);
                    id = in.checked(() -> Fix.normalizeId(raw));
                }
                case "cvss" -> cvss = in.number(field);
                case "summary" -> summary = in.string(field);
                case "references" -> references = in.strings(field);
                case "category" -> {
                    String raw = in.string(field);
                    category = in.checked(() -> FixCategory.parse(raw));
                }
                case "changesDataStructures" -> changesDataStructures = in.bool(field);
                default -> throw in.error("unknown field \"" + field
                        + "\" in a fix (known: id, cvss, summary, references, category, changesDataStructures)");
            }
        }
        if (id == null) {
            throw in.error("a fix needs an \"id\" (a CVE such as CVE-2024-50115 or a bug such as bsc#1233019)");
        }
        String fixId = id;
        FixCategory fixCategory = category != null ? category : fixId.startsWith("CVE-") ? FixCategory.SECURITY : FixCategory.OTHER;
        double score = cvss;
        String text = summary;
        List<String> refs = references;
        boolean dataStructures = changesDataStructures;
        return in.checked(() -> new Fix(fixId, score, text, refs, fixCategory, dataStructures));
    }

    public static String write(List<Fix> fixes) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = StrictJson.FACTORY.createGenerator(out)) {
            g.useDefaultPrettyPrinter();
            writeArray(g, fixes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString() + "\n";
    }

    static void writeArray(JsonGenerator g, List<Fix> fixes) throws IOException {
        g.writeStartArray();
        for (Fix f : fixes) {
            g.writeStartObject();
            g.writeStringField("id", f.id());
            g.writeNumberField("cvss", f.cvss());
            g.writeStringField("summary", f.summary());
            g.writeArrayFieldStart("references");
            for (String r : f.references()) {
                g.writeString(r);
            }
            g.writeEndArray();
            g.writeStringField("category", f.category().label());
            g.writeBooleanField("changesDataStructures", f.changesDataStructures());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
