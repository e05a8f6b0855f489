package org.klp.server.service;

/** A caller's value quoted back in a refusal: clipped, control characters shown as {@code ?}. */
public final class Quote {

    private Quote() {
    }

    public static String clip(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
        }
        return s.length() > max ? sb.append('…').toString() : sb.toString();
    }
}
