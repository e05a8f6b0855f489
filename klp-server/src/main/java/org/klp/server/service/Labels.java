package org.klp.server.service;

/**
 * Names people give things (token and code labels, halt reasons): printable text of bounded
 * length, so that every later reader (the dashboard, CSV, a log line, a terminal) shows it as it
 * was meant and the column holds it.
 */
final class Labels {

    static final int MAX = 100;

    private Labels() {
    }

    static String require(String text, String field) {
        return require(text, field, MAX);
    }

    static String require(String text, String field, int max) {
        String s = text.strip();
        if (s.isEmpty()) {
            throw new InvalidInput(field, field + " is empty");
        }
        if (s.length() > max) {
            throw new InvalidInput(field, field + " is longer than " + max + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || (Character.isSurrogate(c) && !validPair(s, i))) {
                throw new InvalidInput(field, field + " holds a control character or broken UTF-16 at position " + i + "; use printable text");
            }
            if (Character.isHighSurrogate(c)) {
                i++;
            }
        }
        return s;
    }

    private static boolean validPair(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}
