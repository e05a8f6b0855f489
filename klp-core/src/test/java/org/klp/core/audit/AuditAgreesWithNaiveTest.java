package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;

/**
 * The fast path can never drift from the obvious one: on random fleets, every query of
 * {@link PostureAudit} equals what {@link NaiveAudit} gives host by host, pair by pair; and an
 * audit kept up to date event by event equals one built from scratch.
 */
class AuditAgreesWithNaiveTest {

    private static final ScopePolicy POLICY = ScopePolicy.DEFAULT;

    @Test
    void everyQueryAgreesWithTheNaiveAuditOnRandomFleets() {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            RandomWorld w = new RandomWorld(seed);
            PostureAudit audit = PostureAudit.create(POLICY, World.ZONE);
            w.kernelEntries.forEach(audit::addKernel);
            w.cves.forEach(audit::putCve);
            w.packages.forEach(audit::publish);
            w.hosts.forEach(audit::checkIn);
            assertAgrees("seed " + seed, audit, state(w), w.now);
        });
    }

    @Test
    void incrementalUpdatesAgreeWithARecomputationFromScratch() {
        qt().withExamples(200).forAll(longs().all()).checkAssert(seed -> {
            RandomWorld w = new RandomWorld(seed);
            // Start with part of everything; the rest arrives as events in random order.
            State s = new State();
            PostureAudit audit = PostureAudit.create(POLICY, World.ZONE);
            List<Runnable> events = new ArrayList<>();
            for (CatalogKernel k : w.kernelEntries) {
                Runnable e = () -> {
                    s.kernels.add(k);
                    audit.addKernel(k);
                };
                later(w, events, e);
            }
            for (CveRecord r : w.cves) {
                Runnable e = () -> {
                    s.cves.put(r.id(), r);
                    audit.putCve(r);
                };
                later(w, events, e);
            }
            for (LivePatchPackage p : w.packages) {
                later(w, events, () -> {
                    s.packages.add(p);
                    audit.publish(p);
                });
            }
            for (HostFacts h : w.hosts) {
                later(w, events, () -> {
                    s.hosts.put(h.hostId(), h);
                    audit.checkIn(h);
                });
            }
            int more = w.random.nextInt(30);
            for (int i = 0; i < more; i++) {
                int kind = w.random.nextInt(6);
                int id = w.random.nextInt(64);
                if (kind == 5) {
                    // a policy change: some (group, kernel) pairs get a pin, the others lose theirs
                    int salt = w.random.nextInt(1000);
                    PostureAudit.Pins pins = (g, p) -> ((g * 31 + p.kernel().hashCode() + salt) & 3) == 0 ? 1 + Math.floorMod(g + salt, 3) : 0;
                    events.add(() -> {
                        int moved = 0;
                        for (HostFacts h : List.copyOf(s.hosts.values())) {
                            int pin = pins.pinnedVersion(h.group(), h.posture());
                            if (!new PostureClass.Hold(pin, HoldReason.PIN).equals(h.postureClass().hold())) {
                                moved++;
                                s.hosts.put(h.hostId(), new HostFacts(h.hostId(), h.group(), h.posture(), pin, HoldReason.PIN, h.installedKernels(),
                                        h.lastCheckIn(), h.checkInInterval()));
                            }
                        }
                        assertThat(audit.repin(pins)).as("hosts re-pinned").isEqualTo(moved);
                    });
                } else if (kind <= 2) {
                    HostFacts h = w.checkIn(id);
                    events.add(() -> {
                        s.hosts.put(id, h);
                        audit.checkIn(h);
                    });
                } else if (kind == 3) {
                    events.add(() -> {
                        assertThat(audit.remove(id)).isEqualTo(s.hosts.remove(id) != null);
                    });
                } else if (!w.cves.isEmpty()) {
                    CveRecord replaced = w.randomCve(w.cves.get(w.random.nextInt(w.cves.size())).id());
                    events.add(() -> {
                        s.cves.put(replaced.id(), replaced);
                        audit.putCve(replaced);
                    });
                }
            }
            java.util.Collections.shuffle(events, w.random);
            // Packages of one kernel must be cumulative whatever the order; they are, so any order is valid.
            for (int i = 0; i < events.size(); i++) {
                events.get(i).run();
                if (i % 7 == 6) {
                    assertAgrees("seed " + seed + " after event " + i, audit, s, w.now);
                }
            }
            assertAgrees("seed " + seed + " after all events", audit, s, w.now);
            for (HostFacts h : s.hosts.values()) {
                HostFacts kept = audit.facts(h.hostId()).orElseThrow();
                assertThat(List.of(kept.postureClass(), kept.group(), kept.nextBootKernel(), kept.lastCheckIn(), kept.deadline()))
                        .as("seed %d: facts of host %d", seed, h.hostId())
                        .isEqualTo(List.of(h.postureClass(), h.group(), h.nextBootKernel(), h.lastCheckIn(), h.deadline()));
            }
            // Kernels stay known once seen (on a host since gone, say); everything else must match a fresh build.
            PostureAudit.AuditSize fresh = s.build().size();
            PostureAudit.AuditSize kept = audit.size();
            assertThat(List.of(kept.hosts(), kept.classes(), kept.slices(), kept.cohorts(), kept.cves()))
                    .as("seed %d: hosts, classes, slices, cohorts, CVEs", seed)
                    .isEqualTo(List.of(fresh.hosts(), fresh.classes(), fresh.slices(), fresh.cohorts(), fresh.cves()));
        });
    }

    @Test
    void randomFleetsReachEveryVerdictAndEveryReasonSoThePropertyIsNotVacuous() {
        EnumSet<Verdict> verdicts = EnumSet.noneOf(Verdict.class);
        EnumSet<RebootReason> reasons = EnumSet.noneOf(RebootReason.class);
        java.util.Set<Boolean> heldBack = new java.util.HashSet<>();
        java.util.Set<Boolean> forced = new java.util.HashSet<>();
        for (long seed = 0; seed < 300; seed++) {
            RandomWorld w = new RandomWorld(seed);
            NaiveAudit naive = state(w).naive();
            for (HostFacts h : w.hosts) {
                for (CveRecord cve : w.cves) {
                    Evidence e = naive.evidence(h, cve, w.now);
                    Evidence known = e instanceof Evidence.Unknown u ? u.lastKnown() : e;
                    verdicts.add(e.verdict());
                    verdicts.add(known.verdict());
                    if (known instanceof Evidence.RebootRequired r) {
                        reasons.add(r.reason());
                    } else if (known instanceof Evidence.LivePatchAvailable a) {
                        heldBack.add(a.heldBackByPin());
                    } else if (known instanceof Evidence.LivePatchInProgress p) {
                        forced.add(p.forced());
                    }
                }
            }
        }
        assertThat(verdicts).containsExactlyInAnyOrder(Verdict.values());
        assertThat(reasons).containsExactlyInAnyOrder(RebootReason.values());
        assertThat(heldBack).containsExactlyInAnyOrder(true, false);
        assertThat(forced).containsExactlyInAnyOrder(true, false);
    }

    private static void later(RandomWorld w, List<Runnable> events, Runnable e) {
        if (w.random.nextBoolean()) {
            events.add(e);
        } else {
            e.run();
        }
    }

    /** The current inputs, as the server's store would hold them. */
    static final class State {
        final List<CatalogKernel> kernels = new ArrayList<>();
        final Map<String, CveRecord> cves = new LinkedHashMap<>();
        final List<LivePatchPackage> packages = new ArrayList<>();
        final Map<Integer, HostFacts> hosts = new TreeMap<>();

        NaiveAudit naive() {
            return new NaiveAudit(POLICY, World.ZONE, cves.values(), kernels, packages);
        }

        PostureAudit build() {
            PostureAudit a = PostureAudit.create(POLICY, World.ZONE);
            kernels.forEach(a::addKernel);
            cves.values().forEach(a::putCve);
            packages.forEach(a::publish);
            hosts.values().forEach(a::checkIn);
            return a;
        }
    }

    private static State state(RandomWorld w) {
        State s = new State();
        s.kernels.addAll(w.kernelEntries);
        w.cves.forEach(r -> s.cves.put(r.id(), r));
        s.packages.addAll(w.packages);
        w.hosts.forEach(h -> s.hosts.put(h.hostId(), h));
        return s;
    }

    static void assertAgrees(String context, PostureAudit audit, State s, Instant now) {
        NaiveAudit naive = s.naive();
        List<CveRecord> cves = new ArrayList<>(s.cves.values());
        // one host, pair by pair with evidence
        for (HostFacts h : s.hosts.values()) {
            HostReport r = audit.host(h.hostId(), now).orElseThrow();
            assertThat(r.findings()).as("%s: host %s", context, h).isEqualTo(naive.findings(h, now));
            assertThat(r.stale()).isEqualTo(h.staleAt(now));
            assertThat(r.nextBootKernel()).isEqualTo(h.nextBootKernel().orElse(null));
        }
        for (int id = 0; id < 64; id++) {
            if (!s.hosts.containsKey(id)) {
                assertThat(audit.host(id, now)).as("%s: host %d is gone", context, id).isEmpty();
            }
        }
        // one CVE across the fleet, whole and filtered by group and kernel
        for (CveRecord cve : cves) {
            for (int g = -1; g < 4; g++) {
                int group = g;
                HostFilter filter = g < 0 ? HostFilter.ALL
                        : new HostFilter(x -> x == group, k -> !k.flavor().equals("rt"));
                CveExposure e = audit.cve(cve.id(), now, filter, EnumSet.allOf(Verdict.class)).orElseThrow();
                Map<Verdict, List<Integer>> expected = new EnumMap<>(Verdict.class);
                for (HostFacts h : s.hosts.values()) {
                    if (matches(filter, h)) {
                        expected.computeIfAbsent(naive.verdict(h, cve, now), v -> new ArrayList<>()).add(h.hostId());
                    }
                }
                for (Verdict v : Verdict.values()) {
                    List<Integer> want = expected.getOrDefault(v, List.of());
                    assertThat(e.count(v)).as("%s: %s %s count, filter %d", context, cve.id(), v, g).isEqualTo(want.size());
                    assertThat(e.hosts(v).stream().boxed().toList()).as("%s: %s %s hosts", context, cve.id(), v).isEqualTo(want);
                }
            }
        }
        // fleet summary
        for (HostFilter filter : List.of(HostFilter.ALL, HostFilter.group(1))) {
            assertThat(audit.summary(now, filter, 5)).as("%s: summary", context).isEqualTo(naiveSummary(naive, s, filter, now, 5));
        }
        // what-if, for every group and both scenarios
        for (int g = 0; g < 4; g++) {
            for (WhatIf scenario : List.of(new WhatIf.UpdateToLatest(g), new WhatIf.PinBehindLatest(g, 1), new WhatIf.PinBehindLatest(g, 2))) {
                assertThat(audit.whatIf(scenario, now)).as("%s: %s", context, scenario).isEqualTo(naiveWhatIf(naive, s, scenario, now));
            }
        }
        // lifecycle
        LocalDate today = LocalDate.ofInstant(now, World.ZONE);
        Map<KernelRelease, CatalogKernel> entries = new HashMap<>();
        s.kernels.forEach(k -> entries.put(k.kernel(), k));
        List<SupportEntry> ending = new ArrayList<>();
        List<SupportEntry> expired = new ArrayList<>();
        List<RebootPlan> plan = new ArrayList<>();
        for (HostFacts h : s.hosts.values()) {
            KernelRelease running = h.posture().kernel();
            CatalogKernel entry = entries.get(running);
            if (entry != null && entry.status(today).endsWithin(60)) {
                ending.add(new SupportEntry(h.hostId(), h.group(), running, entry.status(today)));
            }
            if (entry != null && entry.status(today).expired()) {
                expired.add(new SupportEntry(h.hostId(), h.group(), running, entry.status(today)));
            }
            Optional<KernelRelease> newest = s.kernels.stream().map(CatalogKernel::kernel)
                    .filter(k -> k.stream().equals(running.stream())).max(Comparator.naturalOrder());
            KernelRelease moveTo = newest.filter(k -> k.compareTo(running) > 0).orElse(null);
            plan.add(new RebootPlan(h.hostId(), h.group(), running, entry == null ? null : entry.status(today), moveTo,
                    moveTo != null && moveTo.equals(h.nextBootKernel().orElse(null))));
        }
        Comparator<SupportEntry> soonest = Comparator.comparingLong((SupportEntry e) -> e.support().daysLeft()).thenComparingInt(SupportEntry::hostId);
        ending.sort(soonest);
        expired.sort(soonest);
        plan.sort(Comparator.comparing(RebootPlan::rebootBy, Comparator.nullsLast(Comparator.naturalOrder())).thenComparingInt(RebootPlan::hostId));
        assertThat(audit.supportEndingWithin(60, now, HostFilter.ALL)).as("%s: ending", context).isEqualTo(ending);
        assertThat(audit.supportExpired(now, HostFilter.ALL)).as("%s: expired", context).isEqualTo(expired);
        assertThat(audit.rebootPlan(now, HostFilter.ALL)).as("%s: reboot plan", context).isEqualTo(plan);
    }

    private static boolean matches(HostFilter filter, HostFacts h) {
        return filter.groups().test(h.group()) && filter.kernels().test(h.posture().kernel());
    }

    static FleetSummary naiveSummary(NaiveAudit naive, State s, HostFilter filter, Instant now, int top) {
        List<CveRecord> cves = new ArrayList<>(s.cves.values());
        Map<Verdict, Integer> byWorst = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            byWorst.put(v, 0);
        }
        List<Map<Verdict, Integer>> perCve = new ArrayList<>();
        for (int c = 0; c < cves.size(); c++) {
            Map<Verdict, Integer> m = new EnumMap<>(Verdict.class);
            for (Verdict v : Verdict.values()) {
                m.put(v, 0);
            }
            perCve.add(m);
        }
        Map<Verdict, Long> pairs = new EnumMap<>(Verdict.class);
        for (HostFacts h : s.hosts.values()) {
            if (!matches(filter, h)) {
                continue;
            }
            Verdict worst = Verdict.NOT_AFFECTED;
            for (int c = 0; c < cves.size(); c++) {
                Verdict v = naive.verdict(h, cves.get(c), now);
                perCve.get(c).merge(v, 1, Integer::sum);
                pairs.merge(v, 1L, Long::sum);
                worst = Verdict.worse(worst, v);
            }
            byWorst.merge(worst, 1, Integer::sum);
        }
        List<CveRisk> risks = new ArrayList<>();
        for (int c = 0; c < cves.size(); c++) {
            CveRisk r = new CveRisk(cves.get(c).id(), cves.get(c).cvss(), perCve.get(c));
            if (r.hostsAtRisk() > 0) {
                risks.add(r);
            }
        }
        risks.sort(Comparator.comparingInt(CveRisk::hostsAtRisk).reversed()
                .thenComparing(Comparator.comparingDouble(CveRisk::cvss).reversed())
                .thenComparing(CveRisk::cveId));
        return FleetSummary.of(byWorst, FleetSummary.Exposures.of(pairs), risks.subList(0, Math.min(top, risks.size())));
    }

    static WhatIfReport naiveWhatIf(NaiveAudit naive, State s, WhatIf scenario, Instant now) {
        List<CveRecord> cves = new ArrayList<>(s.cves.values());
        Map<List<Object>, Integer> changes = new HashMap<>();
        List<Integer> changedHosts = new ArrayList<>();
        int considered = 0;
        for (HostFacts h : s.hosts.values()) {
            if (h.group() != scenario.group() || h.staleAt(now)) {
                continue;
            }
            considered++;
            PostureClass target = scenario.apply(h.postureClass(), naive.latestVersion(h.posture().kernel()));
            HostFacts after = new HostFacts(h.hostId(), h.group(), target.posture(), target.pinnedVersion(), target.heldBy(),
                    h.installedKernels(), h.lastCheckIn(), h.checkInInterval());
            boolean changed = false;
            for (CveRecord cve : cves) {
                Verdict from = naive.verdict(h, cve, now);
                Verdict to = naive.verdict(after, cve, now);
                if (from != to) {
                    changes.merge(List.of(cve.id(), from, to), 1, Integer::sum);
                    changed = true;
                }
            }
            if (changed) {
                changedHosts.add(h.hostId());
            }
        }
        List<VerdictChange> list = new ArrayList<>();
        changes.forEach((k, n) -> list.add(new VerdictChange((String) k.get(0), (Verdict) k.get(1), (Verdict) k.get(2), n)));
        list.sort(Comparator.comparingInt(VerdictChange::hosts).reversed().thenComparing(VerdictChange::cveId)
                .thenComparing(VerdictChange::from).thenComparing(VerdictChange::to));
        return new WhatIfReport(scenario, considered, HostIds.of(changedHosts.stream().mapToInt(Integer::intValue).toArray()), list);
    }
}
