package org.klp.server.export;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A CVSS v3.0 or v3.1 base vector and the base score and severity FIRST's specification computes
 * from it. CSAF wants the score to be the vector's own (validators recompute it), so exports take
 * the score from here, not from the feed's number: a feed may round differently or disagree.
 *
 * <p>Only the eight base metrics are kept; temporal and environmental ones of the feed's vector are
 * left out of {@link #vector()}, since only the base score is published.
 */
public record CvssV3(String version, Map<String, String> metrics) {

    static final List<String> BASE = List.of("AV", "AC", "PR", "UI", "S", "C", "I", "A");

    /** Parses a vector such as {@code CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H}; empty when it lacks a base metric or is not v3. */
    public static Optional<CvssV3> parse(String vector) {
        if (vector == null || !(vector.startsWith("CVSS:3.0/") || vector.startsWith("CVSS:3.1/"))) {
            return Optional.empty();
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String part : vector.substring(9).split("/")) {
            int colon = part.indexOf(':');
            if (colon <= 0 || m.put(part.substring(0, colon), part.substring(colon + 1)) != null) {
                return Optional.empty();
            }
        }
        Map<String, String> base = new LinkedHashMap<>();
        for (String metric : BASE) {
            String v = m.get(metric);
            if (v == null || weight(metric, v, "U") < 0) {
                return Optional.empty();
            }
            base.put(metric, v);
        }
        return Optional.of(new CvssV3(vector.substring(5, 8), base));
    }

    /** The base vector in the specification's metric order. */
    public String vector() {
        StringBuilder sb = new StringBuilder("CVSS:").append(version);
        metrics.forEach((k, v) -> sb.append('/').append(k).append(':').append(v));
        return sb.toString();
    }

    public double baseScore() {
        String scope = metrics.get("S");
        double iss = 1 - (1 - weight("C", metrics.get("C"), scope)) * (1 - weight("I", metrics.get("I"), scope))
                * (1 - weight("A", metrics.get("A"), scope));
        double impact = scope.equals("U") ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
        double exploitability = 8.22 * weight("AV", metrics.get("AV"), scope) * weight("AC", metrics.get("AC"), scope)
                * weight("PR", metrics.get("PR"), scope) * weight("UI", metrics.get("UI"), scope);
        if (impact <= 0) {
            return 0.0;
        }
        double raw = scope.equals("U") ? Math.min(impact + exploitability, 10) : Math.min(1.08 * (impact + exploitability), 10);
        return roundUp(raw);
    }

    /** NONE, LOW, MEDIUM, HIGH or CRITICAL. */
    public String baseSeverity() {
        double s = baseScore();
        return s == 0 ? "NONE" : s < 4 ? "LOW" : s < 7 ? "MEDIUM" : s < 9 ? "HIGH" : "CRITICAL";
    }

    /** Rounds up to one decimal: v3.1's integer-based Roundup (exact where floating point is not), v3.0's ceiling. */
    private double roundUp(double x) {
        if (version.equals("3.0")) {
            return Math.ceil(x * 10) / 10;
        }
        long i = Math.round(x * 100_000);
        return i % 10_000 == 0 ? i / 100_000.0 : BigDecimal.valueOf(i / 10_000 + 1).movePointLeft(1).doubleValue();
    }

    /** The metric value's weight; -1 for a value the metric does not have. */
    private static double weight(String metric, String value, String scope) {
        return switch (metric + ":" + value) {
            case "AV:N" -> 0.85;
            case "AV:A" -> 0.62;
            case "AV:L" -> 0.55;
            case "AV:P" -> 0.2;
            case "AC:L" -> 0.77;
            case "AC:H" -> 0.44;
            case "PR:N" -> 0.85;
            case "PR:L" -> scope.equals("C") ? 0.68 : 0.62;
            case "PR:H" -> scope.equals("C") ? 0.5 : 0.27;
            case "UI:N" -> 0.85;
            case "UI:R" -> 0.62;
            case "S:U", "S:C" -> 0;
            case "C:H", "I:H", "A:H" -> 0.56;
            case "C:L", "I:L", "A:L" -> 0.22;
            case "C:N", "I:N", "A:N" -> 0;
            default -> -1;
        };
    }
}
