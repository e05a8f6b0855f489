package org.klp.server.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.klp.core.fleet.HostPosture;
import org.klp.core.rollout.CanaryEvent;
import org.klp.core.rollout.CanaryReport;

/** Registered systems: identity and credentials, their last posture, their history. */
public final class SystemStore {

    /**
     * The limits of the {@code systems} table's columns (migration V1): what a check-in's values
     * must fit, and how many installed kernels and live patches a check-in may list.
     */
    public static final class Columns {
        public static final int KERNEL = 100;
        public static final int INSTALLED = 4000;
        public static final int LOADED_PATCH = 64;
        public static final int LOADED_PACKAGE = 120;
        public static final int OPERATION = 20;
        public static final int MESSAGE = 1000;
        public static final int HOSTNAME = 255;
        public static final int MAX_INSTALLED_KERNELS = 64;
        public static final int MAX_INSTALLED_PATCHES = 256;

        private Columns() {
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SystemStore.class);

    /** What authenticating a system needs: its id, its password's hash and its group. */
    public record Credentials(long id, String passwordHash, String group) {
    }

    /**
     * Filters of the operators' system list; null means any. {@code state}: {@code ready},
     * {@code in_progress}, {@code forced}, {@code failed} (last apply reverted or failed) or
     * {@code new} (never checked in).
     */
    public record Filter(String kernel, Integer version, String group, Integer productId, String state, Instant seenBefore,
                         Instant seenAfter, String hostname) {
        public static final Filter ALL = new Filter(null, null, null, null, null, null, null, null);
        public static final List<String> STATES = List.of("ready", "in_progress", "forced", "failed", "new");

        public Filter(String kernel, Integer version, String group, Integer productId, String state, Instant seenBefore, Instant seenAfter) {
            this(kernel, version, group, productId, state, seenBefore, seenAfter, null);
        }

        public Filter {
            if (hostname != null && (hostname.isBlank() || hostname.length() > 255)) {
                throw new IllegalArgumentException("hostname must be 1 to 255 characters of the hostnames to find, was '" + hostname + "'");
            }
        }
    }

    /** The orders a system list comes in; each names its column, never the caller's text. */
    public enum Order {
        ID("s.id"), HOSTNAME("lower(s.hostname)"), GROUP("s.group_name"), KERNEL("s.kernel"), LAST_CHECKIN("s.last_checkin");

        private final String column;

        Order(String column) {
            this.column = column;
        }
    }

    private final Jdbi jdbi;

    public SystemStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public long register(Handle h, String login, String passwordHash, String hostname, String group, Instant now) {
        return h.createUpdate("insert into systems (login, password_hash, hostname, group_name, registered_at, checkins, loaded_version,"
                        + " transition_seconds, blockers, taint, new_taint, forced, last_target) values (:l, :p, :h, :g, :now, 0, 0, 0, 0, 0, 0, false, 0)")
                .bind("l", login).bind("p", passwordHash).bind("h", hostname).bind("g", group).bind("now", Sql.ts(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    public Optional<Credentials> credentials(String login) {
        return jdbi.withHandle(h -> h.createQuery("select id, password_hash, group_name from systems where login = :l").bind("l", login)
                .map((rs, c) -> new Credentials(rs.getLong("id"), rs.getString("password_hash"), rs.getString("group_name"))).findFirst());
    }

    /**
     * Every system's login and credentials, streamed in pages (at most {@code limit}): what a
     * server needs to authenticate its fleet's check-ins without a query each.
     */
    public void eachCredentials(int limit, java.util.function.BiConsumer<String, Credentials> each) {
        jdbi.useTransaction(h -> h.createQuery("select login, id, password_hash, group_name from systems order by id").setFetchSize(10_000)
                .setMaxRows(limit).map((rs, c) -> {
                    each.accept(rs.getString("login"), new Credentials(rs.getLong("id"), rs.getString("password_hash"), rs.getString("group_name")));
                    return 0;
                }).useIterator(it -> it.forEachRemaining(x -> { })));
    }

    public Optional<SystemRecord> find(long id) {
        return jdbi.withHandle(h -> find(h, id));
    }

    public Optional<SystemRecord> find(Handle h, long id) {
        return h.createQuery("select * from systems where id = :id").bind("id", id).map((rs, c) -> record(rs)).findFirst();
    }

    public long count(Filter f) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("select count(*) from systems s" + where(f));
            bind(q, f);
            return q.mapTo(Long.class).one();
        });
    }

    public List<SystemRecord> list(Filter f, int limit, long offset) {
        return list(f, Order.ID, false, limit, offset);
    }

    /** A page of the systems {@code f} selects, in {@code order} ({@code descending} or not), ties by id; never checked in last. */
    public List<SystemRecord> list(Filter f, Order order, boolean descending, int limit, long offset) {
        String direction = descending ? " desc" : " asc";
        String nulls = order == Order.ID || order == Order.HOSTNAME || order == Order.GROUP ? ""
                : ", case when " + order.column + " is null then 1 else 0 end";
        String by = nulls.isEmpty() ? order.column + direction : nulls.substring(2) + ", " + order.column + direction;
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("select s.* from systems s" + where(f) + " order by " + by + ", s.id" + direction + " limit :limit offset :offset");
            bind(q, f);
            return q.bind("limit", limit).bind("offset", offset).map((rs, c) -> record(rs)).list();
        });
    }

    /** The ids of the systems {@code f} selects, at most {@code max} + 1 (so that a caller can tell there are more). */
    public List<Long> ids(Filter f, int max) {
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("select s.id from systems s" + where(f) + " order by s.id limit :n");
            bind(q, f);
            return q.bind("n", max + 1).mapTo(Long.class).list();
        });
    }

    /** These systems, in the order given (gone ones left out). */
    public List<SystemRecord> find(List<Long> ids) {
        java.util.Map<Long, SystemRecord> byId = new java.util.HashMap<>();
        jdbi.useHandle(h -> {
            for (int from = 0; from < ids.size(); from += 1000) {
                h.createQuery("select * from systems where id in (<ids>)").bindList("ids", ids.subList(from, Math.min(ids.size(), from + 1000)))
                        .map((rs, c) -> record(rs)).forEach(r -> byId.put(r.id(), r));
            }
        });
        return ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList();
    }

    private static String where(Filter f) {
        List<String> c = new ArrayList<>();
        if (f.kernel() != null) {
            c.add("s.kernel = :kernel");
        }
        if (f.version() != null) {
            c.add("s.loaded_version = :version");
        }
        if (f.group() != null) {
            c.add("s.group_name = :group");
        }
        if (f.productId() != null) {
            c.add("exists (select 1 from activations a where a.system_id = s.id and a.product_id = :product)");
        }
        if (f.state() != null) {
            c.add(switch (f.state()) {
                case "ready" -> "s.transition = 'ready' and s.forced = false";
                case "in_progress" -> "s.transition = 'in_progress'";
                case "forced" -> "s.forced = true";
                case "failed" -> "s.last_result in ('reverted', 'failed')";
                case "new" -> "s.kernel is null";
                default -> throw new IllegalArgumentException("Not a state: '" + f.state() + "' (expected " + String.join(", ", Filter.STATES) + ")");
            });
        }
        if (f.seenBefore() != null) {
            c.add("s.last_seen < :seenBefore");
        }
        if (f.seenAfter() != null) {
            c.add("s.last_seen >= :seenAfter");
        }
        if (f.hostname() != null) {
            c.add("lower(s.hostname) like :hostname escape '\\'");
        }
        return c.isEmpty() ? "" : " where " + String.join(" and ", c);
    }

    private static void bind(Query q, Filter f) {
        q.bind("kernel", f.kernel()).bind("version", f.version()).bind("group", f.group()).bind("product", f.productId())
                .bind("seenBefore", Sql.ts(f.seenBefore())).bind("seenAfter", Sql.ts(f.seenAfter()))
                .bind("hostname", f.hostname() == null ? null : "%" + f.hostname().toLowerCase(java.util.Locale.ROOT)
                        .replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
    }

    /**
     * A row as a record. A row no check-in could have written (an older server's, or a hand edit)
     * must not fail every listing it is part of: its posture is left out and the log names the
     * system, instead of an error for the whole page.
     */
    static SystemRecord record(ResultSet rs) throws SQLException {
        HostPosture posture;
        try {
            posture = posture(rs);
        } catch (RuntimeException e) {
            LOG.warn("system {}: its stored posture cannot be read ({}); it is listed without one until its next check-in", rs.getLong("id"),
                    e.getMessage());
            posture = null;
        }
        return new SystemRecord(rs.getLong("id"), rs.getString("login"), rs.getString("hostname"), rs.getString("group_name"),
                Sql.instant(rs, "registered_at"), Sql.instant(rs, "last_seen"), Sql.instant(rs, "last_checkin"), rs.getLong("checkins"), posture,
                Sql.instant(rs, "posture_since"), rs.getLong("new_taint"));
    }

    private static HostPosture posture(ResultSet rs) throws SQLException {
        HostPosture posture = null;
        String kernel = rs.getString("kernel");
        if (kernel != null) {
            HostPosture.ApplyReport last = rs.getString("last_result") == null ? null : new HostPosture.ApplyReport(
                    rs.getString("last_operation"), rs.getInt("last_target"), rs.getString("last_result"), rs.getString("last_message"),
                    Sql.instant(rs, "last_result_at").toString());
            posture = new HostPosture(kernel, split(rs.getString("installed_kernels")), patches(rs.getString("installed_patches")),
                    rs.getString("loaded_patch"), rs.getString("loaded_package"), rs.getInt("loaded_version"), rs.getString("transition"),
                    rs.getLong("transition_seconds"), rs.getInt("blockers"), rs.getLong("taint"), rs.getBoolean("forced"), last);
        }
        return posture;
    }

    static List<String> split(String s) {
        return s == null || s.isEmpty() ? List.of() : Arrays.asList(s.split(","));
    }

    /** {@code name=N,name=N}: package names hold neither ',' nor '=' (a check-in is refused otherwise). */
    static List<HostPosture.InstalledLivePatch> patches(String s) {
        List<HostPosture.InstalledLivePatch> out = new ArrayList<>();
        for (String p : split(s)) {
            int eq = p.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("installed live patch '" + p + "' is not NAME=VERSION");
            }
            out.add(new HostPosture.InstalledLivePatch(p.substring(0, eq), Integer.parseInt(p.substring(eq + 1))));
        }
        return out;
    }

    static String joinPatches(List<HostPosture.InstalledLivePatch> patches) {
        StringBuilder sb = new StringBuilder();
        for (HostPosture.InstalledLivePatch p : patches) {
            sb.append(sb.length() == 0 ? "" : ",").append(p.packageName()).append('=').append(p.version());
        }
        return sb.toString();
    }

    /** Moves a system to another group; every instance's audit follows ({@link FleetFeed.Regrouped}). */
    public boolean setGroup(Handle h, long id, String group, Instant now) {
        boolean found = h.createUpdate("update systems set group_name = :g where id = :id").bind("g", group).bind("id", id).execute() > 0;
        if (found) {
            FleetFeed.append(h, new FleetFeed.Regrouped(now, id, group));
        }
        return found;
    }

    /** Deletes a system and its history; every instance's audit follows ({@link FleetFeed.Removed}). */
    public boolean delete(Handle h, long id, Instant now) {
        h.createUpdate("delete from activations where system_id = :id").bind("id", id).execute();
        h.createUpdate("delete from system_events where system_id = :id").bind("id", id).execute();
        boolean found = h.createUpdate("delete from systems where id = :id").bind("id", id).execute() > 0;
        if (found) {
            FleetFeed.append(h, new FleetFeed.Removed(now, id));
        }
        return found;
    }

    public boolean keepalive(Handle h, long id, String hostname, Instant now) {
        return h.createUpdate("update systems set last_seen = :now" + (hostname == null ? "" : ", hostname = :h") + " where id = :id")
                .bind("now", Sql.ts(now)).bind("h", hostname).bind("id", id).execute() > 0;
    }

    public void addEvent(Handle h, long systemId, Instant at, String kind, String message) {
        h.createUpdate("insert into system_events (system_id, at, kind, message) values (:s, :at, :k, :m)")
                .bind("s", systemId).bind("at", Sql.ts(at)).bind("k", kind).bind("m", message.length() > 2000 ? message.substring(0, 2000) : message)
                .execute();
    }

    public List<SystemEvent> events(long systemId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("select * from system_events where system_id = :s order by id desc limit :n")
                .bind("s", systemId).bind("n", limit)
                .map((rs, c) -> new SystemEvent(rs.getLong("id"), rs.getLong("system_id"), Sql.instant(rs, "at"), rs.getString("kind"),
                        rs.getString("message"), Sql.intOrNull(rs, "version"), longOrNull(rs, "elapsed_seconds"))).list());
    }

    private static Long longOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** The history kinds the rollout rule reads back, by kind. */
    private static final java.util.Map<String, CanaryEvent.Kind> CANARY_KINDS = java.util.Map.of(
            "apply-failed", CanaryEvent.Kind.APPLY_FAILED,
            "apply-reverted", CanaryEvent.Kind.APPLY_REVERTED,
            "apply-forced", CanaryEvent.Kind.APPLY_FORCED,
            "taint", CanaryEvent.Kind.NEW_TAINT,
            CheckinWriter.STUCK_TRANSITION, CanaryEvent.Kind.STUCK_TRANSITION);

    /**
     * The systems of a canary group with their posture and what they reported since {@code since}
     * that bears on a rollout (failed, reversed or forced applies, stuck transitions, new taint).
     * Two queries, by group and by system: the cost follows the canaries, not the fleet.
     */
    public List<CanaryReport> canaryReports(Handle h, String group, Instant since) {
        List<SystemRecord> canaries = h.createQuery("select * from systems where group_name = :g order by id").bind("g", group)
                .map((rs, c) -> record(rs)).list();
        java.util.Map<Long, List<CanaryEvent>> events = new java.util.HashMap<>();
        List<Long> ids = canaries.stream().map(SystemRecord::id).toList();
        for (int from = 0; from < ids.size(); from += 1000) {
            h.createQuery("select system_id, at, kind, kernel, version, elapsed_seconds, message from system_events where system_id in (<ids>)"
                            + " and at >= :since and kind in (<kinds>) order by id")
                    .bindList("ids", ids.subList(from, Math.min(ids.size(), from + 1000))).bindList("kinds", List.copyOf(CANARY_KINDS.keySet()))
                    .bind("since", Sql.ts(since))
                    .map((rs, c) -> {
                        Long elapsed = longOrNull(rs, "elapsed_seconds");
                        return events.computeIfAbsent(rs.getLong("system_id"), k -> new ArrayList<>()).add(new CanaryEvent(Sql.instant(rs, "at"),
                                CANARY_KINDS.get(rs.getString("kind")), rs.getString("kernel"), rs.getInt("version"), elapsed == null ? null : java.time.Duration.ofSeconds(elapsed),
                                rs.getString("message")));
                    }).list();
        }
        List<CanaryReport> out = new ArrayList<>(canaries.size());
        for (SystemRecord r : canaries) {
            Instant postureSince = r.postureSince() != null ? r.postureSince() : r.lastCheckin() != null ? r.lastCheckin() : r.registeredAt();
            out.add(new CanaryReport(r.id(), r.hostname(), r.posture(), r.posture() == null ? null : postureSince,
                    events.getOrDefault(r.id(), List.of())));
        }
        return out;
    }

    /** Hosts by posture class (kernel, loaded version, transition, forced): the fleet summary's raw counts. */
    public record PostureCount(String kernel, int version, String transition, boolean forced, long hosts) {
    }

    public List<PostureCount> postureCounts() {
        return jdbi.withHandle(h -> h.createQuery("select kernel, loaded_version, transition, forced, count(*) as n from systems"
                        + " where kernel is not null group by kernel, loaded_version, transition, forced order by kernel, loaded_version")
                .map((rs, c) -> new PostureCount(rs.getString("kernel"), rs.getInt("loaded_version"), rs.getString("transition"),
                        rs.getBoolean("forced"), rs.getLong("n"))).list());
    }

    /** Hosts per group, by group name. */
    public record GroupCount(String group, long hosts) {
    }

    /** How many systems each group holds (groups without a policy of their own included), by the group index. */
    public List<GroupCount> groupCounts() {
        return jdbi.withHandle(h -> h.createQuery("select group_name, count(*) as n from systems group by group_name order by group_name")
                .map((rs, c) -> new GroupCount(rs.getString("group_name"), rs.getLong("n"))).list());
    }

    public long total() {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from systems").mapTo(Long.class).one());
    }

    /** What an operator recognises a system by, for listing audit results: its hostname and group. */
    public record Label(String hostname, String group) {
    }

    /** The labels of these systems (gone ones are left out), a thousand ids per query. */
    public java.util.Map<Long, Label> labels(java.util.Collection<Long> ids) {
        java.util.Map<Long, Label> out = new java.util.HashMap<>();
        List<Long> all = List.copyOf(ids);
        jdbi.useHandle(h -> {
            for (int from = 0; from < all.size(); from += 1000) {
                h.createQuery("select id, hostname, group_name from systems where id in (<ids>)")
                        .bindList("ids", all.subList(from, Math.min(all.size(), from + 1000)))
                        .map((rs, c) -> out.put(rs.getLong("id"), new Label(rs.getString("hostname"), rs.getString("group_name")))).list();
            }
        });
        return out;
    }
}
