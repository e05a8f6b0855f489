package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The fleet summary. Hosts of a class that share a next boot kernel and are on time have equal
 * verdicts for every CVE (a <em>slice</em>), as have all its overdue hosts; so one pass over the
 * class's codes per slice, weighted by the slice's hosts, gives both the per-CVE counts and each
 * host's worst verdict. Cost: slices x CVEs, a few per class.
 */
final class SummaryQuery {

    private static final int V = VerdictCodes.COUNT;

    private final CveTable cves;
    private final Fleet fleet;
    private final HostFilter filter;
    private final long now;
    private final int n;
    private final int[] perCve;
    private final int[] byWorst = new int[V];
    private int hosts;
    private int fixableByLivePatch;
    private int needReboot;

    SummaryQuery(CveTable cves, Fleet fleet, HostFilter filter, long now) {
        this.cves = cves;
        this.fleet = fleet;
        this.filter = filter;
        this.now = now;
        this.n = cves.size();
        this.perCve = new int[n * V];
    }

    FleetSummary run(int top) {
        for (ClassState cls : fleet.classes()) {
            if (!filter.kernels().test(cls.kernel.release)) {
                continue;
            }
            Map<KernelState, Integer> freshByBoot = new HashMap<>(4);
            int stale = 0;
            for (Cohort co : cls.cohorts) {
                if (filter.groups().test(co.group)) {
                    int s = co.staleCount(now);
                    stale += s;
                    freshByBoot.merge(co.boot, co.size() - s, Integer::sum);
                }
            }
            for (Map.Entry<KernelState, Integer> slice : freshByBoot.entrySet()) {
                if (slice.getValue() > 0) {
                    scan(cls.codes, slice.getKey() == null ? null : slice.getKey().base, false, slice.getValue());
                }
            }
            if (stale > 0) {
                scan(cls.codes, null, true, stale);
            }
        }
        int atRisk = 0;
        Map<Verdict, Integer> worst = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            worst.put(v, byWorst[v.ordinal()]);
            if (v.atRisk()) {
                atRisk += byWorst[v.ordinal()];
            }
        }
        return new FleetSummary(hosts, atRisk, worst, fixableByLivePatch, needReboot, topCves(top));
    }

    private void scan(byte[] codes, byte[] bootBase, boolean stale, int weight) {
        byte worst = 0;
        boolean reboot = false;
        if (bootBase == null && !stale) {
            for (int c = 0, row = 0; c < n; c++, row += V) {
                byte v = codes[c];
                perCve[row + v] += weight;
                worst = v > worst ? v : worst;
                reboot |= v == VerdictCodes.REBOOT_REQUIRED;
            }
        } else {
            for (int c = 0, row = 0; c < n; c++, row += V) {
                byte v = VerdictCodes.overlay(codes[c], bootBase == null ? -1 : bootBase[c], stale);
                perCve[row + v] += weight;
                worst = v > worst ? v : worst;
                reboot |= v == VerdictCodes.REBOOT_REQUIRED || v == VerdictCodes.REBOOT_PENDING;
            }
        }
        // Verdict ordinals are in rank order, so the largest code is the worst verdict.
        byWorst[worst] += weight;
        hosts += weight;
        if (worst == VerdictCodes.LIVE_PATCH_IN_PROGRESS || worst == VerdictCodes.LIVE_PATCH_AVAILABLE) {
            fixableByLivePatch += weight;
        }
        if (reboot) {
            needReboot += weight;
        }
    }

    private List<CveRisk> topCves(int top) {
        if (top <= 0) {
            return List.of();
        }
        int[] atRisk = new int[n];
        for (int c = 0, row = 0; c < n; c++, row += V) {
            for (int v = VerdictCodes.LIVE_PATCH_IN_PROGRESS; v < V; v++) {
                atRisk[c] += perCve[row + v];
            }
        }
        Comparator<Integer> riskiest = Comparator.<Integer>comparingInt(c -> atRisk[c])
                .thenComparingDouble(c -> cves.get(c).cvss())
                .thenComparing(c -> cves.get(c).id(), Comparator.reverseOrder());
        PriorityQueue<Integer> best = new PriorityQueue<>(top + 1, riskiest);
        for (int c = 0; c < n; c++) {
            if (atRisk[c] > 0) {
                best.add(c);
                if (best.size() > top) {
                    best.poll();
                }
            }
        }
        List<Integer> chosen = new ArrayList<>(best);
        chosen.sort(riskiest.reversed());
        List<CveRisk> out = new ArrayList<>(chosen.size());
        for (int c : chosen) {
            Map<Verdict, Integer> counts = new EnumMap<>(Verdict.class);
            for (Verdict v : Verdict.values()) {
                counts.put(v, perCve[c * V + v.ordinal()]);
            }
            CveRecord r = cves.get(c);
            out.add(new CveRisk(r.id(), r.cvss(), counts));
        }
        return out;
    }
}
