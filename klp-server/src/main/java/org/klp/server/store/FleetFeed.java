package org.klp.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The fleet feed ({@code fleet_events}): every change that the instances' CVE audits follow,
 * appended in the transaction that makes the change and numbered in commit order.
 *
 * <h2>Commit order without gaps</h2>
 * {@link #append} is the last thing a transaction does: it raises the {@code head} position by
 * the number of its events, which locks that row until the transaction ends, and numbers its
 * events below the new head. A second writer waits for the lock, so it numbers after the first
 * has committed; a transaction that rolls back gives its numbers back. A reader that sees event N
 * therefore sees every event before N, and {@code head} read by anyone is a committed, gapless
 * position: "applied up to head" means "applied everything committed". The lock is held only from
 * the append to the commit (a batch insert and the commit itself), so writers of several
 * instances serialize only their commits.
 *
 * <h2>Waking the followers</h2>
 * On PostgreSQL {@link #append} also sends {@code NOTIFY klp_fleet}, delivered at commit to every
 * listening instance (see {@link Database#listen}); H2 is one instance, whose writers poke its
 * follower directly.
 */
public final class FleetFeed {

    /** The channel a PostgreSQL writer notifies. */
    public static final String CHANNEL = "klp_fleet";

    private FleetFeed() {
    }

    /** A change the audits follow; closed. */
    public sealed interface Event permits CheckedIn, Seen, Removed, Regrouped, PolicyChanged {
        Instant at();
    }

    /** A check-in that changed the stored posture: what the audit needs of it. */
    public record CheckedIn(Instant at, long systemId, String group, String kernel, String installedKernels, int loadedVersion,
                            boolean inProgress, boolean forced) implements Event {
        public CheckedIn {
            Objects.requireNonNull(kernel, "kernel");
        }
    }

    /** A check-in that repeated the stored posture: the host is fresh as of {@code at}. */
    public record Seen(Instant at, long systemId) implements Event {
    }

    public record Removed(Instant at, long systemId) implements Event {
    }

    public record Regrouped(Instant at, long systemId, String group) implements Event {
    }

    /** The catalog, CVE records, groups, pins or rollouts changed: the policy generation moved. */
    public record PolicyChanged(Instant at) implements Event {
    }

    /** An event with its number. */
    public record Numbered(long seq, Event event) {
    }

    public static void append(Handle h, Event event) {
        append(h, List.of(event));
    }

    /** Appends events, numbered after every committed one; call it last in the transaction. */
    public static void append(Handle h, List<? extends Event> events) {
        if (events.isEmpty()) {
            return;
        }
        h.createUpdate("update fleet_feed set position = position + :n where name = 'head'").bind("n", events.size()).execute();
        long head = position(h, "head");
        long seq = head - events.size();
        PreparedBatch insert = h.prepareBatch("insert into fleet_events (seq, at, kind, system_id, group_name, kernel, installed_kernels,"
                + " loaded_version, in_progress, forced) values (:seq, :at, :kind, :system, :group, :kernel, :kernels, :version, :progress, :forced)");
        for (Event e : events) {
            insert.bind("seq", ++seq).bind("at", Sql.ts(e.at()));
            if (e instanceof CheckedIn c) {
                insert.bind("kind", "checkin").bind("system", c.systemId()).bind("group", c.group()).bind("kernel", c.kernel())
                        .bind("kernels", c.installedKernels()).bind("version", c.loadedVersion()).bind("progress", c.inProgress())
                        .bind("forced", c.forced());
            } else {
                Long system = e instanceof Seen s ? Long.valueOf(s.systemId()) : e instanceof Removed r ? Long.valueOf(r.systemId())
                        : e instanceof Regrouped g ? Long.valueOf(g.systemId()) : null;
                String kind = e instanceof Seen ? "seen" : e instanceof Removed ? "removed" : e instanceof Regrouped ? "regrouped" : "policy";
                insert.bind("kind", kind).bind("system", system).bind("group", e instanceof Regrouped g ? g.group() : null)
                        .bind("kernel", (String) null).bind("kernels", (String) null).bind("version", (Integer) null)
                        .bind("progress", (Boolean) null).bind("forced", (Boolean) null);
            }
            insert.add();
        }
        insert.execute();
        if (postgres(h)) {
            h.execute("notify " + CHANNEL);
        }
    }

    /** The last committed event's number (0 for none). */
    public static long head(Handle h) {
        return position(h, "head");
    }

    /** Up to where 'seen' events are folded into the systems' rows. */
    public static long folded(Handle h) {
        return position(h, "folded");
    }

    private static long position(Handle h, String name) {
        return h.createQuery("select position from fleet_feed where name = :n").bind("n", name).mapTo(Long.class).one();
    }

    /** Up to {@code limit} events after {@code position}, in order. */
    public static List<Numbered> after(Handle h, long position, int limit) {
        return h.createQuery("select * from fleet_events where seq > :p order by seq limit :n").bind("p", position).bind("n", limit)
                .map((rs, c) -> new Numbered(rs.getLong("seq"), event(rs))).list();
    }

    private static Event event(ResultSet rs) throws SQLException {
        Instant at = Sql.instant(rs, "at");
        String kind = rs.getString("kind");
        return switch (kind) {
            case "checkin" -> new CheckedIn(at, rs.getLong("system_id"), rs.getString("group_name"), rs.getString("kernel"),
                    rs.getString("installed_kernels"), rs.getInt("loaded_version"), rs.getBoolean("in_progress"), rs.getBoolean("forced"));
            case "seen" -> new Seen(at, rs.getLong("system_id"));
            case "removed" -> new Removed(at, rs.getLong("system_id"));
            case "regrouped" -> new Regrouped(at, rs.getLong("system_id"), rs.getString("group_name"));
            case "policy" -> new PolicyChanged(at);
            default -> throw new IllegalStateException("fleet_events holds an event of unknown kind '" + kind + "' (a newer server wrote it?)");
        };
    }

    /** Where an instance is: its position and a heartbeat (the wall clock, not a test's). */
    public static void heartbeat(Handle h, String instance, long position, Instant now) {
        int n = h.createUpdate("update fleet_instances set position = :p, heartbeat = :now where id = :id")
                .bind("id", instance).bind("p", position).bind("now", Sql.ts(now)).execute();
        if (n == 0) {
            h.createUpdate("insert into fleet_instances (id, position, heartbeat, started_at) values (:id, :p, :now, :now)")
                    .bind("id", instance).bind("p", position).bind("now", Sql.ts(now)).execute();
        }
    }

    public static void leave(Handle h, String instance) {
        h.createUpdate("delete from fleet_instances where id = :id").bind("id", instance).execute();
    }

    /** An instance following the feed, as it last said. */
    public record Instance(String id, long position, Instant heartbeat, Instant startedAt) {
    }

    public static List<Instance> instances(Handle h) {
        return h.createQuery("select * from fleet_instances order by id").map((rs, c) -> new Instance(rs.getString("id"), rs.getLong("position"),
                Sql.instant(rs, "heartbeat"), Sql.instant(rs, "started_at"))).list();
    }

    /**
     * Deletes events that are folded and that every live instance (a heartbeat since
     * {@code liveSince}) has applied, and forgets instances silent since {@code goneSince}.
     * Returns the events deleted. An instance that falls behind the pruned events reloads.
     */
    public static int prune(Handle h, Instant liveSince, Instant goneSince) {
        h.createUpdate("delete from fleet_instances where heartbeat < :gone").bind("gone", Sql.ts(goneSince)).execute();
        Long slowest = h.createQuery("select min(position) from fleet_instances where heartbeat >= :live").bind("live", Sql.ts(liveSince))
                .mapTo(Long.class).one();
        long upTo = Math.min(folded(h), slowest == null ? Long.MAX_VALUE : slowest);
        return h.createUpdate("delete from fleet_events where seq <= :upTo").bind("upTo", upTo).execute();
    }

    private static boolean postgres(Handle h) {
        try {
            return h.getConnection().getMetaData().getURL().startsWith("jdbc:postgresql:");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell the database's kind: " + e.getMessage(), e);
        }
    }
}
