package org.klp.packaging.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading small JSON documents strictly with Jackson's streaming parser (no data binding, which
 * would cost the {@code klp} tool a hundred milliseconds at start): every error names the source,
 * line and column, and what was expected there.
 */
final class StrictJson {

    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(32).maxStringLength(1 << 20).maxNumberLength(64).build())
            .build();

    private final JsonParser parser;
    private final String source;

    StrictJson(JsonParser parser, String source) {
        this.parser = parser;
        this.source = source;
    }

    JsonParser parser() {
        return parser;
    }

    MalformedRecordException error(String what) {
        var at = parser.currentTokenLocation();
        return new MalformedRecordException(source + " line " + at.getLineNr() + " column " + at.getColumnNr() + ": " + what);
    }

    JsonToken next() throws IOException {
        JsonToken t = parser.nextToken();
        if (t == null) {
            throw error("the document ends too early");
        }
        return t;
    }

    void expect(JsonToken token, String what) throws IOException {
        if (next() != token) {
            throw error("expected " + what + ", found " + describe(parser.currentToken()));
        }
    }

    /** Advances to the next field of the current object; null at its end. */
    String nextField() throws IOException {
        JsonToken t = next();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw error("expected a field name, found " + describe(t));
        }
        return parser.currentName();
    }

    String string(String field) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_STRING) {
            throw error("\"" + field + "\" must be a string, found " + describe(t));
        }
        return parser.getText();
    }

    double number(String field) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw error("\"" + field + "\" must be a number, found " + describe(t));
        }
        return parser.getDoubleValue();
    }

    int integer(String field) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw error("\"" + field + "\" must be a whole number, found " + describe(t));
        }
        long v = parser.getLongValue();
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error("\"" + field + "\" is out of range: " + v);
        }
        return (int) v;
    }

    boolean bool(String field) throws IOException {
        JsonToken t = next();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw error("\"" + field + "\" must be true or false, found " + describe(t));
        }
        return t == JsonToken.VALUE_TRUE;
    }

    List<String> strings(String field) throws IOException {
        if (next() != JsonToken.START_ARRAY) {
            throw error("\"" + field + "\" must be an array of strings, found " + describe(parser.currentToken()));
        }
        List<String> out = new ArrayList<>();
        for (JsonToken t = next(); t != JsonToken.END_ARRAY; t = next()) {
            if (t != JsonToken.VALUE_STRING) {
                throw error("\"" + field + "\" must hold only strings, found " + describe(t));
            }
            out.add(parser.getText());
        }
        return out;
    }

    void requireEnd() throws IOException {
        JsonToken t = parser.nextToken();
        if (t != null) {
            throw error("unexpected " + describe(t) + " after the end of the document");
        }
    }

    /** Runs a value check, turning its IllegalArgumentException into an error at the current location. */
    <T> T checked(java.util.function.Supplier<T> build) {
        try {
            return build.get();
        } catch (MalformedRecordException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the document";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case END_OBJECT -> "the end of an object";
            case START_ARRAY -> "an array";
            case END_ARRAY -> "the end of an array";
            case FIELD_NAME -> "a field name";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }
}
