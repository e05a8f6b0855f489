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
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.HostFacts;
import org.klp.core.audit.Posture;
import org.klp.core.audit.PostureAudit;
import org.klp.core.audit.PostureClass;
import org.klp.core.audit.Transition;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CveStore;
import org.klp.server.store.Database;
import org.klp.server.store.FleetFeed;
import org.klp.server.store.LivePatchEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's fleet CVE audit ({@link PostureAudit}), built from the store at start and kept
 * current by following the fleet feed ({@link FleetFeed}): every check-in, removal, group move and
 * policy, catalog or CVE change committed by any instance on the database, in commit order. So
 * every instance answers the same, and no batch job makes anything stale.
 *
 * <h2>One follower, queries that catch up</h2>
 * One thread, {@code klp-audit}, loads the fleet and then follows the feed from the position the
 * load started at: it reads the events after its position and applies them in order, many
 * check-ins under one lock. It sleeps until woken: by this instance's check-in writer after a
 * commit, by a query that needs it, by PostgreSQL's {@code NOTIFY} when another instance commits,
 * or after {@link #POLL} at the latest. A query first reads the feed's committed head and waits
 * until the follower applied it ({@link #current()}): whatever any instance acknowledged before the
 * query is in its answer, whichever instance answers.
 *
 * <p>Cost of that wait: a read of the head (one row), plus the follower's latency when it is
 * behind (a read of the new events and their application, milliseconds). Queries hold the
 * audit's read lock briefly (the fleet summary scans outside it), so the follower rarely waits.
 *
 * <h2>Behind, by how much</h2>
 * {@link #lag()} says how many committed events this instance has not applied and for how long it
 * has been behind; {@code /health} and {@code audit/status} show it. An instance that fell behind
 * events already pruned (it was stopped, or stalled for minutes) rebuilds its audit from the store.
 *
 * <h2>What feeds a host's verdicts</h2>
 * <ul>
 *   <li>Its last check-in's posture (running kernel, loaded live patch version, transition,
 *       forced) and installed kernels; its group (ids are numbered here, densely, in first-seen
 *       order).</li>
 *   <li>Its hold: the version its group's policy gives it ({@link PolicyEngine#hold}) when that is
 *       below the newest published for its kernel, and why — an explicit pin, a {@code pin}-policy
 *       group holding its version, a staged group waiting for a promotion, a halted rollout; none
 *       otherwise. A policy change re-pins whole cohorts ({@link PostureAudit#applyHolds}).</li>
 *   <li>Staleness: a host is stale once {@code staleAfter} (1.5 check-in intervals) has passed
 *       since its last check-in with a posture (a keepalive does not count): agents check in every
 *       interval with up to 10% jitter, so half an interval of grace tolerates one slow run.</li>
 * </ul>
 * Host ids are the systems' ids (an identity sequence: dense).
 */
public final class AuditService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);
    /** Events read and applied per round; check-ins among them under one lock. */
    private static final int MAX_BATCH = 10_000;
    /** How long a query waits for the audit to catch up (or to finish loading) before it is refused with 503. */
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The longest the follower sleeps without a wake-up: the bound on its delay should a notification be lost. */
    static final Duration POLL = Duration.ofSeconds(1);
    /** How often the follower tells the database where it is (its heartbeat holds back the feed's pruning). */
    static final Duration HEARTBEAT = Duration.ofSeconds(2);

    /** The audit cannot answer yet (still loading, or behind for longer than {@link #WAIT}): retry. */
    public static final class NotCurrent extends RuntimeException {
        NotCurrent(String message) {
            super(message);
        }
    }

    /**
     * How far behind the feed this instance is: {@code behindEvents} committed events not applied
     * yet, for {@code behind} (0 when current). For {@code /health}, {@code audit/status} and metrics.
     */
    public record Lag(String instance, long position, long head, long behindEvents, Duration behind) {
    }

    /** How the audit is doing: for {@code GET /api/v1/audit/status}, operators and the benchmark. */
    public record Status(boolean ready, long loadMillis, Lag lag, PostureAudit.AuditSize size, Duration staleAfter, Long retainedBytes,
                         String failure, long reloads, long skippedEvents) {
    }

    /**
     * With {@code -Dklp.audit.measureHeap=true} the load measures the heap the audit retains (used
     * heap after a full GC before and after it) and reports it in {@link Status}: for the benchmark
     * and capacity planning; it costs two full collections at start, so it is off by default.
     */
    static final boolean MEASURE_HEAP = Boolean.getBoolean("klp.audit.measureHeap");

    /** What the follower knows of one built audit: the audit and what of the catalog it has been fed. Owned by the klp-audit thread. */
    private static final class Built {
        final PostureAudit audit = PostureAudit.create(ScopePolicy.DEFAULT, ZoneOffset.UTC);
        final Set<String> kernelsFed = new HashSet<>();
        final Set<String> versionsFed = new HashSet<>();
        long cveRevision = -1;
    }

    private final Jdbi jdbi;
    private final Database database;
    private final CatalogStore catalog;
    private final CveStore cves;
    private final CveImporter importer;
    private final PolicyEngine engine;
    private final Clock clock;
    private final Duration staleAfter;
    private final String instance = "klp-" + UUID.randomUUID().toString().substring(0, 8);
    private final GroupIds groups = new GroupIds();
    private final Object progress = new Object();
    private final Object wake = new Object();
    private final Thread thread;
    private final Map<String, KernelRelease> releases = new HashMap<>();
    private Built built = new Built();
    private volatile PostureAudit audit = built.audit;
    private volatile long applied = -1;
    private volatile long head;
    private volatile long behindSince;
    private volatile boolean poked;
    private volatile boolean ready;
    private volatile boolean running = true;
    private volatile long loadMillis;
    private volatile String failure;
    private volatile Long retainedBytes;
    private volatile long reloads;
    private volatile long skipped;
    private volatile boolean held;
    private Database.Listening listening;

    /**
     * A service not yet loading; {@link #start()} loads the store and follows the feed on its own
     * thread. Hosts are stale {@code 1.5 x checkinInterval} after their last check-in.
     */
    public AuditService(Database database, CatalogStore catalog, CveStore cves, CveImporter importer, PolicyEngine engine, Clock clock,
                        Duration checkinInterval) {
        this.database = database;
        this.jdbi = database.jdbi();
        this.catalog = catalog;
        this.cves = cves;
        this.importer = importer;
        this.engine = engine;
        this.clock = clock;
        this.staleAfter = checkinInterval.plus(checkinInterval.dividedBy(2));
        this.thread = new Thread(this::run, "klp-audit");
        thread.setDaemon(true);
    }

    public void start() {
        listening = database.listen(FleetFeed.CHANNEL, this::poke);
        thread.start();
    }

    /** Wakes the follower: something was committed (by this instance's writer, or announced by the database). */
    public void poke() {
        synchronized (wake) {
            poked = true;
            wake.notifyAll();
        }
    }

    // ---- queries

    /**
     * The audit, once every event committed before this call is applied: what a query reads.
     * Waits at most {@link #WAIT}; then (or while the fleet is still loading) throws {@link NotCurrent}.
     */
    public PostureAudit current() {
        long target = jdbi.withHandle(FleetFeed::head);
        if (ready && applied >= target) {
            return audit;
        }
        poke();
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

    /**
     * The current audit when it has loaded (waiting, as {@link #current()}, for what was committed
     * before); empty while it first loads: for answers that can do without it.
     */
    public java.util.Optional<PostureAudit> currentIfLoaded() {
        return ready ? java.util.Optional.of(current()) : java.util.Optional.empty();
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

    /** The feed position this instance's audit has applied (-1 while it first loads): a plain value for metrics and benchmarks. */
    public long position() {
        return applied;
    }

    /** This instance's name in the feed's instance list. */
    public String instance() {
        return instance;
    }

    /**
     * How far behind the feed this instance is: the committed head read now, the position the
     * follower applied, and since when this instance has known itself behind.
     */
    public Lag lag() {
        try {
            observe(jdbi.withHandle(FleetFeed::head));
        } catch (RuntimeException e) {
            // the database is unreachable: say what was last known
        }
        long position = Math.max(0, applied);
        long h = Math.max(head, position);
        long since = behindSince;
        Duration behind = h > position && since != 0 ? Duration.ofNanos(Math.max(0, System.nanoTime() - since)) : Duration.ZERO;
        return new Lag(instance, position, h, h - position, behind);
    }

    /**
     * The audit as it is now, without waiting for the feed, or empty while it loads: for figures
     * that may trail by the {@link #lag()} (metrics), never for answers to operators.
     */
    public java.util.Optional<PostureAudit> asIs() {
        return ready ? java.util.Optional.of(audit) : java.util.Optional.empty();
    }

    public Status status() {
        PostureAudit a = audit;
        return new Status(ready, loadMillis, lag(), ready ? a.size() : null, staleAfter, retainedBytes, failure, reloads, skipped);
    }

    // ---- the klp-audit thread

    private void run() {
        long lastHeartbeat = 0;
        while (running) {
            try {
                if (held) {
                    sleep();
                    continue;
                }
                if (!ready) {
                    load();
                    failure = null;
                    ready = true;
                    signal(applied);
                }
                if (System.nanoTime() - lastHeartbeat > HEARTBEAT.toNanos()) {
                    // on time whether caught up or not: a heartbeat holds back the pruning of events this instance still needs
                    long at = applied;
                    jdbi.useTransaction(x -> FleetFeed.heartbeat(x, instance, at, Instant.now()));
                    lastHeartbeat = System.nanoTime();
                }
                long h = jdbi.withHandle(FleetFeed::head);
                observe(h);
                if (h > applied) {
                    List<FleetFeed.Numbered> events = jdbi.withHandle(x -> FleetFeed.after(x, applied, MAX_BATCH));
                    if (events.isEmpty() || events.get(0).seq() != applied + 1) {
                        LOG.warn("the CVE audit of instance {} is at event {}, and the feed no longer holds the events after it; rebuilding it"
                                + " from the store", instance, applied);
                        reloads++;
                        ready = false;
                        continue;
                    }
                    apply(events);
                    signal(events.get(events.size() - 1).seq());
                    observe(head);
                    continue;
                }
                sleep();
            } catch (RuntimeException e) {
                failure = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.error("the CVE audit could not {}; again in 1 s", ready ? "follow the fleet feed" : "load the fleet", e);
                pause(1000);
            }
        }
    }

    /**
     * Stops the follower until the returned handle is closed, as a stalled instance would be:
     * for tests of what a lagging instance reports.
     */
    AutoCloseable holdFollower() {
        held = true;
        return () -> {
            held = false;
            poke();
        };
    }

    /** Notes the head: when this instance first saw itself behind, for {@link #lag()}. */
    private synchronized void observe(long h) {
        head = Math.max(head, h);
        if (head > applied) {
            if (behindSince == 0) {
                behindSince = System.nanoTime();
            }
        } else {
            behindSince = 0;
        }
    }

    private void sleep() {
        synchronized (wake) {
            if (!poked) {
                try {
                    wake.wait(POLL.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                }
            }
            poked = false;
        }
    }

    private void signal(long upTo) {
        synchronized (progress) {
            applied = Math.max(applied, upTo);
            progress.notifyAll();
        }
    }

    /**
     * Builds the audit from the store: catalog, CVE records, then every host that checked in,
     * oldest check-in first; it then follows the feed from the fold position read first (events
     * after it that the systems' rows already show are applied again, which changes nothing).
     */
    private void load() {
        long heapBefore = MEASURE_HEAP ? usedAfterGc() : 0;
        long t0 = System.nanoTime();
        long from = jdbi.inTransaction(h -> {
            long folded = FleetFeed.folded(h);
            FleetFeed.heartbeat(h, instance, folded, Instant.now());
            return folded;
        });
        int reconciled = importer.reconcileWithCatalog();
        if (reconciled > 0) {
            LOG.info("made or extended {} CVE records from the catalog's live patches", reconciled);
        }
        Built b = new Built();
        engine.reloadIfStale();
        resync(b);
        PolicySnapshot s = engine.snapshot();
        int[] hosts = new int[1];
        // Oldest first: each host then joins the end of its lists (deadlines ascending), no array shifts.
        // last_checkin, not last_seen: a keepalive does not make a host fresh, only a check-in with its posture does
        jdbi.useTransaction(h -> h.createQuery("select id, group_name, kernel, installed_kernels, loaded_version, transition, forced, last_checkin"
                        + " from systems where kernel is not null and last_checkin is not null order by last_checkin, id")
                .setFetchSize(10_000)
                .map((rs, c) -> facts(s, rs.getLong("id"), rs.getString("group_name"), rs.getString("kernel"), rs.getString("installed_kernels"),
                        rs.getInt("loaded_version"), HostPosture.IN_PROGRESS.equals(rs.getString("transition")), rs.getBoolean("forced"),
                        rs.getObject("last_checkin", java.time.OffsetDateTime.class).toInstant()))
                .useIterator(it -> {
                    List<HostFacts> chunk = new ArrayList<>(10_000);
                    while (it.hasNext()) {
                        HostFacts f = it.next();
                        if (f != null) {
                            chunk.add(f);
                        }
                        if (chunk.size() == 10_000) {
                            b.audit.checkIn(chunk);
                            hosts[0] += chunk.size();
                            chunk.clear();
                        }
                    }
                    b.audit.checkIn(chunk);
                    hosts[0] += chunk.size();
                }));
        built = b;
        audit = b.audit;
        synchronized (progress) {
            applied = from;
        }
        loadMillis = (System.nanoTime() - t0) / 1_000_000;
        if (MEASURE_HEAP) {
            retainedBytes = usedAfterGc() - heapBefore;
            LOG.info("CVE audit retains {} MB of heap", retainedBytes / 1_000_000);
        }
        PostureAudit.AuditSize size = b.audit.size();
        LOG.info("CVE audit loaded in {} ms: {} hosts in {} posture classes, {} CVEs, {} kernels; following the fleet feed from event {}"
                + " as instance {}", loadMillis, hosts[0], size.classes(), size.cves(), size.kernels(), from, instance);
    }

    private void apply(List<FleetFeed.Numbered> batch) {
        Built b = built;
        PolicySnapshot s = engine.snapshot();
        List<HostFacts> checkins = new ArrayList<>();
        // the facts of hosts checked in by this batch and not applied yet, which a later 'seen' of the same host refreshes
        Map<Integer, HostFacts> pending = new HashMap<>();
        boolean resync = false;
        for (FleetFeed.Numbered n : batch) {
            FleetFeed.Event e = n.event();
            if (e instanceof FleetFeed.CheckedIn c) {
                HostFacts f;
                try {
                    f = facts(s, c.systemId(), c.group(), c.kernel(), c.installedKernels(), c.loadedVersion(), c.inProgress(), c.forced(), c.at());
                } catch (RuntimeException bad) {
                    // one event the audit cannot read must not stop it following every other
                    skipped++;
                    LOG.warn("the CVE audit skips event {} (system {}): {}", n.seq(), c.systemId(), bad.getMessage());
                    continue;
                }
                if (f != null) {
                    checkins.add(f);
                    pending.put(f.hostId(), f);
                }
            } else if (e instanceof FleetFeed.Seen seen) {
                if (fits(seen.systemId())) {
                    HostFacts known = pending.get((int) seen.systemId());
                    java.util.Optional<HostFacts> base = known != null ? java.util.Optional.of(known) : b.audit.facts((int) seen.systemId());
                    base.ifPresent(f -> {
                        HostFacts again = new HostFacts(f.hostId(), f.group(), f.posture(), f.pinnedVersion(), f.heldBy(), f.installedKernels(),
                                seen.at(), f.checkInInterval());
                        checkins.add(again);
                        pending.put(f.hostId(), again);
                    });
                }
            } else if (e instanceof FleetFeed.Removed r) {
                flush(b, checkins);
                pending.clear();
                if (fits(r.systemId())) {
                    b.audit.remove((int) r.systemId());
                }
            } else if (e instanceof FleetFeed.Regrouped g) {
                flush(b, checkins);
                pending.clear();
                if (fits(g.systemId())) {
                    b.audit.facts((int) g.systemId()).ifPresent(f -> {
                        PostureClass.Hold hold = hold(s, g.group(), f.posture());
                        b.audit.checkIn(new HostFacts(f.hostId(), groups.id(g.group()), f.posture(), hold.version(), hold.reason(),
                                f.installedKernels(), f.lastCheckIn(), f.checkInInterval()));
                    });
                }
            } else {
                resync = true;
            }
        }
        flush(b, checkins);
        if (resync) {
            // after the check-ins: those were placed with the newest snapshot already, and a re-pin is idempotent
            engine.reloadIfStale();
            resync(b);
        }
    }

    private static void flush(Built b, List<HostFacts> checkins) {
        b.audit.checkIn(checkins);
        checkins.clear();
    }

    /**
     * Follows the store: kernels and live patch versions not fed yet (read from the policy
     * snapshot, their fixes from the catalog), CVE records changed since the last revision seen,
     * then every cohort re-pinned by the snapshot's policies.
     */
    private void resync(Built b) {
        PolicySnapshot s = engine.snapshot();
        List<String> withNewVersions = new ArrayList<>();
        for (PolicySnapshot.KernelInfo k : s.kernels().values()) {
            String uname = k.entry().release().uname();
            if (b.kernelsFed.add(uname)) {
                b.audit.addKernel(new CatalogKernel(k.entry().release(), k.entry().released(), k.entry().endOfSupport()));
            }
            if (k.versions().stream().anyMatch(v -> !b.versionsFed.contains(uname + "|" + v))) {
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
                if (b.versionsFed.add(e.kernel() + "|" + e.version())) {
                    List<org.klp.core.patch.Fix> fixes = e.fixes().stream().map(f -> distinct.computeIfAbsent(f, x -> x)).toList();
                    try {
                        b.audit.publish(new LivePatchPackage(release(e.kernel()), e.version(), e.released(), fixes, List.of()));
                    } catch (IllegalArgumentException ex) {
                        LOG.warn("the CVE audit leaves out {} version {}: {}", e.kernel(), e.version(), ex.getMessage());
                    }
                }
            }
        }
        long since = b.cveRevision;
        List<CveStore.StoredCve> changed = jdbi.withHandle(h -> cves.changedSince(h, since));
        b.audit.putCves(changed.stream().map(CveStore.StoredCve::record).toList());
        for (CveStore.StoredCve c : changed) {
            b.cveRevision = Math.max(b.cveRevision, c.revision());
        }
        int moved = b.audit.applyHolds((group, posture) -> hold(s, groups.name(group), posture));
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
        PostureClass.Hold hold = hold(s, group, posture);
        return new HostFacts((int) id, groups.id(group), posture, hold.version(), hold.reason(), kernels, at, staleAfter);
    }

    /** The version the policy holds a host at, when below the newest for its kernel, and why ({@link PostureClass.Hold#NONE} when not held). */
    private static PostureClass.Hold hold(PolicySnapshot s, String group, Posture posture) {
        return PolicyEngine.hold(s, group, posture.kernel().uname(), posture.loadedVersion());
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
            pause(100);
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        if (listening != null) {
            listening.close();
        }
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            jdbi.useTransaction(h -> FleetFeed.leave(h, instance));
        } catch (RuntimeException e) {
            // the database is going away too; a silent instance stops holding events back after two minutes
        }
    }
}
