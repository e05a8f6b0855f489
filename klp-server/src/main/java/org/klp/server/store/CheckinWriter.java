package org.klp.server.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.klp.core.fleet.HostPosture;
import org.klp.core.fleet.PostureChange;
import org.klp.core.fleet.PostureDiff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores check-ins with group commit: request threads hand their check-in to a queue and wait;
 * one writer thread takes everything queued (up to {@link #MAX_BATCH}), writes it in one
 * transaction, commits, and only then completes the waiting requests. So a request is answered
 * 2xx only after its check-in is committed, and the database sees one commit per group instead of
 * one per check-in: under load, groups grow and throughput follows the commit rate times the
 * group size.
 *
 * <h2>One read and one or two writes per group</h2>
 * Callers are authenticated before they get here (and before their request body is read); a
 * check-in names its system by id, and the group's query finds a system deleted meanwhile.
 * <ul>
 * <li>One query reads the group's systems' stored posture, one their activated products (a host
 *     gets live patches only from a product it activated). A check-in whose posture equals it
 *     (the common, idempotent case) only appends a {@code seen} event to the fleet feed
 *     ({@link FleetFeed}); one that changed something updates its system's row, writes history
 *     (the {@link PostureDiff} of the two postures, and a transition that passed its group's
 *     deadline) and appends a {@code checkin} event. So a repeated check-in changes nothing but
 *     "seen again". The group's events go to the feed last, in the same transaction: every
 *     instance's audit follows every acknowledged check-in.</li>
 * <li>{@code seen} events are folded into {@code systems.last_seen}, {@code last_checkin} and
 *     {@code checkins} every {@link #FOLD_MILLIS} by a thread of its own, at start, and whenever an
 *     operator reads systems ({@link #sync}), by whichever instance gets the {@code folded}
 *     position's lock. Folds and check-in groups update rows in id order, so they may wait for each
 *     other but never deadlock; a fold takes events up to the committed head and moves the
 *     position in the same transaction, so a check-in is counted exactly once. The fold also prunes
 *     the feed.</li>
 * </ul>
 *
 * <p>A full queue refuses new check-ins at once ({@link Overloaded}) rather than letting latency
 * grow without bound.
 *
 * <h2>One check-in never fails another's</h2>
 * Check-ins are validated before they are queued ({@code PostureRules}), so a group's transaction
 * should not fail. If it does all the same (a value the rules missed, a lock timeout), nothing of
 * the group was committed or acknowledged, and each of its check-ins is written again in a
 * transaction of its own: those that fail alone fail, with their own cause; the others are stored
 * and acknowledged as if nothing happened.
 */
public final class CheckinWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CheckinWriter.class);

    static final int MAX_BATCH = 1024;
    static final int QUEUE = 20_000;
    static final long FOLD_MILLIS = 5_000;
    /** Events folded per transaction. */
    static final int FOLD_CHUNK = 20_000;

    /** One check-in of an authenticated system. */
    public record Checkin(long systemId, HostPosture posture, Instant at) {
        public Checkin {
            Objects.requireNonNull(posture, "posture");
            Objects.requireNonNull(at, "at");
            if (systemId <= 0) {
                throw new IllegalArgumentException("a check-in needs a system id, was " + systemId);
            }
        }

        public static Checkin of(long systemId, HostPosture posture, Instant at) {
            return new Checkin(systemId, posture, at);
        }
    }

    /** How a check-in was stored: {@code found} false when the system no longer exists (deleted meanwhile). */
    public record Stored(long systemId, boolean found, String group, java.util.Set<Integer> activatedProducts) {
    }

    /** The queue is full: the server is overloaded; the client should retry later. */
    public static final class Overloaded extends RuntimeException {
        Overloaded() {
            super("the server is overloaded (check-in queue full); retry later");
        }
    }

    private record Pending(Checkin checkin, CompletableFuture<Stored> done) {
    }

    /** A system's stored posture columns, to tell a changed check-in from a repeated one. */
    private record Row(long id, String group, String kernel, String kernels, String patches, String patch, String pkg, int version,
                       String transition, long transitionSeconds, int blockers, long taint, long newTaint, boolean forced, String lastOperation,
                       int lastTarget, String lastResult, String lastMessage, Instant lastResultAt, Instant postureSince) {

        /** Every reported column equal (postureSince is the server's own). */
        boolean sameColumns(Row o) {
            return since(null).equals(o.since(null));
        }

        /** Same kernel, loaded version, transition and forced flag: the posture a canary soaks in. */
        boolean samePosture(Row o) {
            return Objects.equals(kernel, o.kernel) && version == o.version && Objects.equals(transition, o.transition) && forced == o.forced;
        }

        Row since(Instant at) {
            return new Row(id, group, kernel, kernels, patches, patch, pkg, version, transition, transitionSeconds, blockers, taint, newTaint,
                    forced, lastOperation, lastTarget, lastResult, lastMessage, lastResultAt, at);
        }

        Row withoutNewTaint() {
            return new Row(id, group, kernel, kernels, patches, patch, pkg, version, transition, transitionSeconds, blockers, taint, 0,
                    forced, lastOperation, lastTarget, lastResult, lastMessage, lastResultAt, postureSince);
        }

        /**
         * What the diff needs of the previous check-in (kernel, version, transition, taint, forced,
         * last apply); null before the first one, or when a stored value no longer reads (then the
         * check-in is judged as a first one rather than failing its group).
         */
        HostPosture posture() {
            if (kernel == null) {
                return null;
            }
            try {
                HostPosture.ApplyReport last = lastResult == null || lastResultAt == null ? null
                        : new HostPosture.ApplyReport(lastOperation == null ? "" : lastOperation, lastTarget, lastResult, lastMessage, lastResultAt.toString());
                return new HostPosture(kernel, List.of(), List.of(), patch, pkg, version, transition, transitionSeconds, blockers, taint, forced, last);
            } catch (RuntimeException e) {
                LOG.warn("system {}: its stored posture does not read ({}); judging its check-in as a first one", id, e.getMessage());
                return null;
            }
        }
    }

    private final Jdbi jdbi;
    private final java.util.function.Function<String, org.klp.core.rollout.GroupPolicy> policies;
    private final Runnable onCommit;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private final java.util.concurrent.ScheduledExecutorService folder;
    private final Object foldLock = new Object();
    private volatile boolean running = true;
    private volatile long batches;
    private volatile long written;

    public CheckinWriter(Jdbi jdbi) {
        this(jdbi, org.klp.core.rollout.GroupPolicy::latest, () -> { });
    }

    /**
     * {@code onCommit} runs after each group commits, before any of it is acknowledged: it wakes
     * this instance's audit, which reads the group's events from the feed (other instances are
     * woken by the database). It runs on the writer thread: it must be quick and must not block.
     * {@code policies} gives a group's policy (its transition deadline and on-timeout action, for
     * the history of a stuck transition); it must be quick too (the policy engine's snapshot).
     */
    public CheckinWriter(Jdbi jdbi, java.util.function.Function<String, org.klp.core.rollout.GroupPolicy> policies, Runnable onCommit) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.onCommit = onCommit;
        fold();
        this.writer = new Thread(this::loop, "klp-checkin-writer");
        writer.setDaemon(true);
        writer.start();
        this.folder = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "klp-checkin-fold");
            t.setDaemon(true);
            return t;
        });
        folder.scheduleWithFixedDelay(() -> {
            try {
                fold();
            } catch (RuntimeException e) {
                // the next fold retries; the log keeps every check-in meanwhile
                LOG.warn("folding the check-in log failed (the next fold retries): {}", e.toString());
            }
        }, FOLD_MILLIS, FOLD_MILLIS, TimeUnit.MILLISECONDS);
    }

    public CompletableFuture<Stored> submit(Checkin c) {
        CompletableFuture<Stored> f = new CompletableFuture<>();
        if (!running) {
            f.completeExceptionally(new IllegalStateException("the server is shutting down"));
        } else if (!queue.offer(new Pending(c, f))) {
            f.completeExceptionally(new Overloaded());
        }
        return f;
    }

    /** Folds the check-in log now, so that systems' last_seen and check-in counts are exact. */
    public void sync() {
        fold();
    }

    /** Commit groups written and check-ins stored so far (for the log and benchmarks). */
    public long batches() {
        return batches;
    }

    public long written() {
        return written;
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    write(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.done.completeExceptionally(new IllegalStateException("the server is shutting down"));
        }
    }

    private void write(List<Pending> batch) {
        List<Stored> results;
        try {
            results = jdbi.inTransaction(h -> store(h, batch));
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).done.completeExceptionally(e);
            } else {
                LOG.warn("a group of {} check-ins failed ({}); writing each alone", batch.size(), e.getClass().getSimpleName());
                writeEachAlone(batch);
            }
            return;
        }
        acknowledge(batch, results);
    }

    /** After a failed group: each check-in in its own transaction, so that only those that fail alone fail. */
    private void writeEachAlone(List<Pending> batch) {
        List<Pending> stored = new ArrayList<>(batch.size());
        List<Stored> results = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            try {
                results.add(jdbi.inTransaction(h -> store(h, List.of(p))).get(0));
                stored.add(p);
            } catch (RuntimeException e) {
                p.done.completeExceptionally(e);
            }
        }
        acknowledge(stored, results);
    }

    private void acknowledge(List<Pending> batch, List<Stored> results) {
        batches++;
        written += batch.size();
        try {
            onCommit.run();
        } catch (RuntimeException e) {
            // the check-ins are committed; the audit logs its own trouble and must not fail them
            LOG.warn("the CVE audit did not take {} committed check-ins: {}", batch.size(), e.toString());
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done.complete(results.get(i));
        }
    }

    private List<Stored> store(Handle h, List<Pending> batch) {
        long[] ids = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            ids[i] = batch.get(i).checkin.systemId();
        }
        Map<Long, Row> rows = new HashMap<>();
        List<Long> idList = java.util.Arrays.stream(ids).filter(x -> x > 0).distinct().boxed().toList();
        if (!idList.isEmpty()) {
            h.createQuery("select * from systems where id = any(:ids)").bindArray("ids", Long.class, idList).map((rs, c) -> rows.put(rs.getLong("id"),
                    new Row(rs.getLong("id"), rs.getString("group_name"), rs.getString("kernel"), rs.getString("installed_kernels"),
                            rs.getString("installed_patches"), rs.getString("loaded_patch"), rs.getString("loaded_package"), rs.getInt("loaded_version"),
                            rs.getString("transition"), rs.getLong("transition_seconds"), rs.getInt("blockers"), rs.getLong("taint"),
                            rs.getLong("new_taint"), rs.getBoolean("forced"), rs.getString("last_operation"), rs.getInt("last_target"),
                            rs.getString("last_result"), rs.getString("last_message"), Sql.instant(rs, "last_result_at"),
                            Sql.instant(rs, "posture_since")))).list();
        }
        Map<Long, java.util.Set<Integer>> activated = new HashMap<>();
        if (!idList.isEmpty()) {
            h.createQuery("select system_id, product_id from activations where system_id = any(:ids)").bindArray("ids", Long.class, idList)
                    .map((rs, c) -> activated.computeIfAbsent(rs.getLong("system_id"), k -> new java.util.HashSet<>()).add(rs.getInt("product_id")))
                    .list();
        }
        List<FleetFeed.Event> feed = new ArrayList<>(batch.size());
        List<Update> updates = new ArrayList<>();
        List<EventRow> eventRows = new ArrayList<>();
        List<Stored> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Checkin c = batch.get(i).checkin;
            Row before = rows.get(ids[i]);
            if (before == null) {
                out.add(new Stored(ids[i], false, null, java.util.Set.of()));
                continue;
            }
            HostPosture s = c.posture();
            HostPosture previous = before.posture();
            Row after = rowOf(before, previous, s);
            if (after.sameColumns(before) && before.newTaint == 0) {
                feed.add(new FleetFeed.Seen(c.at(), before.id));
            } else {
                feed.add(new FleetFeed.CheckedIn(c.at(), before.id, before.group, s.kernel(), after.kernels, s.loadedVersion(),
                        HostPosture.IN_PROGRESS.equals(s.transition()), s.forced()));
                boolean samePosture = before.samePosture(after) && before.postureSince != null;
                Row stored = after.since(samePosture ? before.postureSince : c.at());
                updates.add(new Update(stored, c.at()));
                for (PostureChange change : PostureDiff.between(previous, s)) {
                    Long elapsed = previous != null && HostPosture.IN_PROGRESS.equals(previous.transition()) && change instanceof PostureChange.ApplyEnded
                            ? previous.transitionSeconds() : null;
                    eventRows.add(new EventRow(before.id, c.at(), change.kind(), s.kernel(), change.version(), elapsed, change.message()));
                }
                stuck(before, previous, s, c.at()).ifPresent(eventRows::add);
                rows.put(before.id, stored.withoutNewTaint());
            }
            out.add(new Stored(before.id, true, before.group, java.util.Set.copyOf(activated.getOrDefault(before.id, java.util.Set.of()))));
        }
        if (!updates.isEmpty()) {
            // in id order, so that concurrent writers of several server instances lock rows in one order
            updates.sort(Comparator.comparingLong(u -> u.row().id));
            PreparedBatch update = h.prepareBatch("update systems set last_seen = :at, last_checkin = :at, checkins = checkins + 1, kernel = :kernel,"
                    + " installed_kernels = :kernels, installed_patches = :patches, loaded_patch = :patch, loaded_package = :package,"
                    + " loaded_version = :version, transition = :transition, transition_seconds = :tsec, blockers = :blockers, taint = :taint,"
                    + " new_taint = :newTaint, forced = :forced, last_operation = :lop, last_target = :ltarget, last_result = :lresult,"
                    + " last_message = :lmessage, last_result_at = :lat, posture_since = :since where id = :id");
            for (Update u : updates) {
                Row r = u.row();
                update.bind("at", Sql.ts(u.at())).bind("kernel", r.kernel).bind("kernels", r.kernels).bind("patches", r.patches)
                        .bind("patch", r.patch).bind("package", r.pkg).bind("version", r.version).bind("transition", r.transition)
                        .bind("tsec", r.transitionSeconds).bind("blockers", r.blockers).bind("taint", r.taint).bind("newTaint", r.newTaint)
                        .bind("forced", r.forced).bind("lop", r.lastOperation).bind("ltarget", r.lastTarget).bind("lresult", r.lastResult)
                        .bind("lmessage", r.lastMessage).bind("lat", Sql.ts(r.lastResultAt)).bind("since", Sql.ts(r.postureSince)).bind("id", r.id).add();
            }
            update.execute();
        }
        if (!eventRows.isEmpty()) {
            PreparedBatch events = h.prepareBatch("insert into system_events (system_id, at, kind, message, kernel, version, elapsed_seconds)"
                    + " values (:s, :at, :k, :m, :kernel, :v, :e)");
            for (EventRow e : eventRows) {
                events.bind("s", e.system()).bind("at", Sql.ts(e.at())).bind("k", e.kind()).bind("m", clip(e.message(), 2000))
                        .bind("kernel", e.kernel()).bind("v", e.version()).bind("e", e.elapsedSeconds()).add();
            }
            events.execute();
        }
        FleetFeed.append(h, feed);
        return out;
    }

    private record Update(Row row, Instant at) {
    }

    private record EventRow(long system, Instant at, String kind, String kernel, int version, Long elapsedSeconds, String message) {
    }

    /**
     * A transition that passed its group's deadline at this check-in (not at the previous one):
     * the history says so, with the real elapsed time and the on-timeout action the host is given.
     */
    private java.util.Optional<EventRow> stuck(Row before, HostPosture previous, HostPosture s, Instant at) {
        if (!HostPosture.IN_PROGRESS.equals(s.transition())) {
            return java.util.Optional.empty();
        }
        org.klp.core.rollout.GroupPolicy policy = policies.apply(before.group);
        long deadline = policy.transitionTimeout().toSeconds();
        if (s.transitionSeconds() < deadline) {
            return java.util.Optional.empty();
        }
        boolean already = previous != null && HostPosture.IN_PROGRESS.equals(previous.transition()) && previous.kernel().equals(s.kernel())
                && previous.loadedVersion() == s.loadedVersion() && previous.transitionSeconds() >= deadline
                && previous.transitionSeconds() <= s.transitionSeconds();
        if (already) {
            return java.util.Optional.empty();
        }
        String told = switch (policy.onTimeout()) {
            case REVERT -> "the host is told to reverse it";
            case FORCE -> "the host is told to force it";
            case WAIT -> "it is left to the kernel";
        };
        return java.util.Optional.of(new EventRow(before.id, at, STUCK_TRANSITION, s.kernel(), s.loadedVersion(), s.transitionSeconds(),
                "the transition to version " + s.loadedVersion() + " is stuck: " + s.transitionSeconds() + " s"
                        + (s.blockers() > 0 ? " (" + s.blockers() + " blocking task" + (s.blockers() == 1 ? "" : "s") + ")" : "")
                        + ", past the group's deadline of " + deadline + " s; on-timeout " + policy.onTimeout().word() + ": " + told));
    }

    /** The history kind of a transition that passed its group's deadline. */
    public static final String STUCK_TRANSITION = "stuck-transition";

    /** The row a check-in makes of its system's previous row. */
    private static Row rowOf(Row before, HostPosture previous, HostPosture s) {
        long newTaint = PostureDiff.newTaint(previous, s);
        HostPosture.ApplyReport last = s.lastApply();
        return new Row(before.id, before.group, s.kernel(), String.join(",", s.installedKernels()), SystemStore.joinPatches(s.installedLivePatches()),
                s.loadedPatch(), s.loadedPackage(), s.loadedVersion(), s.transition(), s.transitionSeconds(), s.blockers(), s.taint(), newTaint,
                s.forced(), last == null ? null : last.operation(), last == null ? 0 : last.targetVersion(), last == null ? null : last.result(),
                last == null ? null : clip(last.message(), 1000), last == null ? null : Instant.parse(last.at()), before.postureSince);
    }

    /** Folds the feed's 'seen' events into the systems' rows and prunes the feed. */
    private void fold() {
        synchronized (foldLock) {
            while (foldOnce()) {
                // more than one chunk was waiting
            }
            Instant now = Instant.now();
            jdbi.useTransaction(h -> FleetFeed.prune(h, now.minus(PRUNE_LIVE), now.minus(PRUNE_GONE)));
        }
    }

    /** An instance whose heartbeat is older than this no longer holds events back from pruning (it reloads when it comes back). */
    static final java.time.Duration PRUNE_LIVE = java.time.Duration.ofMinutes(2);
    static final java.time.Duration PRUNE_GONE = java.time.Duration.ofDays(1);

    /**
     * One fold of at most {@link #FOLD_CHUNK} events, in one transaction that holds the
     * {@code folded} position's lock (one folder at a time, whichever instance): each system's
     * 'seen' events are added to its row, and the position moves past them. Returns whether
     * more events wait.
     */
    private boolean foldOnce() {
        return jdbi.inTransaction(h -> {
            long folded = h.createQuery("select position from fleet_feed where name = 'folded' for update").mapTo(Long.class).one();
            long head = FleetFeed.head(h);
            if (folded >= head) {
                return false;
            }
            long upTo = Math.min(head, folded + FOLD_CHUNK);
            record Seen(long system, long count, java.time.OffsetDateTime at) {
            }
            List<Seen> seen = h.createQuery("select system_id, count(*) as n, max(at) as at from fleet_events where seq > :from and seq <= :upTo"
                            + " and kind = 'seen' group by system_id order by system_id").bind("from", folded).bind("upTo", upTo)
                    .map((rs, c) -> new Seen(rs.getLong("system_id"), rs.getLong("n"), rs.getObject("at", java.time.OffsetDateTime.class))).list();
            if (!seen.isEmpty()) {
                PreparedBatch b = h.prepareBatch("update systems set checkins = checkins + :n,"
                        + " last_seen = case when last_seen is null or last_seen < :at then :at else last_seen end,"
                        + " last_checkin = case when last_checkin is null or last_checkin < :at then :at else last_checkin end where id = :id");
                for (Seen x : seen) {
                    b.bind("n", x.count()).bind("at", x.at()).bind("id", x.system()).add();
                }
                b.execute();
            }
            h.createUpdate("update fleet_feed set position = :p where name = 'folded'").bind("p", upTo).execute();
            return upTo < head;
        });
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    @Override
    public void close() {
        running = false;
        folder.shutdown();
        try {
            folder.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fold();
    }
}
