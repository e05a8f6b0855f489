package org.klp.core.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;

/**
 * The fleet CVE audit, always current: verdicts are computed per posture class (see
 * {@link PostureClass}) and joined to hosts, so the work follows the number of distinct postures,
 * not of hosts, and nothing is stored per (host, CVE) pair.
 *
 * <h2>Feeding it</h2>
 * The server replays its store at start-up and then forwards each event as it commits it:
 * {@link #addKernel} and {@link #publish} for the catalog, {@link #putCve} for the CVE feed,
 * {@link #checkIn} and {@link #remove} for hosts. Each event touches only what it changes:
 * <ul>
 *   <li>a check-in moves one host between slices and cohorts; its class's verdicts are reused, or computed
 *       once (a copy of the kernel's base verdicts plus the CVEs its live patches carry) when it is
 *       the first host of its posture;</li>
 *   <li>a publication recomputes, in the classes on that kernel only, the CVEs the new version
 *       carries first (and, on older kernels of its stream, the CVEs no kernel had a fix for, which
 *       now have one to reboot into);</li>
 *   <li>a new or changed CVE recomputes that one CVE in every kernel and class.</li>
 * </ul>
 *
 * <h2>Cost</h2>
 * Memory: one byte per (class, CVE) and about 45 bytes per host; measured with 2,000 classes, 20,000
 * CVEs and a million hosts: 156 MB retained. Hosts of a class are listed by check-in deadline in
 * <em>slices</em> (by next boot kernel: a few per class) and in <em>cohorts</em> (slice x group).
 * Queries: one CVE across the fleet is O(slices) plus the hosts listed, O(cohorts) with a group
 * filter; one host is O(CVEs); the fleet summary is O(slices x CVEs); a what-if O(the group's
 * cohorts x CVEs); lifecycle reports O(cohorts) plus the hosts listed.
 *
 * <h2>Time</h2>
 * Nothing reads a clock: queries take the instant they answer for. Staleness compares it with
 * each host's deadline; end of support compares its date in {@code zone} with the catalog's dates.
 *
 * <p>Thread-safe: events take a write lock, queries a read lock. The fleet summary, the one
 * query that reads for long (slices x CVEs), holds the read lock only to take its snapshot and
 * scans the verdict arrays after releasing it; publications and CVE imports copy an array rather
 * than change it while such a scan may read it. So a summary does not hold check-ins back.
 */
public final class PostureAudit {

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /**
     * Summaries scanning verdict arrays outside the lock. A summary registers under the read lock,
     * so a writer holding the write lock sees every scan that may hold an array it is about to
     * change; while there is one, it writes a copy of the array instead.
     */
    private final java.util.concurrent.atomic.AtomicInteger scanning = new java.util.concurrent.atomic.AtomicInteger();
    private final AuditCatalog catalog;
    private final Fleet fleet = new Fleet();
    private final ZoneId zone;

    private PostureAudit(ScopePolicy policy, ZoneId zone) {
        this.catalog = new AuditCatalog(Objects.requireNonNull(policy, "policy"));
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /** An empty audit judging live patch scope by {@code policy}, with dates in {@code zone}. */
    public static PostureAudit create(ScopePolicy policy, ZoneId zone) {
        return new PostureAudit(policy, zone);
    }

    // ---- events ----

    /** Adds a kernel to the catalog, or replaces its dates. No verdict changes: end of support is read at query time. */
    public void addKernel(CatalogKernel kernel) {
        update(() -> catalog.addKernel(kernel));
    }

    /**
     * Publishes a live patch version. Only classes on its kernel change, and only for the CVEs it
     * carries first. Publishing the same version again is a no-op.
     *
     * @throws IllegalArgumentException if that version exists with other contents, or the package
     *         is not cumulative with its neighbours ({@link org.klp.core.patch.NotCumulativeException})
     */
    public void publish(LivePatchPackage livePatch) {
        update(() -> {
            AuditCatalog.Published published = catalog.publish(livePatch);
            int[] changed = published.carried();
            boolean copy = scanning.get() > 0;
            if (changed.length > 0) {
                KernelState k = catalog.kernelIfKnown(livePatch.kernel());
                for (ClassState cls : fleet.classesOn(k)) {
                    if (copy) {
                        cls.codes = cls.codes.clone();
                    }
                    for (int c : changed) {
                        cls.codes[c] = catalog.classCode(cls.key, k, c);
                    }
                }
            }
            // older kernels of the stream: a fix with no fixed kernel yet now has a newer kernel to reboot into
            published.rebased().forEach((older, ordinals) -> {
                if (copy) {
                    older.base = older.base.clone();
                }
                for (int c : ordinals) {
                    catalog.rebase(older, c);
                }
                for (ClassState cls : fleet.classesOn(older)) {
                    if (copy) {
                        cls.codes = cls.codes.clone();
                    }
                    for (int c : ordinals) {
                        cls.codes[c] = catalog.classCode(cls.key, older, c);
                    }
                }
            });
        });
    }

    /** Adds a CVE record or replaces the one with its id; that CVE is recomputed in every class. */
    public void putCve(CveRecord record) {
        putCves(List.of(record));
    }

    /**
     * Adds or replaces CVE records in one go: each is recomputed in every class and kernel. One
     * lock for them all, and, while a summary scans, one copy of each array for them all.
     */
    public void putCves(java.util.Collection<CveRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        update(() -> {
            if (scanning.get() > 0) {
                catalog.copyBases();
                for (ClassState cls : fleet.classes()) {
                    cls.codes = cls.codes.clone();
                }
            }
            for (CveRecord record : records) {
                int c = catalog.putCve(record);
                fleet.growCodes(catalog.capacity());
                for (ClassState cls : fleet.classes()) {
                    cls.codes[c] = catalog.classCode(cls.key, cls.kernel, c);
                }
            }
        });
    }

    /** Records a host's check-in: the host moves to the cohort of its new facts. */
    public void checkIn(HostFacts host) {
        long checkedIn = DeadlineList.nanos(host.lastCheckIn());
        long due = DeadlineList.nanos(host.deadline());
        update(() -> {
            PostureClass key = host.postureClass();
            KernelState k = catalog.kernel(key.posture().kernel());
            KernelState boot = host.nextBootKernel().map(catalog::kernel).orElse(null);
            ClassState cls = fleet.classFor(key, k, () -> catalog.classCodes(key, k));
            fleet.place(host.hostId(), cls, boot, host.group(), checkedIn, due);
        });
    }

    /**
     * Records check-ins in one go, in order (a later one of the same host wins): one lock for the
     * whole group, as the server's check-in writer commits them.
     */
    public void checkIn(java.util.Collection<HostFacts> hosts) {
        if (hosts.isEmpty()) {
            return;
        }
        long[] checkedIn = new long[hosts.size()];
        long[] due = new long[hosts.size()];
        int i = 0;
        for (HostFacts h : hosts) {
            checkedIn[i] = DeadlineList.nanos(h.lastCheckIn());
            due[i++] = DeadlineList.nanos(h.deadline());
        }
        update(() -> {
            int j = 0;
            for (HostFacts host : hosts) {
                PostureClass key = host.postureClass();
                KernelState k = catalog.kernel(key.posture().kernel());
                KernelState boot = host.nextBootKernel().map(catalog::kernel).orElse(null);
                ClassState cls = fleet.classFor(key, k, () -> catalog.classCodes(key, k));
                fleet.place(host.hostId(), cls, boot, host.group(), checkedIn[j], due[j]);
                j++;
            }
        });
    }

    /**
     * Where a group's policy holds a posture: the live patch version hosts of {@code group} with
     * this posture are pinned to for its kernel, {@link PostureClass#NOT_PINNED} when none.
     * Called under the audit's lock: it must be quick and must not call the audit.
     */
    @FunctionalInterface
    public interface Pins {
        int pinnedVersion(int group, Posture posture);
    }

    /** As {@link Pins}, with why the policy holds the posture there. */
    @FunctionalInterface
    public interface Holds {
        PostureClass.Hold hold(int group, Posture posture);
    }

    /** {@link #applyHolds} with every hold a pin. */
    public int repin(Pins pins) {
        Objects.requireNonNull(pins, "pins");
        return applyHolds((group, posture) -> new PostureClass.Hold(pins.pinnedVersion(group, posture), HoldReason.PIN));
    }

    /**
     * Applies a change of policy: every cohort whose hold {@code holds} now resolves differently
     * moves, as a whole, to the class with the new hold. Costs O(cohorts) plus the hosts of the
     * slices that change (merges, not one host at a time); returns the number of hosts moved.
     */
    public int applyHolds(Holds holds) {
        Objects.requireNonNull(holds, "holds");
        return write(() -> {
            int moved = 0;
            for (Cohort co : fleet.cohortList()) {
                ClassState cls = co.cls();
                PostureClass.Hold hold = holds.hold(co.group, cls.key.posture());
                if (!hold.equals(cls.key.hold())) {
                    PostureClass key = new PostureClass(cls.key.posture(), hold.version(), hold.reason());
                    KernelState k = cls.kernel;
                    ClassState to = fleet.classFor(key, k, () -> catalog.classCodes(key, k));
                    moved += co.members.size();
                    fleet.moveCohort(co, to);
                }
            }
            return moved;
        });
    }

    /**
     * What the audit holds of a host, as {@link HostFacts}: its posture class, group and check-in
     * times, and as installed kernels only the one it boots next (all the audit keeps, and all
     * that decides its verdicts). Feeding these back with a changed group or pin moves the host.
     */
    public Optional<HostFacts> facts(int hostId) {
        return read(() -> {
            Cohort co = fleet.cohortOf(hostId);
            if (co == null) {
                return Optional.<HostFacts>empty();
            }
            Instant last = DeadlineList.instant(fleet.lastCheckIn(hostId));
            Instant due = DeadlineList.instant(fleet.deadline(hostId));
            PostureClass key = co.cls().key;
            List<KernelRelease> installed = co.boot() == null ? List.of() : List.of(co.boot().release);
            return Optional.of(new HostFacts(hostId, co.group, key.posture(), key.pinnedVersion(), key.heldBy(), installed, last,
                    java.time.Duration.between(last, due)));
        });
    }

    /** Forgets a host (deregistered); returns whether it was known. */
    public boolean remove(int hostId) {
        return write(() -> fleet.remove(hostId));
    }

    // ---- queries ----

    /**
     * One CVE across the hosts {@code filter} selects: the count of hosts per verdict (every
     * verdict present, 0 for none), and the host ids for the verdicts in {@code listHostsFor}.
     * Costs O(slices) plus the hosts listed (O(cohorts) with a group filter). Empty when the CVE is unknown.
     */
    public Optional<CveExposure> cve(String cveId, Instant now, HostFilter filter, Set<Verdict> listHostsFor) {
        String id = Fix.normalizeId(cveId);
        long t = DeadlineList.nanos(now);
        boolean[] wanted = new boolean[VerdictCodes.COUNT];
        listHostsFor.forEach(v -> wanted[v.ordinal()] = true);
        return read(() -> {
            int c = catalog.cves().ordinal(id);
            if (c < 0) {
                return Optional.empty();
            }
            int[] counts = new int[VerdictCodes.COUNT];
            List<Listed> listed = new ArrayList<>();
            fleet.forEach(filter, false, (cls, slice, members, group) -> {
                byte code = cls.codes[c];
                byte fresh = VerdictCodes.overlay(code, slice.bootBase(c), false);
                byte stale = VerdictCodes.overlay(code, -1, true);
                int staleCount = members.staleCount(t);
                counts[fresh] += members.size() - staleCount;
                counts[stale] += staleCount;
                if ((wanted[fresh] && staleCount < members.size()) || (wanted[stale] && staleCount > 0)) {
                    listed.add(new Listed(members, staleCount, fresh, stale));
                }
            });
            Map<Verdict, Integer> byVerdict = new EnumMap<>(Verdict.class);
            for (Verdict v : Verdict.values()) {
                byVerdict.put(v, counts[v.ordinal()]);
            }
            return Optional.of(new CveExposure(catalog.cves().get(c), byVerdict, listHosts(listed, wanted, counts)));
        });
    }

    /** One CVE across the fleet, listing the hosts at risk. */
    public Optional<CveExposure> cve(String cveId, Instant now) {
        EnumSet<Verdict> atRisk = EnumSet.noneOf(Verdict.class);
        for (Verdict v : Verdict.values()) {
            if (v.atRisk()) {
                atRisk.add(v);
            }
        }
        return cve(cveId, now, HostFilter.ALL, atRisk);
    }

    /** One host: every CVE that concerns it (not {@link Verdict#NOT_AFFECTED}), worst first, with evidence. Costs O(CVEs). */
    public Optional<HostReport> host(int hostId, Instant now) {
        long t = DeadlineList.nanos(now);
        LocalDate today = today(now);
        return read(() -> {
            Cohort co = fleet.cohortOf(hostId);
            if (co == null) {
                return Optional.empty();
            }
            ClassState cls = co.cls();
            Slice slice = co.slice;
            Instant lastCheckIn = DeadlineList.instant(fleet.lastCheckIn(hostId));
            Instant deadline = DeadlineList.instant(fleet.deadline(hostId));
            boolean stale = fleet.deadline(hostId) < t;
            List<Finding> findings = new ArrayList<>();
            CveTable cves = catalog.cves();
            for (int c = 0; c < cves.size(); c++) {
                byte code = VerdictCodes.overlay(cls.codes[c], slice.bootBase(c), stale);
                if (code != VerdictCodes.NOT_AFFECTED) {
                    Evidence e = catalog.hostEvidence(cls.key, cls.kernel, slice.boot, c, today, lastCheckIn, deadline, stale);
                    findings.add(new Finding(cves.get(c).id(), cves.get(c).cvss(), e));
                }
            }
            findings.sort(Finding.WORST_FIRST);
            return Optional.of(new HostReport(hostId, co.group, cls.key, slice.boot == null ? null : slice.boot.release,
                    lastCheckIn, deadline, stale, findings));
        });
    }

    /** The fleet across all CVEs; {@code topCves} is how many of the riskiest CVEs to list. Costs O(classes x CVEs). */
    public FleetSummary summary(Instant now, HostFilter filter, int topCves) {
        long t = DeadlineList.nanos(now);
        SummaryQuery q = read(() -> {
            SummaryQuery s = SummaryQuery.snapshot(catalog.cves(), fleet, filter, t);
            scanning.incrementAndGet();
            return s;
        });
        try {
            return q.run(topCves);
        } finally {
            scanning.decrementAndGet();
        }
    }

    /**
     * The fleet summary and the hosts per posture, from one snapshot of the audit: figures that
     * cannot contradict one another. Costs as {@link #summary}.
     */
    public FleetOverview overview(Instant now, HostFilter filter, int topCves) {
        long t = DeadlineList.nanos(now);
        SummaryQuery q = read(() -> {
            SummaryQuery s = SummaryQuery.snapshot(catalog.cves(), fleet, filter, t);
            scanning.incrementAndGet();
            return s;
        });
        try {
            return new FleetOverview(q.run(topCves), q.postureCounts());
        } finally {
            scanning.decrementAndGet();
        }
    }

    /**
     * Each listed host's worst verdict across all CVEs ({@link Verdict#NOT_AFFECTED} with no CVE
     * concerning it); hosts the audit does not hold are left out. Hosts of one slice share it, so
     * the cost is O(hosts) plus O(CVEs) per distinct slice among them.
     */
    public Map<Integer, Verdict> worstVerdicts(java.util.Collection<Integer> hostIds, Instant now) {
        long t = DeadlineList.nanos(now);
        return read(() -> {
            Map<Integer, Verdict> out = new java.util.HashMap<>();
            Map<Slice, Verdict> fresh = new java.util.IdentityHashMap<>();
            Map<ClassState, Verdict> stale = new java.util.IdentityHashMap<>();
            int n = catalog.cves().size();
            for (int id : hostIds) {
                Cohort co = fleet.cohortOf(id);
                if (co == null) {
                    continue;
                }
                boolean isStale = fleet.deadline(id) < t;
                Slice slice = co.slice;
                ClassState cls = co.cls();
                Verdict v = isStale ? stale.computeIfAbsent(cls, c -> worst(c.codes, null, true, n))
                        : fresh.computeIfAbsent(slice, sl -> worst(cls.codes, sl, false, n));
                out.put(id, v);
            }
            return out;
        });
    }

    private static Verdict worst(byte[] codes, Slice slice, boolean stale, int n) {
        byte worst = 0;
        for (int c = 0; c < n; c++) {
            byte v = VerdictCodes.overlay(codes[c], slice == null ? -1 : slice.bootBase(c), stale);
            worst = v > worst ? v : worst;
        }
        return VerdictCodes.verdict(worst);
    }

    /** The verdicts a policy change for one group would change, for its hosts that check in on time. */
    public WhatIfReport whatIf(WhatIf scenario, Instant now) {
        long t = DeadlineList.nanos(now);
        return read(() -> new WhatIfQuery(catalog, fleet, t).run(scenario));
    }

    /** Hosts whose kernel's live patch support ends within {@code days} days (and has not ended), soonest first. */
    public List<SupportEntry> supportEndingWithin(int days, Instant now, HostFilter filter) {
        LocalDate today = today(now);
        return read(() -> new LifecycleQuery(catalog, fleet, filter, today).endingWithin(days));
    }

    /** Hosts whose kernel's live patch support has ended, longest expired first. */
    public List<SupportEntry> supportExpired(Instant now, HostFilter filter) {
        LocalDate today = today(now);
        return read(() -> new LifecycleQuery(catalog, fleet, filter, today).expired());
    }

    /** For every host: the date by which it must reboot and the kernel to move to, earliest first. */
    public List<RebootPlan> rebootPlan(Instant now, HostFilter filter) {
        LocalDate today = today(now);
        return read(() -> new LifecycleQuery(catalog, fleet, filter, today).rebootPlan());
    }

    /** The publisher's view per kernel stream, streams in name order. Independent of the fleet. */
    public List<StreamCoverage> coverage() {
        return read(() -> new CoverageQuery(catalog).run());
    }

    /** The live patch versions carrying a CVE: per kernel, the first version (later ones carry it too). */
    public SortedMap<KernelRelease, Integer> livePatchesCarrying(String cveId) {
        String id = Fix.normalizeId(cveId);
        return read(() -> {
            SortedMap<KernelRelease, Integer> out = new TreeMap<>();
            for (KernelState k : catalog.kernels()) {
                int v = k.firstVersionCarrying(id);
                if (v > 0) {
                    out.put(k.release, v);
                }
            }
            return Collections.unmodifiableSortedMap(out);
        });
    }

    /** The CVE record with this id, if known. */
    public Optional<CveRecord> cveRecord(String cveId) {
        String id = Fix.normalizeId(cveId);
        return read(() -> {
            int c = catalog.cves().ordinal(id);
            return c < 0 ? Optional.<CveRecord>empty() : Optional.of(catalog.cves().get(c));
        });
    }

    /** How big the audit is: for the server's metrics and the benchmark. */
    public AuditSize size() {
        return read(() -> new AuditSize(fleet.hosts(), fleet.classes().size(), fleet.slices(), fleet.cohorts(),
                catalog.cves().size(), catalog.kernels().size()));
    }

    /**
     * Hosts; posture classes with hosts; slices (class x next boot kernel: what unfiltered queries
     * count); cohorts (slice x group: what group filters count); CVEs; kernels known.
     */
    public record AuditSize(int hosts, int classes, int slices, int cohorts, int cves, int kernels) {
    }

    // ---- internals ----

    /** A host list of one-CVE query: its stale prefix length and the verdict codes of both parts. */
    private record Listed(DeadlineList members, int staleCount, byte fresh, byte stale) {
    }

    /** The hosts of each wanted verdict, ascending; {@code counts} sizes the arrays exactly. */
    private static Map<Verdict, HostIds> listHosts(List<Listed> listed, boolean[] wanted, int[] counts) {
        int[][] out = new int[VerdictCodes.COUNT][];
        int[] at = new int[VerdictCodes.COUNT];
        for (int v = 0; v < out.length; v++) {
            out[v] = wanted[v] ? new int[counts[v]] : null;
        }
        for (Listed l : listed) {
            if (wanted[l.stale()]) {
                l.members().copyHosts(0, l.staleCount(), out[l.stale()], at[l.stale()]);
                at[l.stale()] += l.staleCount();
            }
            if (wanted[l.fresh()]) {
                int fresh = l.members().size() - l.staleCount();
                l.members().copyHosts(l.staleCount(), l.members().size(), out[l.fresh()], at[l.fresh()]);
                at[l.fresh()] += fresh;
            }
        }
        Map<Verdict, HostIds> hosts = new EnumMap<>(Verdict.class);
        for (int v = 0; v < out.length; v++) {
            if (out[v] != null) {
                hosts.put(VerdictCodes.verdict(v), HostIds.sorting(out[v]));
            }
        }
        return hosts;
    }

    private LocalDate today(Instant now) {
        return LocalDate.ofInstant(now, zone);
    }

    private <T> T read(Supplier<T> query) {
        return locked(lock.readLock(), query);
    }

    private <T> T write(Supplier<T> event) {
        return locked(lock.writeLock(), event);
    }

    private void update(Runnable event) {
        locked(lock.writeLock(), () -> {
            event.run();
            return null;
        });
    }

    private static <T> T locked(Lock l, Supplier<T> body) {
        l.lock();
        try {
            return body.get();
        } finally {
            l.unlock();
        }
    }
}
