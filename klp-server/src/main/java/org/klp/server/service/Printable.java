package org.klp.server.service;

/**
 * Text that every later reader shows as it was meant: no control characters (PostgreSQL refuses
 * NUL in text; a terminal, a log line or a CSV row would be broken by the others), no broken UTF-16
 * (a lone surrogate becomes '?' or an error depending on the reader). Where {@code lines} is true,
 * tabs and line breaks are allowed (an apply message, a CVE summary).
 */
public final class Printable {

    private Printable() {
    }

    /** {@code value} when it is printable and at most {@code max} characters; otherwise {@link InvalidInput} naming {@code field}. */
    public static String require(String value, String field, int max, boolean lines) {
        if (value.length() > max) {
            throw new InvalidInput(field, field + " is " + value.length() + " characters long; at most " + max);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new InvalidInput(field, field + " holds broken UTF-16 (a lone surrogate) at position " + i);
            } else if (Character.isISOControl(c) && !(lines && (c == '\n' || c == '\t' || c == '\r'))) {
                throw new InvalidInput(field, field + " holds the control character U+" + String.format("%04X", (int) c) + " at position " + i);
            }
        }
        return value;
    }
}
