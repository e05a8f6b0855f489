package org.klp.core.audit;

import java.util.List;
import java.util.Map;

/**
 * The fleet across all CVEs.
 *
 * <ul>
 *   <li>{@code hostsByWorstVerdict}: each host counted once, under its worst verdict.</li>
 *   <li>{@code hostsAtRisk}: hosts whose worst verdict is at risk ({@link Verdict#atRisk()}).</li>
 *   <li>{@code fixableByLivePatch}: hosts at risk whose every exposure a live patch closes (worst
 *       verdict in progress or available): a live patch update makes them safe without a reboot.</li>
 *   <li>{@code needReboot}: hosts with at least one CVE only a reboot closes (pending or required).</li>
 *   <li>{@code topCves}: the CVEs that put the most hosts at risk, most first (ties: higher CVSS, then id).</li>
 * </ul>
 */
public record FleetSummary(int hosts, int hostsAtRisk, Map<Verdict, Integer> hostsByWorstVerdict,
                           int fixableByLivePatch, int needReboot, List<CveRisk> topCves) {

    public FleetSummary {
        hostsByWorstVerdict = Map.copyOf(hostsByWorstVerdict);
        topCves = List.copyOf(topCves);
    }
}
