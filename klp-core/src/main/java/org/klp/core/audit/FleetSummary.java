package org.klp.core.audit;

import java.util.List;
import java.util.Map;

/**
 * The fleet across all CVEs. Every host is counted once, under its worst verdict, so the remedy
 * figures add up with the safe and unknown hosts to {@code hosts}: what it takes to make each host
 * safe from every known CVE.
 *
 * <ul>
 *   <li>{@code hostsByWorstVerdict}: each host counted once, under its worst verdict.</li>
 *   <li>{@code hostsAtRisk}: hosts whose worst verdict is at risk ({@link Verdict#atRisk()}).</li>
 *   <li>{@code fixableByLivePatch}: hosts whose worst verdict a live patch update closes (in
 *       progress or available): a live patch update makes them safe, no reboot.</li>
 *   <li>{@code needReboot}: hosts whose worst verdict only a reboot closes (pending or required):
 *       a reboot (and the live patches) makes them safe.</li>
 *   <li>{@code noFixYet}: hosts with a CVE that nothing fixes yet: no update or reboot makes them safe.</li>
 *   <li>{@code exposures}: the same by (host, CVE) pair: how many exposures a live patch update, a
 *       reboot, or nothing yet closes, and how many are unknown.</li>
 *   <li>{@code topCves}: the CVEs that put the most hosts at risk, most first (ties: higher CVSS, then id).</li>
 * </ul>
 */
public record FleetSummary(int hosts, int hostsAtRisk, Map<Verdict, Integer> hostsByWorstVerdict,
                           int fixableByLivePatch, int needReboot, int noFixYet, Exposures exposures, List<CveRisk> topCves) {

    public FleetSummary {
        hostsByWorstVerdict = Map.copyOf(hostsByWorstVerdict);
        topCves = List.copyOf(topCves);
    }

    /** (host, CVE) pairs at risk by what closes them. */
    public record Exposures(long livePatchUpdate, long reboot, long noFixYet, long unknown) {

        /** The pairs of these verdict counts (indexed by verdict ordinal). */
        static Exposures of(long[] byVerdict) {
            return new Exposures(byVerdict[Verdict.LIVE_PATCH_IN_PROGRESS.ordinal()] + byVerdict[Verdict.LIVE_PATCH_AVAILABLE.ordinal()],
                    byVerdict[Verdict.REBOOT_PENDING.ordinal()] + byVerdict[Verdict.REBOOT_REQUIRED.ordinal()],
                    byVerdict[Verdict.NO_FIX_YET.ordinal()], byVerdict[Verdict.UNKNOWN.ordinal()]);
        }

        public static Exposures of(Map<Verdict, Long> byVerdict) {
            long[] a = new long[Verdict.values().length];
            byVerdict.forEach((v, n) -> a[v.ordinal()] = n);
            return of(a);
        }
    }

    /** A summary from the count of hosts per worst verdict, the exposures and the top CVEs. */
    public static FleetSummary of(Map<Verdict, Integer> hostsByWorstVerdict, Exposures exposures, List<CveRisk> topCves) {
        int hosts = 0;
        int atRisk = 0;
        for (Map.Entry<Verdict, Integer> e : hostsByWorstVerdict.entrySet()) {
            hosts += e.getValue();
            atRisk += e.getKey().atRisk() ? e.getValue() : 0;
        }
        int live = hostsByWorstVerdict.getOrDefault(Verdict.LIVE_PATCH_IN_PROGRESS, 0) + hostsByWorstVerdict.getOrDefault(Verdict.LIVE_PATCH_AVAILABLE, 0);
        int reboot = hostsByWorstVerdict.getOrDefault(Verdict.REBOOT_PENDING, 0) + hostsByWorstVerdict.getOrDefault(Verdict.REBOOT_REQUIRED, 0);
        return new FleetSummary(hosts, atRisk, hostsByWorstVerdict, live, reboot, hostsByWorstVerdict.getOrDefault(Verdict.NO_FIX_YET, 0),
                exposures, topCves);
    }
}
