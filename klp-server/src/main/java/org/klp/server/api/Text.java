package org.klp.server.api;

/**
 * Caller input quoted back in a refusal: clipped, and with control characters shown as {@code ?},
 * so that an answer stays small and a log line stays one line whatever the caller sent.
 */
final class Text {

    private Text() {
    }

    static String clip(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 1);
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
        }
        return s.length() > max ? sb.append('…').toString() : sb.toString();
    }
}
