package org.klp.cli.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/** One line of the host's history: when, which operation on which patch, and how it ended. */
public record HistoryEvent(Instant at, String operation, String patch, String result, String message) {

    private static final JsonFactory JSON = new JsonFactory();

    public String toJson() {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("at", at.toString());
            g.writeStringField("operation", operation);
            g.writeStringField("patch", patch);
            g.writeStringField("result", result);
            g.writeStringField("message", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static HistoryEvent parse(String line) {
        Map<String, String> v = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME) {
                    throw new IllegalArgumentException("unexpected " + t);
                }
                String name = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException("\"" + name + "\" must be a string");
                }
                v.put(name, p.getText());
            }
            return new HistoryEvent(Instant.parse(v.getOrDefault("at", "")), v.getOrDefault("operation", ""),
                    v.getOrDefault("patch", ""), v.getOrDefault("result", ""), v.getOrDefault("message", ""));
        } catch (IOException | DateTimeParseException e) {
            throw new IllegalArgumentException("not a history event: " + e.getMessage(), e);
        }
    }
}
