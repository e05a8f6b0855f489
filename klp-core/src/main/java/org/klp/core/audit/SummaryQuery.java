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
    private final Map<Posture, int[]> postures;
    private final int n;
    private final int[] perCve;
    private final int[] byWorst = new int[V];

    private SummaryQuery(CveRecord[] records, List<Pass> passes, Map<Posture, int[]> postures) {
        this.records = records;
        this.passes = passes;
        this.postures = postures;
        this.n = records.length;
        this.perCve = new int[n * V];
    }

    /** Under the read lock: which arrays to scan, with what weights. */
    static SummaryQuery snapshot(CveTable cves, Fleet fleet, HostFilter filter, long now) {
        // On-time hosts of a slice share every verdict; overdue hosts of a class too (the boot kernel no longer matters).
        Map<Slice, int[]> fresh = new IdentityHashMap<>();
        Map<ClassState, int[]> stale = new IdentityHashMap<>();
        Map<Posture, int[]> postures = new java.util.HashMap<>();
        fleet.forEach(filter, false, (cls, slice, members, group) -> {
            int s = members.staleCount(now);
            fresh.computeIfAbsent(slice, k -> new int[1])[0] += members.size() - s;
            stale.computeIfAbsent(cls, k -> new int[1])[0] += s;
            postures.computeIfAbsent(cls.key.posture(), k -> new int[1])[0] += members.size();
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
        return new SummaryQuery(records, passes, postures);
    }

    /** Hosts per posture in the snapshot, by kernel then loaded version. */
    List<PostureCount> postureCounts() {
        List<PostureCount> out = new ArrayList<>(postures.size());
        postures.forEach((p, n) -> out.add(new PostureCount(p, n[0])));
        out.sort(Comparator.comparing((PostureCount c) -> c.posture().kernel()).thenComparingInt(c -> c.posture().loadedVersion())
                .thenComparing(c -> c.posture().transition()).thenComparing(c -> c.posture().forced()));
        return out;
    }

    /** Without the lock: scans the snapshot's arrays. */
    FleetSummary run(int top) {
        for (Pass p : passes) {
            scan(p.codes(), p.bootBase(), p.stale(), p.weight());
        }
        Map<Verdict, Integer> worst = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            worst.put(v, byWorst[v.ordinal()]);
        }
        long[] pairs = new long[V];
        for (int c = 0, row = 0; c < n; c++, row += V) {
            for (int v = 0; v < V; v++) {
                pairs[v] += perCve[row + v];
            }
        }
        return FleetSummary.of(worst, FleetSummary.Exposures.of(pairs), topCves(top));
    }

    private void scan(byte[] codes, byte[] bootBase, boolean stale, int weight) {
        byte worst = 0;
        if (bootBase == null && !stale) {
            for (int c = 0, row = 0; c < n; c++, row += V) {
                byte v = codes[c];
                perCve[row + v] += weight;
                worst = v > worst ? v : worst;
            }
        } else {
            for (int c = 0, row = 0; c < n; c++, row += V) {
                byte v = VerdictCodes.overlay(codes[c], bootBase == null ? -1 : bootBase[c], stale);
                perCve[row + v] += weight;
                worst = v > worst ? v : worst;
            }
        }
        // Verdict ordinals are in rank order, so the largest code is the worst verdict.
        byWorst[worst] += weight;
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
