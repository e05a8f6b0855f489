package org.klp.server.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.HostFacts;
import org.klp.core.audit.Posture;
import org.klp.core.audit.PostureAudit;
import org.klp.core.audit.Transition;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CheckinWriter;
import org.klp.server.store.CveStore;
import org.klp.server.store.LivePatchEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server instance's fleet CVE audit ({@link PostureAudit}), built from the store at start and
 * kept current by every change the instance commits: no batch job, no staleness.
 *
 * <h2>One writer, queries that catch up</h2>
 * Changes arrive as {@link Event}s, each numbered as it is queued: check-ins from the check-in
 * writer right after their group commits (before any is acknowledged), removals and group moves
 * from the operators' API, and a {@link Resync} after every reload of the policy snapshot (a
 * publication, a CVE import, a policy, pin or rollout change, here or by another instance on the
 * same database). One thread, {@code klp-audit}, applies them in order, many check-ins per lock.
 * So a check-in never waits for the audit: its writer only queues. A query first waits until every
 * event queued before it began is applied ({@link #current()}), then reads: whatever was
 * acknowledged before the query is in its answer.
 *
 * <p>Cost of that wait: usually the applier's own latency (microseconds to a few milliseconds for a
 * group of check-ins). Queries hold the audit's read lock briefly (the fleet summary scans outside
 * it), so the applier rarely waits for one; the longest holds are lifecycle reports over the whole
 * fleet (a sort of every host).
 *
 * <h2>What feeds a host's verdicts</h2>
 * <ul>
 *   <li>Its last check-in's posture (running kernel, loaded live patch version, transition,
 *       forced) and installed kernels; its group (ids are numbered here, densely, in first-seen
 *       order).</li>
 *   <li>Its pin: the version its group's policy gives it ({@link PolicyEngine#targetVersion}) when
 *       that is below the newest published for its kernel — an explicit pin, a {@code pin}-policy
 *       group holding its version, a staged group waiting for a promotion, a canary of a halted
 *       rollout; 0 otherwise. A policy change re-pins whole cohorts ({@link PostureAudit#repin}).</li>
 *   <li>Staleness: a host is stale once {@code staleAfter} (1.5 check-in intervals) has passed
 *       since its last check-in: agents check in every interval with up to 10% jitter, so half an
 *       interval of grace tolerates one slow run without crying wolf.</li>
 * </ul>
 * Host ids are the systems' ids (an identity sequence: dense).
 */
public final class AuditService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);
    /** Events applied per round; check-ins among them under one lock. */
    private static final int MAX_BATCH = 10_000;
    /** How long a query waits for the audit to catch up (or to finish loading) before it is refused with 503. */
    static final Duration WAIT = Duration.ofSeconds(30);

    /** What changes the audit; closed. */
    sealed interface Event permits CheckedIn, Removed, Regrouped, Resync {
    }

    record CheckedIn(long systemId, String group, HostPosture posture, Instant at) implements Event {
    }

    record Removed(long systemId) implements Event {
    }

    record Regrouped(long systemId, String group) implements Event {
    }

    /** The catalog, CVE records or policies changed: read what changed, re-pin. */
    record Resync() implements Event {
    }

    /** An event, its number, and when it was queued ({@link System#nanoTime()}: for {@link #lag()}). */
    private record Queued(long seq, Event event, long queuedNanos) {
    }

    /** The audit cannot answer yet (still loading, or behind for longer than {@link #WAIT}): retry. */
    public static final class NotCurrent extends RuntimeException {
        NotCurrent(String message) {
            super(message);
        }
    }

    /** How the audit is doing: for {@code GET /api/v1/audit/status}, operators and the benchmark. */
    public record Status(boolean ready, long loadMillis, long pendingEvents, PostureAudit.AuditSize size, Duration staleAfter,
                         Long retainedBytes, String failure) {
    }

    /**
     * With {@code -Dklp.audit.measureHeap=true} the load measures the heap the audit retains (used
     * heap after a full GC before and after it) and reports it in {@link Status}: for the benchmark
     * and capacity planning; it costs two full collections at start, so it is off by default.
     */
    static final boolean MEASURE_HEAP = Boolean.getBoolean("klp.audit.measureHeap");

    private final PostureAudit audit = PostureAudit.create(ScopePolicy.DEFAULT, ZoneOffset.UTC);
    private final Jdbi jdbi;
    private final CatalogStore catalog;
    private final CveStore cves;
    private final CveImporter importer;
    private final PolicyEngine engine;
    private final Clock clock;
    private final Duration staleAfter;
    private final GroupIds groups = new GroupIds();
    private final LinkedBlockingQueue<Queued> queue = new LinkedBlockingQueue<>();
    private final Object progress = new Object();
    private final Thread thread;
    private long enqueued;
    private volatile long lastQueued;
    private volatile long applied;
    private volatile boolean ready;
    private volatile boolean running = true;
    private volatile long loadMillis;
    private volatile String failure;
    private volatile Long retainedBytes;
    /** When the oldest event of the batch being applied was queued; {@link #IDLE} when no batch is. */
    private volatile long applyingSince = IDLE;
    private static final long IDLE = Long.MIN_VALUE;

    // Owned by the klp-audit thread.
    private final Set<String> kernelsFed = new HashSet<>();
    private final Set<String> versionsFed = new HashSet<>();
    private final Map<String, KernelRelease> releases = new HashMap<>();
    private long cveRevision = -1;

    /**
     * A service not yet loading; {@link #start()} loads the store on its own thread. Hosts are
     * stale {@code 1.5 x checkinInterval} after their last check-in.
     */
    public AuditService(Jdbi jdbi, CatalogStore catalog, CveStore cves, CveImporter importer, PolicyEngine engine, Clock clock,
                        Duration checkinInterval) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.cves = cves;
        this.importer = importer;
        this.engine = engine;
        this.clock = clock;
        this.staleAfter = checkinInterval.plus(checkinInterval.dividedBy(2));
        this.thread = new Thread(this::run, "klp-audit");
        thread.setDaemon(true);
        engine.onReload(() -> submit(new Resync()));
    }

    public void start() {
        thread.start();
    }

    // ---- events

    /** The check-in writer's hook: called after each group commits, before any of it is acknowledged. */
    public void committed(List<CheckinWriter.Committed> checkins) {
        List<Event> events = new ArrayList<>(checkins.size());
        for (CheckinWriter.Committed c : checkins) {
            events.add(new CheckedIn(c.systemId(), c.group(), c.posture(), c.at()));
        }
        submit(events);
    }

    public void removed(long systemId) {
        submit(new Removed(systemId));
    }

    public void regrouped(long systemId, String group) {
        submit(new Regrouped(systemId, group));
    }

    private void submit(Event e) {
        submit(List.of(e));
    }

    /** Numbers and queues events; numbers and queue order agree, so "applied up to n" means every event up to n. */
    private synchronized void submit(List<Event> events) {
        for (Event e : events) {
            queue.add(new Queued(++enqueued, e, System.nanoTime()));
        }
        lastQueued = enqueued;
    }

    // ---- queries

    /**
     * The audit, once every event queued before this call is applied: what a query reads. Waits at
     * most {@link #WAIT}; then (or while the fleet is still loading) throws {@link NotCurrent}.
     */
    public PostureAudit current() {
        long target = lastQueued;
        if (ready && applied >= target) {
            return audit;
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (progress) {
            while (!ready || applied < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new NotCurrent(ready ? "the CVE audit is " + (target - applied) + " events behind after " + WAIT.toSeconds()
                            + " s; retry" : "the CVE audit is still loading the fleet" + (failure == null ? "" : " (" + failure + ")")
                            + "; retry in a few seconds");
                }
                try {
                    progress.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NotCurrent("interrupted while waiting for the CVE audit");
                }
            }
        }
        return audit;
    }

    public Instant now() {
        return clock.instant();
    }

    /** The audit's number of a group, or -1 when no host of that name was ever audited. */
    public int groupId(String name) {
        return groups.find(name);
    }

    public String groupName(int id) {
        return groups.name(id);
    }

    public Duration staleAfter() {
        return staleAfter;
    }

    /**
     * How far this instance's audit is behind what was committed to it: the age of the oldest event
     * queued and not yet applied, zero when it is current. (Other instances' commits reach it as a
     * resync when the policy generation moves; their check-ins do not yet: see the README.)
     */
    public Duration lag() {
        long since = applyingSince;
        if (since == IDLE) {
            Queued head = queue.peek();
            if (head == null) {
                return Duration.ZERO;
            }
            since = head.queuedNanos();
        }
        return Duration.ofNanos(Math.max(0, System.nanoTime() - since));
    }

    /**
     * The audit as it is now, without waiting for events still queued, or empty while it loads:
     * for figures that may trail by the {@link #lag()} (metrics), never for answers to operators.
     */
    public java.util.Optional<PostureAudit> asIs() {
        return ready ? java.util.Optional.of(audit) : java.util.Optional.empty();
    }

    public Status status() {
        return new Status(ready, loadMillis, lastQueued - applied, ready ? audit.size() : null, staleAfter, retainedBytes, failure);
    }

    // ---- the klp-audit thread

    private void run() {
        while (running && !ready) {
            try {
                load();
                failure = null;
                ready = true;
                signal(applied);
            } catch (RuntimeException e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.error("loading the CVE audit failed; retrying in 5 s", e);
                sleep(5000);
            }
        }
        List<Queued> batch = new ArrayList<>();
        while (running) {
            try {
                Queued first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                applyingSince = first.queuedNanos();
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                apply(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("the CVE audit could not apply {} events", batch.size(), e);
            } finally {
                applyingSince = IDLE;
                if (!batch.isEmpty()) {
                    signal(batch.get(batch.size() - 1).seq());
                    batch.clear();
                }
            }
        }
    }

    private void signal(long upTo) {
        synchronized (progress) {
            applied = Math.max(applied, upTo);
            progress.notifyAll();
        }
    }

    /** Builds the audit from the store: catalog, CVE records, then every host that checked in, oldest check-in first. */
    private void load() {
        long heapBefore = MEASURE_HEAP ? usedAfterGc() : 0;
        long t0 = System.nanoTime();
        int reconciled = importer.reconcileWithCatalog();
        if (reconciled > 0) {
            LOG.info("made or extended {} CVE records from the catalog's live patches", reconciled);
        }
        resync();
        PolicySnapshot s = engine.snapshot();
        int[] hosts = new int[1];
        // Oldest first: each host then joins the end of its lists (deadlines ascending), no array shifts.
        jdbi.useTransaction(h -> h.createQuery("select id, group_name, kernel, installed_kernels, loaded_version, transition, forced, last_seen"
                        + " from systems where kernel is not null and last_seen is not null order by last_seen, id")
                .setFetchSize(10_000)
                .map((rs, c) -> facts(s, rs.getLong("id"), rs.getString("group_name"), rs.getString("kernel"), rs.getString("installed_kernels"),
                        rs.getInt("loaded_version"), HostPosture.IN_PROGRESS.equals(rs.getString("transition")), rs.getBoolean("forced"),
                        rs.getObject("last_seen", java.time.OffsetDateTime.class).toInstant()))
                .useIterator(it -> {
                    List<HostFacts> chunk = new ArrayList<>(10_000);
                    while (it.hasNext()) {
                        HostFacts f = it.next();
                        if (f != null) {
                            chunk.add(f);
                        }
                        if (chunk.size() == 10_000) {
                            audit.checkIn(chunk);
                            hosts[0] += chunk.size();
                            chunk.clear();
                        }
                    }
                    audit.checkIn(chunk);
                    hosts[0] += chunk.size();
                }));
        loadMillis = (System.nanoTime() - t0) / 1_000_000;
        if (MEASURE_HEAP) {
            retainedBytes = usedAfterGc() - heapBefore;
            LOG.info("CVE audit retains {} MB of heap", retainedBytes / 1_000_000);
        }
        PostureAudit.AuditSize size = audit.size();
        LOG.info("CVE audit loaded in {} ms: {} hosts in {} posture classes, {} CVEs, {} kernels", loadMillis, hosts[0], size.classes(),
                size.cves(), size.kernels());
    }

    private void apply(List<Queued> batch) {
        PolicySnapshot s = engine.snapshot();
        List<HostFacts> checkins = new ArrayList<>();
        boolean resync = false;
        for (Queued q : batch) {
            Event e = q.event();
            if (e instanceof CheckedIn c) {
                HostFacts f = facts(s, c.systemId(), c.group(), c.posture().kernel(), String.join(",", c.posture().installedKernels()),
                        c.posture().loadedVersion(), HostPosture.IN_PROGRESS.equals(c.posture().transition()), c.posture().forced(), c.at());
                if (f != null) {
                    checkins.add(f);
                }
            } else if (e instanceof Removed r) {
                flush(checkins);
                if (fits(r.systemId())) {
                    audit.remove((int) r.systemId());
                }
            } else if (e instanceof Regrouped g) {
                flush(checkins);
                if (fits(g.systemId())) {
                    audit.facts((int) g.systemId()).ifPresent(f -> audit.checkIn(new HostFacts(f.hostId(), groups.id(g.group()), f.posture(),
                            pin(s, g.group(), f.posture()), f.installedKernels(), f.lastCheckIn(), f.checkInInterval())));
                }
            } else {
                resync = true;
            }
        }
        flush(checkins);
        if (resync) {
            // after the check-ins: those were placed with the newest snapshot already, and a re-pin is idempotent
            resync();
        }
    }

    private void flush(List<HostFacts> checkins) {
        audit.checkIn(checkins);
        checkins.clear();
    }

    /**
     * Follows the store: kernels and live patch versions not fed yet (read from the policy
     * snapshot, their fixes from the catalog), CVE records changed since the last revision seen,
     * then every cohort re-pinned by the snapshot's policies.
     */
    private void resync() {
        PolicySnapshot s = engine.snapshot();
        List<String> withNewVersions = new ArrayList<>();
        for (PolicySnapshot.KernelInfo k : s.kernels().values()) {
            String uname = k.entry().release().uname();
            if (kernelsFed.add(uname)) {
                audit.addKernel(new CatalogKernel(k.entry().release(), k.entry().released(), k.entry().endOfSupport()));
            }
            if (k.versions().stream().anyMatch(v -> !versionsFed.contains(uname + "|" + v))) {
                withNewVersions.add(uname);
            }
        }
        if (!withNewVersions.isEmpty()) {
            List<LivePatchEntry> entries = withNewVersions.size() > 50 ? catalog.livePatches()
                    : jdbi.withHandle(h -> {
                        List<LivePatchEntry> l = new ArrayList<>();
                        for (String k : withNewVersions) {
                            l.addAll(catalog.livePatches(h, k));
                        }
                        return l;
                    });
            entries = new ArrayList<>(entries);
            entries.sort(Comparator.comparing(LivePatchEntry::kernel).thenComparingInt(LivePatchEntry::version));
            // cumulative versions repeat their predecessors' fixes: one object per distinct fix, not one per row
            Map<org.klp.core.patch.Fix, org.klp.core.patch.Fix> distinct = new HashMap<>();
            for (LivePatchEntry e : entries) {
                if (versionsFed.add(e.kernel() + "|" + e.version())) {
                    List<org.klp.core.patch.Fix> fixes = e.fixes().stream().map(f -> distinct.computeIfAbsent(f, x -> x)).toList();
                    try {
                        audit.publish(new LivePatchPackage(release(e.kernel()), e.version(), e.released(), fixes, List.of()));
                    } catch (IllegalArgumentException ex) {
                        LOG.warn("the CVE audit leaves out {} version {}: {}", e.kernel(), e.version(), ex.getMessage());
                    }
                }
            }
        }
        List<CveStore.StoredCve> changed = jdbi.withHandle(h -> cves.changedSince(h, cveRevision));
        audit.putCves(changed.stream().map(CveStore.StoredCve::record).toList());
        for (CveStore.StoredCve c : changed) {
            cveRevision = Math.max(cveRevision, c.revision());
        }
        int moved = audit.repin((group, posture) -> pin(s, groups.name(group), posture));
        if (moved > 0) {
            LOG.info("CVE audit: {} hosts re-pinned after a policy change", moved);
        }
    }

    /** A host's facts from what it reported; null (and a warning) for an id the audit cannot index. */
    private HostFacts facts(PolicySnapshot s, long id, String group, String kernel, String installed, int loadedVersion, boolean inProgress,
                            boolean forced, Instant at) {
        if (!fits(id)) {
            LOG.warn("system id {} is too large for the CVE audit; it is left out", id);
            return null;
        }
        KernelRelease running = release(kernel);
        Posture posture = loadedVersion <= 0 ? Posture.unpatched(running)
                : new Posture(running, loadedVersion, inProgress ? Transition.IN_PROGRESS : Transition.COMPLETE, forced);
        List<KernelRelease> kernels = new ArrayList<>();
        if (installed != null && !installed.isEmpty()) {
            for (String k : installed.split(",")) {
                kernels.add(release(k));
            }
        }
        return new HostFacts((int) id, groups.id(group), posture, pin(s, group, posture), kernels, at, staleAfter);
    }

    /** The version the policy holds a host at, when below the newest for its kernel; 0 when not held back. */
    private static int pin(PolicySnapshot s, String group, Posture posture) {
        String kernel = posture.kernel().uname();
        PolicySnapshot.KernelInfo info = s.kernels().get(kernel);
        if (info == null || group == null) {
            return 0;
        }
        Integer target = PolicyEngine.targetVersion(s, group, kernel, posture.loadedVersion());
        return target == null || target >= info.newest() ? 0 : target;
    }

    private KernelRelease release(String uname) {
        KernelRelease k = releases.get(uname);
        if (k == null) {
            k = KernelRelease.parse(uname);
            if (releases.size() < 100_000) {
                releases.put(uname, k);
            }
        }
        return k;
    }

    private static boolean fits(long id) {
        return id >= 0 && id < Integer.MAX_VALUE;
    }

    private static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            sleep(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
