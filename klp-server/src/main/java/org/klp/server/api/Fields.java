package org.klp.server.api;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.Quote;
import org.klp.core.rollout.GroupPolicy;

/**
 * Values of a request's fields and parameters as typed values, each refused with its field's name
 * and what it should look like: the API's resources read requests through these, never by hand.
 */
final class Fields {

    /** Longer than any release a distribution builds; the catalog's columns hold 100. */
    static final int MAX_KERNEL = 100;

    private Fields() {
    }

    static <T> T required(T value, String field) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            throw new InvalidInput(field, field + " is required");
        }
        return value;
    }

    static KernelRelease kernel(String text, String field) {
        if (text == null || text.length() > MAX_KERNEL) {
            throw new InvalidInput(field, field + " must be a kernel release of at most " + MAX_KERNEL + " characters such as"
                    + " 5.14.21-150500.55.49-default, was " + (text == null ? "missing" : "'" + Quote.clip(text, 40) + "'"));
        }
        try {
            return KernelRelease.parseAny(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, Quote.clip(e.getMessage(), 300));
        }
    }

    static String group(String name, String field) {
        try {
            GroupPolicy.requireName(name);
            return name;
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, Quote.clip(e.getMessage(), 300));
        }
    }

    static LocalDate date(String text, String field) {
        try {
            LocalDate d = LocalDate.parse(text);
            if (d.getYear() < 1970 || d.getYear() > 9999) {
                throw new DateTimeParseException("out of range", text, 0);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new InvalidInput(field, field + " must be a date from 1970 to 9999 such as 2024-11-05, was '" + Quote.clip(text, 40) + "'");
        }
    }

    static Instant instant(String text, String field) {
        try {
            Instant i = Instant.parse(text);
            if (i.isBefore(Instant.EPOCH) || i.isAfter(Instant.parse("9999-12-31T23:59:59Z"))) {
                throw new DateTimeParseException("out of range", text, 0);
            }
            return i;
        } catch (DateTimeParseException e) {
            throw new InvalidInput(field, field + " must be an ISO-8601 instant from 1970 to 9999 such as 2026-12-31T00:00:00Z, was '"
                    + Quote.clip(text, 40) + "'");
        }
    }

    static byte[] base64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, field + " must be base64: " + Quote.clip(e.getMessage(), 100));
        }
    }

    static long range(long value, long min, long max, String field) {
        if (value < min || value > max) {
            throw new InvalidInput(field, field + " must be from " + min + " to " + max + ", was " + value);
        }
        return value;
    }
}
