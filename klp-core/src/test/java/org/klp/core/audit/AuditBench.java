package org.klp.core.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.klp.core.scope.ScopePolicy;

/**
 * A quick benchmark, not a test: builds the synthetic fleet in memory and times the audit's
 * events and queries, then the naive per-host computation on a sample for the ratio. Run after
 * {@code mvn -pl klp-core test-compile}:
 *
 * <pre>java -Xmx2g -cp klp-core/target/classes:klp-core/target/test-classes org.klp.core.audit.AuditBench [hosts postures cves]</pre>
 *
 * Wall-clock figures on a shared machine are indicative; JMH in the server's bench is the rigorous version.
 */
public final class AuditBench {

    private AuditBench() {
    }

    public static void main(String[] args) {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int postures = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        int cves = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        SyntheticFleet.Shape shape = new SyntheticFleet.Shape(hosts, postures, cves, 8, 25, 50, 42);
        long t = System.nanoTime();
        SyntheticFleet fleet = SyntheticFleet.generate(shape);
        print("generate catalog (%d kernels, %d live patch versions, %d CVEs)", ms(t), fleet.kernels().size(),
                fleet.livePatches().size(), fleet.cves().size());
        long heapBefore = usedHeap();
        print("heap used by the generator's catalog after GC: %.0f MB", 0, heapBefore / 1e6);
        Instant now = fleet.now();

        // Initial computation: catalog, then one host per posture (each creates and computes its class once).
        PostureAudit audit = PostureAudit.create(ScopePolicy.DEFAULT, ZoneOffset.UTC);
        t = System.nanoTime();
        fleet.kernels().forEach(audit::addKernel);
        fleet.cves().forEach(audit::putCve);
        fleet.livePatches().forEach(audit::publish);
        print("feed catalog and CVE records", ms(t));
        t = System.nanoTime();
        for (int i = 0; i < postures; i++) {
            audit.checkIn(fleet.host(i));
        }
        print("initial computation: %d classes x %d CVEs", ms(t), postures, cves);
        t = System.nanoTime();
        for (int i = postures; i < hosts; i++) {
            audit.checkIn(fleet.host(i));
        }
        double feedMs = ms(t);
        print("remaining %d check-ins (%.0f per second, including generating them)", feedMs, hosts - postures,
                (hosts - postures) / (feedMs / 1000));
        print("audit size: %s", 0, audit.size());
        long heapAfter = usedHeap();
        print("retained heap after GC: %.0f MB total, %.0f MB for the audit over the catalog", 0, heapAfter / 1e6, (heapAfter - heapBefore) / 1e6);

        SplittableRandom random = new SplittableRandom(7);
        Set<Verdict> atRisk = EnumSet.noneOf(Verdict.class);
        for (Verdict v : Verdict.values()) {
            if (v.atRisk()) {
                atRisk.add(v);
            }
        }
        // One CVE across the fleet: counts only, and counts with the hosts at risk listed.
        timeQueries("one CVE, counts only", 300, 2000, i -> audit.cve(fleet.cves().get(random.nextInt(cves)).id(), now, HostFilter.ALL, Set.of()));
        long[] listed = new long[1];
        timeQueries("one CVE, counts + hosts at risk", 100, 500, i -> listed[0] += audit.cve(fleet.cves().get(random.nextInt(cves)).id(),
                now, HostFilter.ALL, atRisk).orElseThrow().atRisk());
        print("  (%.0f hosts at risk listed per query on average)", 0, listed[0] / 600.0);
        timeQueries("one CVE, group filter, counts only", 100, 1000, i -> audit.cve(fleet.cves().get(random.nextInt(cves)).id(), now,
                HostFilter.group(7), Set.of()));
        timeQueries("one host report", 100, 1000, i -> audit.host(random.nextInt(hosts), now));
        timeQueries("fleet summary", 2, 5, i -> audit.summary(now, HostFilter.ALL, 20));
        FleetSummary summary = audit.summary(now, HostFilter.ALL, 5);
        print("  summary: %d hosts, %d at risk, %d fixable by a live patch update, %d need a reboot; top CVE %s with %d hosts at risk", 0,
                summary.hosts(), summary.hostsAtRisk(), summary.fixableByLivePatch(), summary.needReboot(),
                summary.topCves().get(0).cveId(), summary.topCves().get(0).hostsAtRisk());

        // A check-in reflected: the event plus the next one-CVE query.
        String watched = summary.topCves().get(0).cveId();
        timeQueries("check-in + next one-CVE query", 200, 2000, i -> {
            audit.checkIn(fleet.checkIn(random.nextInt(hosts), i));
            return audit.cve(watched, now, HostFilter.ALL, Set.of());
        });
        timeQueries("check-in alone", 200, 5000, i -> {
            audit.checkIn(fleet.checkIn(random.nextInt(hosts), i + 1_000_000L));
            return null;
        });
        timeQueries("what-if: pinned group updates to latest", 1, 5, i -> audit.whatIf(new WhatIf.UpdateToLatest(0), now));
        timeQueries("what-if: group pinned to N-1", 1, 5, i -> audit.whatIf(new WhatIf.PinBehindLatest(20, 1), now));
        timeQueries("lifecycle: support ending within 30 days", 1, 3, i -> audit.supportEndingWithin(30, now, HostFilter.ALL));
        timeQueries("lifecycle: reboot plan for every host", 1, 3, i -> audit.rebootPlan(now, HostFilter.ALL));
        timeQueries("coverage per stream", 1, 3, i -> audit.coverage());

        // The naive per-host computation on a sample, for the ratio.
        NaiveAudit naive = new NaiveAudit(ScopePolicy.DEFAULT, ZoneOffset.UTC, fleet.cves(), fleet.kernels(), fleet.livePatches());
        List<CveRecord> records = fleet.cves();
        long pairs = 0;
        long sink = 0;
        t = System.nanoTime();
        int sampled = 0;
        while (System.nanoTime() - t < 10_000_000_000L && sampled < hosts) {
            HostFacts h = fleet.host(random.nextInt(hosts));
            for (CveRecord r : records) {
                sink += naive.verdict(h, r, now).ordinal();
            }
            pairs += records.size();
            sampled++;
        }
        double nsPerPair = (System.nanoTime() - t) / (double) pairs;
        double naiveSummaryS = nsPerPair * hosts * (double) cves / 1e9;
        print("naive: %d hosts x %d CVEs sampled, %.0f ns per pair; the fleet summary would take %.0f s (%.1f h)", 0, sampled, cves,
                nsPerPair, naiveSummaryS, naiveSummaryS / 3600);
        t = System.nanoTime();
        CveRecord one = records.get(0);
        int naiveHosts = Math.min(hosts, 100_000);
        for (int i = 0; i < naiveHosts; i++) {
            sink += naive.verdict(fleet.host(i), one, now).ordinal();
        }
        double naiveOneCveMs = ms(t) * hosts / naiveHosts;
        print("naive: one CVE across the fleet, extrapolated from %d hosts: %.0f ms", 0, naiveHosts, naiveOneCveMs);
        print("(sink %d)", 0, sink % 10);
    }

    private interface Query {
        Object run(long i);
    }

    private static void timeQueries(String name, int warmup, int runs, Query q) {
        for (int i = 0; i < warmup; i++) {
            q.run(i);
        }
        long[] times = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            q.run(warmup + i);
            times[i] = System.nanoTime() - t;
        }
        Arrays.sort(times);
        System.out.printf("%-45s p50 %9.3f ms   p99 %9.3f ms   max %9.3f ms   (%d runs)%n", name,
                times[runs / 2] / 1e6, times[Math.min(runs - 1, (int) (runs * 0.99))] / 1e6, times[runs - 1] / 1e6, runs);
    }

    private static double ms(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static void print(String format, double ms, Object... args) {
        String text = String.format(format, args);
        System.out.println(ms > 0 ? String.format("%-45s %9.0f ms", text, ms) : text);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
