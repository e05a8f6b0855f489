package org.klp.server.store;

import java.time.Instant;
import java.util.ArrayList;
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
 * 2xx only after its check-in is committed, and the database sees one commit per batch instead of
 * one per check-in. Under light load a batch is one check-in and the latency is one commit; under
 * heavy load batches grow, and throughput follows the commit rate times the batch size.
 *
 * <p>In the same transaction it reads the systems' previous rows (one query per batch), so it can
 * tell what changed: a history event is written only when the posture changes or a new apply
 * result arrives, and {@code new_taint} keeps the taint flags that appeared since the previous
 * check-in. A repeated check-in therefore changes nothing but {@code last_seen} and the count.
 *
 * <p>A full queue refuses new check-ins at once ({@link Overloaded}) rather than letting latency
 * grow without bound; a failed transaction fails every check-in of its batch, none of which was
 * acknowledged.
 */
public final class CheckinWriter implements AutoCloseable {

    static final int MAX_BATCH = 512;

    /**
     * Taint flags loading any live patch sets: K (live patch), O (out-of-tree module) and E
     * (unsigned module). They are expected after an apply and are not "new taint" that would halt a
     * rollout; anything else appearing (a warning W, a machine check M, a bad page B, …) is.
     */
    static final long EXPECTED_WITH_LIVE_PATCH = (1L << 15) | (1L << 12) | (1L << 13);
    static final int QUEUE = 20_000;

    /** One check-in to store. */
    public record Checkin(long systemId, HostPosture posture, Instant at) {
        public Checkin {
            Objects.requireNonNull(posture, "posture");
            Objects.requireNonNull(at, "at");
        }
    }

    /** How a check-in was stored: {@code found} false when the system no longer exists. */
    public record Stored(long systemId, boolean found, String group, long checkins) {
    }

    /** The queue is full: the server is overloaded; the client should retry later. */
    public static final class Overloaded extends RuntimeException {
        Overloaded() {
            super("the server is overloaded (check-in queue full); retry later");
        }
    }

    private record Pending(Checkin checkin, CompletableFuture<Stored> done) {
    }

    private record Previous(String group, String kernel, int version, String transition, boolean forced, long taint, long checkins,
                            Instant lastResultAt) {
    }

    private final Jdbi jdbi;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final Thread writer;
    private volatile boolean running = true;
    private volatile long batches;
    private volatile long written;

    public CheckinWriter(Jdbi jdbi) {
        this.jdbi = jdbi;
        this.writer = new Thread(this::loop, "klp-checkin-writer");
        writer.setDaemon(true);
        writer.start();
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

    /** Batches committed and check-ins written so far (for the log and benchmarks). */
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
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
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
            for (Pending p : batch) {
                p.done.completeExceptionally(e);
            }
            return;
        }
        batches++;
        written += batch.size();
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done.complete(results.get(i));
        }
    }

    private List<Stored> store(Handle h, List<Pending> batch) {
        Map<Long, Previous> previous = new HashMap<>();
        List<Long> ids = batch.stream().map(p -> p.checkin.systemId()).distinct().toList();
        h.createQuery("select id, group_name, kernel, loaded_version, transition, forced, taint, checkins, last_result_at from systems"
                        + " where id in (<ids>)")
                .bindList("ids", ids)
                .map((rs, c) -> previous.put(rs.getLong("id"), new Previous(rs.getString("group_name"), rs.getString("kernel"),
                        rs.getInt("loaded_version"), rs.getString("transition"), rs.getBoolean("forced"), rs.getLong("taint"),
                        rs.getLong("checkins"), Sql.instant(rs, "last_result_at"))))
                .list();
        PreparedBatch update = h.prepareBatch("update systems set last_seen = :at, checkins = checkins + 1, kernel = :kernel,"
                + " installed_kernels = :kernels, installed_patches = :patches, loaded_patch = :patch, loaded_package = :package,"
                + " loaded_version = :version, transition = :transition, transition_seconds = :tsec, blockers = :blockers, taint = :taint,"
                + " new_taint = :newTaint, forced = :forced, last_operation = :lop, last_target = :ltarget, last_result = :lresult,"
                + " last_message = :lmessage, last_result_at = :lat where id = :id");
        PreparedBatch events = h.prepareBatch("insert into system_events (system_id, at, kind, message) values (:s, :at, :k, :m)");
        int eventCount = 0;
        List<Stored> out = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            Checkin c = p.checkin;
            Previous before = previous.get(c.systemId());
            if (before == null) {
                out.add(new Stored(c.systemId(), false, null, 0));
                continue;
            }
            HostPosture s = c.posture();
            boolean sameKernel = s.kernel().equals(before.kernel);
            // Taint flags stay set until reboot; bits not there at the previous check-in of the same kernel are new.
            long newTaint = sameKernel ? s.taint() & ~before.taint & ~EXPECTED_WITH_LIVE_PATCH : 0;
            HostPosture.ApplyReport last = s.lastApply();
            Instant lastAt = last == null ? null : Instant.parse(last.at());
            update.bind("at", Sql.ts(c.at())).bind("kernel", s.kernel()).bind("kernels", String.join(",", s.installedKernels()))
                    .bind("patches", SystemStore.joinPatches(s.installedLivePatches())).bind("patch", s.loadedPatch())
                    .bind("package", s.loadedPackage()).bind("version", s.loadedVersion()).bind("transition", s.transition())
                    .bind("tsec", s.transitionSeconds()).bind("blockers", s.blockers()).bind("taint", s.taint()).bind("newTaint", newTaint)
                    .bind("forced", s.forced()).bind("lop", last == null ? null : last.operation())
                    .bind("ltarget", last == null ? 0 : last.targetVersion()).bind("lresult", last == null ? null : last.result())
                    .bind("lmessage", last == null ? null : clip(last.message(), 1000)).bind("lat", Sql.ts(lastAt)).bind("id", c.systemId())
                    .add();
            List<String[]> happened = new ArrayList<>(2);
            if (before.kernel == null) {
                happened.add(new String[] {"first-checkin", "first check-in: kernel " + s.kernel() + ", live patch version " + s.loadedVersion()});
            } else if (!sameKernel) {
                happened.add(new String[] {"kernel", "now runs kernel " + s.kernel() + " (was " + before.kernel + ")"});
            } else if (before.version != s.loadedVersion() || !Objects.equals(before.transition, s.transition()) || before.forced != s.forced()) {
                happened.add(new String[] {"posture", "live patch version " + before.version + " → " + s.loadedVersion() + ", transition "
                        + s.transition() + (s.forced() ? ", forced" : "")});
            }
            if (lastAt != null && (before.lastResultAt == null || lastAt.isAfter(before.lastResultAt))) {
                happened.add(new String[] {"apply-" + last.result(), last.operation() + " to version " + last.targetVersion() + ": "
                        + last.result() + (last.message().isEmpty() ? "" : " (" + last.message() + ")")});
            }
            if (newTaint != 0) {
                happened.add(new String[] {"taint", "new taint flags 0x" + Long.toHexString(newTaint) + " (now 0x" + Long.toHexString(s.taint()) + ")"});
            }
            for (String[] e : happened) {
                events.bind("s", c.systemId()).bind("at", Sql.ts(c.at())).bind("k", e[0]).bind("m", clip(e[1], 2000)).add();
                eventCount++;
            }
            Previous after = new Previous(before.group, s.kernel(), s.loadedVersion(), s.transition(), s.forced(), s.taint(),
                    before.checkins + 1, lastAt != null ? lastAt : before.lastResultAt);
            previous.put(c.systemId(), after);
            out.add(new Stored(c.systemId(), true, before.group, after.checkins));
        }
        if (update.size() > 0) {
            update.execute();
        }
        if (eventCount > 0) {
            events.execute();
        }
        return out;
    }

    private static String clip(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
