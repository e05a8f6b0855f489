package org.klp.server.api;

import org.klp.server.service.Quote;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.util.stream.Collectors;

/**
 * Request and response bodies as typed records, read strictly: an unknown field, a value of the
 * wrong type (no coercion of {@code "5"} to 5 or of 5 to {@code "5"}), a missing primitive, a
 * trailing token or a value a record's constructor refuses is a 400 naming the field.
 */
public final class JsonCodec {

    static final int MAX_DEPTH = 32;
    static final int MAX_STRING = 1 << 20;
    private static final ObjectMapper MAPPER = build();
    /** A reader per body type, made once: making one per request looked its deserializer up every time. */
    private static final ClassValue<com.fasterxml.jackson.databind.ObjectReader> STRICT_READERS = new ClassValue<>() {
        @Override
        protected com.fasterxml.jackson.databind.ObjectReader computeValue(Class<?> type) {
            return MAPPER.readerFor(type);
        }
    };
    private static final ClassValue<com.fasterxml.jackson.databind.ObjectReader> LENIENT_READERS = new ClassValue<>() {
        @Override
        protected com.fasterxml.jackson.databind.ObjectReader computeValue(Class<?> type) {
            return MAPPER.readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        }
    };

    private JsonCodec() {
    }

    private static ObjectMapper build() {
        JsonMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .serializationInclusion(JsonInclude.Include.ALWAYS)
                .addModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                // the domain's closed types (desired action, on-timeout, rollout state) go on the wire as their words
                .enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
                .enable(DeserializationFeature.READ_ENUMS_USING_TO_STRING)
                .build();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_STRING).build());
        m.coercionConfigDefaults().setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.String, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Float, CoercionAction.TryConvert)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.TryConvert);
        m.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Boolean, CoercionAction.TryConvert);
        return m;
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Reads a body as {@code type}; throws a 400 {@link ApiException} saying what is wrong. */
    public static <T> T read(byte[] body, Class<T> type) {
        return read(body, type, STRICT_READERS.get(type));
    }

    /**
     * Reads a body as {@code type}, ignoring fields the type does not have, and otherwise as
     * strictly as {@link #read}: for SCC's {@code /connect} API, whose clients of many versions
     * send more than a server uses. Every field the type has is still checked.
     */
    public static <T> T readIgnoringUnknownFields(byte[] body, Class<T> type) {
        return read(body, type, LENIENT_READERS.get(type));
    }

    private static <T> T read(byte[] body, Class<T> type, com.fasterxml.jackson.databind.ObjectReader reader) {
        if (body.length == 0) {
            throw ApiException.badRequest("the request needs a JSON body");
        }
        try {
            T value = reader.readValue(body);
            if (value == null) {
                throw ApiException.badRequest("the request body must be a JSON object, not null");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown field \"" + Quote.clip(e.getPropertyName(), 100) + "\"" + where(e) + " (known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")");
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof NullPointerException) {
                throw ApiException.badRequest("missing value" + where(e) + (cause.getMessage() == null ? "" : ": " + Quote.clip(cause.getMessage(), 100)
                        + " is required"));
            }
            // the constructors' own refusals: sentences about the value, written for callers
            throw ApiException.badRequest("invalid value" + where(e) + ": " + Quote.clip(String.valueOf(cause.getMessage()), 300));
        } catch (InvalidFormatException e) {
            throw ApiException.badRequest("wrong type" + where(e) + ": " + Quote.clip(String.valueOf(e.getValue()), 60) + " is not "
                    + jsonType(e.getTargetType()));
        } catch (MismatchedInputException e) {
            throw ApiException.badRequest("wrong type or missing value" + where(e) + ": expected " + jsonType(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw ApiException.badRequest("invalid value" + where(e));
        } catch (StreamConstraintsException e) {
            throw ApiException.badRequest("the JSON is nested deeper than " + MAX_DEPTH + " levels or holds a string longer than " + MAX_STRING
                    + " characters");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + Quote.clip(e.getOriginalMessage(), 200)
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the request body: it ended early or is not UTF-8 text");
        }
    }

    /** A Java type as a JSON document names it: callers see JSON terms, never the server's classes. */
    private static String jsonType(Class<?> type) {
        if (type == null) {
            return "a value";
        }
        if (type == String.class || type.isEnum()) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class || type == Short.class || type == short.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isArray() || java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String where(JsonMappingException e) {
        String path = e.getPath().stream().map(r -> r.getFieldName() != null ? Quote.clip(r.getFieldName(), 60) : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return path.isEmpty() ? "" : " at \"" + path + "\"";
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write JSON: " + e.getMessage(), e);
        }
    }
}
