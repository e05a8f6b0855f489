package org.klp.core.audit;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a fleet's measured worst-verdict mix is the workload a benchmark meant to measure. A
 * bench whose fleet collapses (every host stale, none loaded, one verdict for all) measures a
 * different problem, so it refuses to report figures on it.
 *
 * @param tolerance the largest difference, in share of hosts, allowed between the intended and
 *                  the measured share of any verdict (0.03: three percentage points)
 */
public record MixCheck(double tolerance) {

    /** A single verdict holding more than this share of the hosts is degenerate whatever was intended. */
    public static final double MOST_IN_ONE_VERDICT = 0.9;

    public MixCheck {
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("A mix tolerance is a share between 0 and 1, was " + tolerance);
        }
    }

    /**
     * Why {@code measured} (hosts per worst verdict) is not the {@code intended} mix (shares summing
     * to 1) of {@code expectedHosts} hosts, or empty when it is.
     */
    public Optional<String> refusal(Map<Verdict, Integer> measured, Map<Verdict, Double> intended, int expectedHosts) {
        long hosts = measured.values().stream().mapToLong(Integer::longValue).sum();
        if (hosts != expectedHosts) {
            return Optional.of(String.format(Locale.ROOT, "the audit holds %,d hosts, the fleet has %,d", hosts, expectedHosts));
        }
        for (Map.Entry<Verdict, Integer> e : measured.entrySet()) {
            if (e.getValue() > MOST_IN_ONE_VERDICT * hosts) {
                return Optional.of(String.format(Locale.ROOT, "%.1f%% of the hosts are %s: one verdict is not a fleet", 100.0 * e.getValue() / hosts,
                        e.getKey()));
            }
        }
        StringBuilder off = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            double want = intended.getOrDefault(v, 0.0);
            double got = measured.getOrDefault(v, 0) / (double) hosts;
            if (Math.abs(got - want) > tolerance) {
                off.append(String.format(Locale.ROOT, "%s%s %.1f%% (intended %.1f%%)", off.isEmpty() ? "" : ", ", v, 100 * got, 100 * want));
            }
        }
        return off.isEmpty() ? Optional.empty()
                : Optional.of(String.format(Locale.ROOT, "the mix is more than %.1f points from the intended one: %s", 100 * tolerance, off));
    }

    /** A mix of shares: {@code VERDICT share%}, every verdict. */
    public static String describe(Map<Verdict, Double> shares) {
        StringBuilder sb = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            sb.append(String.format(Locale.ROOT, "%s%s %.1f%%", sb.isEmpty() ? "" : ", ", v, 100 * shares.getOrDefault(v, 0.0)));
        }
        return sb.toString();
    }

    /** The mix side by side: {@code VERDICT measured% (intended%)}, every verdict. */
    public static String describe(Map<Verdict, Integer> measured, Map<Verdict, Double> intended) {
        long hosts = Math.max(1, measured.values().stream().mapToLong(Integer::longValue).sum());
        StringBuilder sb = new StringBuilder();
        for (Verdict v : Verdict.values()) {
            sb.append(String.format(Locale.ROOT, "%s%s %.1f%% (%.1f%%)", sb.isEmpty() ? "" : ", ", v, 100.0 * measured.getOrDefault(v, 0) / hosts,
                    100 * intended.getOrDefault(v, 0.0)));
        }
        return sb.toString();
    }
}
