package org.klp.core.patch;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One fix a live patch carries: a CVE ({@code CVE-2024-50115}) or a bug
 * ({@code bsc#1233019}), its CVSS v3 base score (0.0 for fixes without one, such as most bug
 * fixes), a one-line summary, the other ids it is known by, why it exists, and whether it changes
 * data structures (which makes it impossible to live patch: see {@code ScopePolicy}).
 */
public record Fix(String id, double cvss, String summary, List<String> references,
                  FixCategory category, boolean changesDataStructures) {

    /** CVE-YYYY-N: N has four digits or more, and at most 19 so that every id fits where it is stored (30 characters). */
    private static final Pattern CVE = Pattern.compile("CVE-\\d{4}-\\d{4,19}");
    private static final Pattern BUG = Pattern.compile("[a-z]{2,10}#[A-Za-z0-9-]{1,40}");

    public Fix {
        id = normalizeId(id);
        if (Double.isNaN(cvss) || cvss < 0.0 || cvss > 10.0) {
            throw new IllegalArgumentException("CVSS score of " + id + " out of range: " + cvss + " (expected 0.0 to 10.0)");
        }
        summary = summary == null ? "" : summary.strip();
        references = List.copyOf(references == null ? List.of() : references.stream().map(Fix::normalizeId).toList());
        Objects.requireNonNull(category, "category");
    }

    /** A security fix with a score, as most live patch fixes are. */
    public static Fix security(String id, double cvss, String summary, String... references) {
        return new Fix(id, cvss, summary, List.of(references), FixCategory.SECURITY, false);
    }

    /** Checks and normalizes a fix id: {@code cve-2024-1} style ids are upper-cased, bug ids lower-cased before the '#'. */
    public static String normalizeId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("A fix needs an id (expected a CVE such as CVE-2024-50115 or a bug such as bsc#1233019)");
        }
        String trimmed = id.strip();
        String upper = trimmed.toUpperCase(Locale.ROOT);
        if (CVE.matcher(upper).matches()) {
            return upper;
        }
        int hash = trimmed.indexOf('#');
        if (hash > 0) {
            String bug = trimmed.substring(0, hash).toLowerCase(Locale.ROOT) + trimmed.substring(hash);
            if (BUG.matcher(bug).matches()) {
                return bug;
            }
        }
        throw new IllegalArgumentException("Not a fix id: '" + id + "' (expected a CVE such as CVE-2024-50115 or a bug such as bsc#1233019)");
    }

    public boolean isCve() {
        return id.startsWith("CVE-");
    }

    /** Every id this fix is known by: its own, then its references. */
    public List<String> allIds() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(id), references.stream()).distinct().toList();
    }
}
