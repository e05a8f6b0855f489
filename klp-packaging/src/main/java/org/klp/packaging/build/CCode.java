package org.klp.packaging.build;

/**
 * Just enough C lexing to find function definitions in a fix's sources: comments and literals
 * blanked (lengths and line breaks kept, so offsets and line numbers stay true), parentheses
 * matched, brace depth counted. Not a C parser: the compiler has the last word, and its errors
 * are reported as they are.
 */
final class CCode {

    private CCode() {
    }

    static String blankCommentsAndStrings(String src) {
        char[] c = src.toCharArray();
        int i = 0;
        while (i < c.length) {
            if (c[i] == '/' && i + 1 < c.length && c[i + 1] == '*') {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? c.length : end + 2;
                blank(c, i, end);
                i = end;
            } else if (c[i] == '/' && i + 1 < c.length && c[i + 1] == '/') {
                int end = src.indexOf('\n', i);
                end = end < 0 ? c.length : end;
                blank(c, i, end);
                i = end;
            } else if (c[i] == '"' || c[i] == '\'') {
                char quote = c[i];
                int j = i + 1;
                while (j < c.length && c[j] != quote && c[j] != '\n') {
                    j += c[j] == '\\' ? 2 : 1;
                }
                j = Math.min(j + 1, c.length);
                blank(c, i + 1, j - 1);
                i = j;
            } else if (c[i] == '#' && lineStart(c, i)) {
                // preprocessor lines (with continuations) are not code
                int j = i;
                while (j < c.length && !(c[j] == '\n' && c[j - 1] != '\\')) {
                    j++;
                }
                blank(c, i, j);
                i = j;
            } else {
                i++;
            }
        }
        return new String(c);
    }

    private static boolean lineStart(char[] c, int i) {
        for (int j = i - 1; j >= 0 && c[j] != '\n'; j--) {
            if (!Character.isWhitespace(c[j])) {
                return false;
            }
        }
        return true;
    }

    private static void blank(char[] c, int from, int to) {
        for (int k = Math.max(0, from); k < Math.min(to, c.length); k++) {
            if (c[k] != '\n') {
                c[k] = ' ';
            }
        }
    }

    /** The index of the ')' matching the '(' at {@code open}, or -1. */
    static int matchingParen(String code, int open) {
        int depth = 0;
        for (int i = open; i < code.length(); i++) {
            char ch = code.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Brace depth at {@code index}: 0 at file scope. */
    static int depthAt(String code, int index) {
        int depth = 0;
        for (int i = 0; i < index; i++) {
            char ch = code.charAt(i);
            if (ch == '{') {
                depth++;
            } else if (ch == '}') {
                depth--;
            }
        }
        return depth;
    }

    /** Skips white space and {@code __attribute__((…))}/{@code __must_check}-style words after a parameter list. */
    static int skipAttributesAndSpace(String code, int from) {
        int i = from;
        while (true) {
            while (i < code.length() && Character.isWhitespace(code.charAt(i))) {
                i++;
            }
            if (code.startsWith("__attribute__", i)) {
                int open = code.indexOf('(', i);
                int close = open < 0 ? -1 : matchingParen(code, open);
                if (close < 0) {
                    return code.length();
                }
                i = close + 1;
            } else {
                return i;
            }
        }
    }

    /** The text of the declaration before a function name: back to the previous ';', '}' or file start. */
    static String declarationHead(String code, int nameStart) {
        int i = nameStart - 1;
        while (i >= 0 && code.charAt(i) != ';' && code.charAt(i) != '}' && code.charAt(i) != '{') {
            i--;
        }
        return code.substring(i + 1, nameStart);
    }

    static int lineOf(String code, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
