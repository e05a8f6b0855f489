package org.klp.core.patch;

/** Why a fix exists; the scope policy reads it. */
public enum FixCategory {
    SECURITY,
    STABILITY,
    DATA_CORRUPTION,
    OTHER;

    /** Parses {@code security}, {@code stability}, {@code data-corruption} or {@code other}, any case. */
    public static FixCategory parse(String text) {
        if (text != null) {
            String key = text.strip().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            for (FixCategory c : values()) {
                if (c.name().equals(key)) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException("Not a fix category: '" + text
                + "' (expected security, stability, data-corruption or other)");
    }

    /** The lower-case, hyphenated name used in files and JSON. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
