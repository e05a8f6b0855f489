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
        Printable.require(s, field, max, false);
        return s;
    }
}
