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
 *     (the common, idempotent case) only appends a row to {@code checkin_log}; one that changed
 *     something updates its system's row and writes history events (a posture change, a new apply
 *     result, new taint flags). So a repeated check-in changes nothing but "seen again".</li>
 * <li>The log is folded into {@code systems.last_seen} and {@code checkins} every
 *     {@link #FOLD_MILLIS} by a thread of its own, at start, and whenever an operator reads systems
 *     ({@link #sync}). Folds and check-in groups update rows in id order, so they may wait for each
 *     other but never deadlock; a fold takes only log rows committed when it began, so a check-in
 *     is counted exactly once.</li>
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckinWriter.class);

    static final int MAX_BATCH = 1024;
    static final int QUEUE = 20_000;
    static final long FOLD_MILLIS = 5_000;
    static final int FOLD_CHUNK = 1_000;

    /**
     * Taint flags loading any live patch sets: K (live patch), O (out-of-tree module) and E
     * (unsigned module). They are expected after an apply and are not "new taint" that would halt a
     * rollout; anything else appearing (a warning W, a machine check M, a bad page B, …) is.
     */
    static final long EXPECTED_WITH_LIVE_PATCH = (1L << 15) | (1L << 12) | (1L << 13);

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

    /** A committed check-in, as the CVE audit follows them: the system, its group, what it reported and when. */
    public record Committed(long systemId, String group, HostPosture posture, Instant at) {
    }

    /** A system's stored posture columns, to tell a changed check-in from a repeated one. */
    private record Row(long id, String group, String kernel, String kernels, String patches, String patch, String pkg, int version,
                       String transition, long transitionSeconds, int blockers, long taint, long newTaint, boolean forced, String lastOperation,
                       int lastTarget, String lastResult, String lastMessage, Instant lastResultAt) {
    }

    private final Jdbi jdbi;
    private final java.util.function.Consumer<List<Committed>> onCommit;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private final java.util.concurrent.ScheduledExecutorService folder;
    private final Object foldLock = new Object();
    private volatile boolean running = true;
    private volatile long batches;
    private volatile long written;

    public CheckinWriter(Jdbi jdbi) {
        this(jdbi, committed -> { });
    }

    /**
     * {@code onCommit} sees every group's stored check-ins after the commit and before any of them
     * is acknowledged, so that whatever it feeds (the CVE audit's queue) holds every acknowledged
     * check-in. It runs on the writer thread: it must be quick and must not block.
     */
    public CheckinWriter(Jdbi jdbi, java.util.function.Consumer<List<Committed>> onCommit) {
        this.jdbi = jdbi;
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
        List<Committed> committed = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Stored st = results.get(i);
            if (st.found()) {
                Checkin c = batch.get(i).checkin;
                committed.add(new Committed(st.systemId(), st.group(), c.posture(), c.at()));
            }
        }
        try {
            onCommit.accept(committed);
        } catch (RuntimeException e) {
            // the check-ins are committed; the audit logs its own trouble and must not fail them
            LOG.warn("the CVE audit did not take {} committed check-ins: {}", committed.size(), e.toString());
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
            h.createQuery("select * from systems where id in (<ids>)").bindList("ids", idList).map((rs, c) -> rows.put(rs.getLong("id"),
                    new Row(rs.getLong("id"), rs.getString("group_name"), rs.getString("kernel"), rs.getString("installed_kernels"),
                            rs.getString("installed_patches"), rs.getString("loaded_patch"), rs.getString("loaded_package"), rs.getInt("loaded_version"),
                            rs.getString("transition"), rs.getLong("transition_seconds"), rs.getInt("blockers"), rs.getLong("taint"),
                            rs.getLong("new_taint"), rs.getBoolean("forced"), rs.getString("last_operation"), rs.getInt("last_target"),
                            rs.getString("last_result"), rs.getString("last_message"), Sql.instant(rs, "last_result_at")))).list();
        }
        Map<Long, java.util.Set<Integer>> activated = new HashMap<>();
        if (!idList.isEmpty()) {
            h.createQuery("select system_id, product_id from activations where system_id in (<ids>)").bindList("ids", idList)
                    .map((rs, c) -> activated.computeIfAbsent(rs.getLong("system_id"), k -> new java.util.HashSet<>()).add(rs.getInt("product_id")))
                    .list();
        }
        PreparedBatch seen = h.prepareBatch("insert into checkin_log (system_id, at) values (:s, :at)");
        List<Object[]> updates = new ArrayList<>();
        List<String[]> eventRows = new ArrayList<>();
        List<Stored> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Checkin c = batch.get(i).checkin;
            Row before = rows.get(ids[i]);
            if (before == null) {
                out.add(new Stored(ids[i], false, null, java.util.Set.of()));
                continue;
            }
            HostPosture s = c.posture();
            Row after = rowOf(before, s);
            if (after.equals(before) && before.newTaint == 0) {
                seen.bind("s", before.id).bind("at", Sql.ts(c.at())).add();
            } else {
                updates.add(new Object[] {after, c.at()});
                for (String[] e : events(before, after, s)) {
                    eventRows.add(new String[] {Long.toString(before.id), c.at().toString(), e[0], e[1]});
                }
                rows.put(before.id, new Row(after.id, after.group, after.kernel, after.kernels, after.patches, after.patch, after.pkg, after.version,
                        after.transition, after.transitionSeconds, after.blockers, after.taint, 0, after.forced, after.lastOperation, after.lastTarget,
                        after.lastResult, after.lastMessage, after.lastResultAt));
            }
            out.add(new Stored(before.id, true, before.group, java.util.Set.copyOf(activated.getOrDefault(before.id, java.util.Set.of()))));
        }
        if (seen.size() > 0) {
            seen.execute();
        }
        if (!updates.isEmpty()) {
            // in id order, so that concurrent writers of several server instances lock rows in one order
            updates.sort(Comparator.comparingLong(u -> ((Row) u[0]).id));
            PreparedBatch update = h.prepareBatch("update systems set last_seen = :at, checkins = checkins + 1, kernel = :kernel,"
                    + " installed_kernels = :kernels, installed_patches = :patches, loaded_patch = :patch, loaded_package = :package,"
                    + " loaded_version = :version, transition = :transition, transition_seconds = :tsec, blockers = :blockers, taint = :taint,"
                    + " new_taint = :newTaint, forced = :forced, last_operation = :lop, last_target = :ltarget, last_result = :lresult,"
                    + " last_message = :lmessage, last_result_at = :lat where id = :id");
            for (Object[] u : updates) {
                Row r = (Row) u[0];
                update.bind("at", Sql.ts((Instant) u[1])).bind("kernel", r.kernel).bind("kernels", r.kernels).bind("patches", r.patches)
                        .bind("patch", r.patch).bind("package", r.pkg).bind("version", r.version).bind("transition", r.transition)
                        .bind("tsec", r.transitionSeconds).bind("blockers", r.blockers).bind("taint", r.taint).bind("newTaint", r.newTaint)
                        .bind("forced", r.forced).bind("lop", r.lastOperation).bind("ltarget", r.lastTarget).bind("lresult", r.lastResult)
                        .bind("lmessage", r.lastMessage).bind("lat", Sql.ts(r.lastResultAt)).bind("id", r.id).add();
            }
            update.execute();
        }
        if (!eventRows.isEmpty()) {
            PreparedBatch events = h.prepareBatch("insert into system_events (system_id, at, kind, message) values (:s, :at, :k, :m)");
            for (String[] e : eventRows) {
                events.bind("s", Long.parseLong(e[0])).bind("at", Sql.ts(Instant.parse(e[1]))).bind("k", e[2]).bind("m", clip(e[3], 2000)).add();
            }
            events.execute();
        }
        return out;
    }

    /** The row a check-in makes of its system's previous row. */
    private static Row rowOf(Row before, HostPosture s) {
        boolean sameKernel = s.kernel().equals(before.kernel);
        // Taint flags stay set until reboot; bits not there at the previous check-in of the same kernel are new.
        long newTaint = sameKernel ? s.taint() & ~before.taint & ~EXPECTED_WITH_LIVE_PATCH : 0;
        HostPosture.ApplyReport last = s.lastApply();
        return new Row(before.id, before.group, s.kernel(), String.join(",", s.installedKernels()), SystemStore.joinPatches(s.installedLivePatches()),
                s.loadedPatch(), s.loadedPackage(), s.loadedVersion(), s.transition(), s.transitionSeconds(), s.blockers(), s.taint(), newTaint,
                s.forced(), last == null ? null : last.operation(), last == null ? 0 : last.targetVersion(), last == null ? null : last.result(),
                last == null ? null : clip(last.message(), 1000), last == null ? null : Instant.parse(last.at()));
    }

    private static List<String[]> events(Row before, Row after, HostPosture s) {
        List<String[]> happened = new ArrayList<>(2);
        if (before.kernel == null) {
            happened.add(new String[] {"first-checkin", "first check-in: kernel " + s.kernel() + ", live patch version " + s.loadedVersion()});
        } else if (!Objects.equals(before.kernel, after.kernel)) {
            happened.add(new String[] {"kernel", "now runs kernel " + s.kernel() + " (was " + before.kernel + ")"});
        } else if (before.version != after.version || !Objects.equals(before.transition, after.transition) || before.forced != after.forced) {
            happened.add(new String[] {"posture", "live patch version " + before.version + " → " + after.version + ", transition "
                    + after.transition + (after.forced ? ", forced" : "")});
        }
        HostPosture.ApplyReport last = s.lastApply();
        if (after.lastResultAt != null && (before.lastResultAt == null || after.lastResultAt.isAfter(before.lastResultAt))) {
            happened.add(new String[] {"apply-" + last.result(), last.operation() + " to version " + last.targetVersion() + ": "
                    + last.result() + (last.message().isEmpty() ? "" : " (" + last.message() + ")")});
        }
        if (after.newTaint != 0) {
            happened.add(new String[] {"taint", "new taint flags 0x" + Long.toHexString(after.newTaint) + " (now 0x" + Long.toHexString(after.taint) + ")"});
        }
        return happened;
    }

    /** Folds the check-in log into the systems' last_seen and check-in counts, in one transaction. */
    private void fold() {
        synchronized (foldLock) {
            foldOnce();
        }
    }

    /**
     * One fold, in transactions of at most {@link #FOLD_CHUNK} systems: each adds its systems'
     * logged check-ins and deletes exactly those log rows, so a crash between two leaves nothing
     * counted twice or lost, and no transaction holds the database long enough to stall check-ins.
     */
    private void foldOnce() {
        Long max = jdbi.withHandle(h -> h.createQuery("select max(seq) from checkin_log").mapTo(Long.class).one());
        if (max == null) {
            return;
        }
        record Seen(long system, long count, java.time.OffsetDateTime at) {
        }
        List<Seen> seen = jdbi.withHandle(h -> h.createQuery("select system_id, count(*) as n, max(at) as at from checkin_log where seq <= :m"
                        + " group by system_id order by system_id").bind("m", max)
                .map((rs, c) -> new Seen(rs.getLong("system_id"), rs.getLong("n"), rs.getObject("at", java.time.OffsetDateTime.class))).list());
        for (int from = 0; from < seen.size(); from += FOLD_CHUNK) {
            List<Seen> chunk = seen.subList(from, Math.min(seen.size(), from + FOLD_CHUNK));
            jdbi.useTransaction(h -> {
                PreparedBatch b = h.prepareBatch("update systems set checkins = checkins + :n,"
                        + " last_seen = case when last_seen is null or last_seen < :at then :at else last_seen end where id = :id");
                for (Seen x : chunk) {
                    b.bind("n", x.count()).bind("at", x.at()).bind("id", x.system()).add();
                }
                b.execute();
                h.createUpdate("delete from checkin_log where seq <= :m and system_id between :lo and :hi")
                        .bind("m", max).bind("lo", chunk.get(0).system()).bind("hi", chunk.get(chunk.size() - 1).system()).execute();
            });
        }
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
