package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The fleet summary. The on-time hosts of a {@link Slice} have equal verdicts for every CVE, as
 * have all overdue hosts of a class; so one pass over the class's codes per slice, weighted by its
 * hosts, gives both the per-CVE counts and each host's worst verdict. Cost: slices x CVEs.
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
        // On-time hosts of a slice share every verdict; overdue hosts of a class too (the boot kernel no longer matters).
        Map<Slice, int[]> fresh = new IdentityHashMap<>();
        Map<ClassState, int[]> stale = new IdentityHashMap<>();
        fleet.forEach(filter, false, (cls, slice, members, group) -> {
            int s = members.staleCount(now);
            fresh.computeIfAbsent(slice, k -> new int[1])[0] += members.size() - s;
            stale.computeIfAbsent(cls, k -> new int[1])[0] += s;
        });
        fresh.forEach((slice, n) -> {
            if (n[0] > 0) {
                scan(slice.cls.codes, slice.boot == null ? null : slice.boot.base, false, n[0]);
            }
        });
        stale.forEach((cls, n) -> {
            if (n[0] > 0) {
                scan(cls.codes, null, true, n[0]);
            }
        });
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
