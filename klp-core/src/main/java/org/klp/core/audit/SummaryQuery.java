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
 *
 * <h2>Two phases, one of them without the lock</h2>
 * {@link #snapshot} runs under the audit's read lock and costs O(cohorts): it counts each slice's
 * on-time and overdue hosts and keeps references to the verdict arrays it will read, and the CVE
 * records. {@link #run} then scans those arrays (the ~0.3 s of a million hosts) after the lock is
 * released, so check-ins go on meanwhile. It is safe because no writer changes an array a
 * snapshot may hold: check-ins never write existing arrays (a new class gets new ones), and
 * publications and CVE imports copy an array before writing it while a snapshot is being scanned
 * (see {@code PostureAudit}). The answer is the fleet as of the snapshot.
 */
final class SummaryQuery {

    private static final int V = VerdictCodes.COUNT;

    /** One weighted pass: a class's codes, the boot kernel's base codes (or null), staleness, the hosts it stands for. */
    private record Pass(byte[] codes, byte[] bootBase, boolean stale, int weight) {
    }

    private final CveRecord[] records;
    private final List<Pass> passes;
    private final int n;
    private final int[] perCve;
    private final int[] byWorst = new int[V];
    private int hosts;
    private int fixableByLivePatch;
    private int needReboot;

    private SummaryQuery(CveRecord[] records, List<Pass> passes) {
        this.records = records;
        this.passes = passes;
        this.n = records.length;
        this.perCve = new int[n * V];
    }

    /** Under the read lock: which arrays to scan, with what weights. */
    static SummaryQuery snapshot(CveTable cves, Fleet fleet, HostFilter filter, long now) {
        // On-time hosts of a slice share every verdict; overdue hosts of a class too (the boot kernel no longer matters).
        Map<Slice, int[]> fresh = new IdentityHashMap<>();
        Map<ClassState, int[]> stale = new IdentityHashMap<>();
        fleet.forEach(filter, false, (cls, slice, members, group) -> {
            int s = members.staleCount(now);
            fresh.computeIfAbsent(slice, k -> new int[1])[0] += members.size() - s;
            stale.computeIfAbsent(cls, k -> new int[1])[0] += s;
        });
        List<Pass> passes = new ArrayList<>(fresh.size() + stale.size());
        fresh.forEach((slice, n) -> {
            if (n[0] > 0) {
                passes.add(new Pass(slice.cls.codes, slice.boot == null ? null : slice.boot.base, false, n[0]));
            }
        });
        stale.forEach((cls, n) -> {
            if (n[0] > 0) {
                passes.add(new Pass(cls.codes, null, true, n[0]));
            }
        });
        CveRecord[] records = new CveRecord[cves.size()];
        for (int c = 0; c < records.length; c++) {
            records[c] = cves.get(c);
        }
        return new SummaryQuery(records, passes);
    }

    /** Without the lock: scans the snapshot's arrays. */
    FleetSummary run(int top) {
        for (Pass p : passes) {
            scan(p.codes(), p.bootBase(), p.stale(), p.weight());
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
                .thenComparingDouble(c -> records[c].cvss())
                .thenComparing(c -> records[c].id(), Comparator.reverseOrder());
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
            CveRecord r = records[c];
            out.add(new CveRisk(r.id(), r.cvss(), counts));
        }
        return out;
    }
}
