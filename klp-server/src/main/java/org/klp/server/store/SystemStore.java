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
                         Instant seenAfter) {
        public static final Filter ALL = new Filter(null, null, null, null, null, null, null);
        public static final List<String> STATES = List.of("ready", "in_progress", "forced", "failed", "new");
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
        return jdbi.withHandle(h -> {
            Query q = h.createQuery("select s.* from systems s" + where(f) + " order by s.id limit :limit offset :offset");
            bind(q, f);
            return q.bind("limit", limit).bind("offset", offset).map((rs, c) -> record(rs)).list();
        });
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
                case "new" -> "s.last_seen is null";
                default -> throw new IllegalArgumentException("Not a state: '" + f.state() + "' (expected " + String.join(", ", Filter.STATES) + ")");
            });
        }
        if (f.seenBefore() != null) {
            c.add("s.last_seen < :seenBefore");
        }
        if (f.seenAfter() != null) {
            c.add("s.last_seen >= :seenAfter");
        }
        return c.isEmpty() ? "" : " where " + String.join(" and ", c);
    }

    private static void bind(Query q, Filter f) {
        q.bind("kernel", f.kernel()).bind("version", f.version()).bind("group", f.group()).bind("product", f.productId())
                .bind("seenBefore", Sql.ts(f.seenBefore())).bind("seenAfter", Sql.ts(f.seenAfter()));
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
                Sql.instant(rs, "registered_at"), Sql.instant(rs, "last_seen"), rs.getLong("checkins"), posture, rs.getLong("new_taint"));
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

    public boolean setGroup(Handle h, long id, String group) {
        return h.createUpdate("update systems set group_name = :g where id = :id").bind("g", group).bind("id", id).execute() > 0;
    }

    public boolean delete(Handle h, long id) {
        h.createUpdate("delete from activations where system_id = :id").bind("id", id).execute();
        h.createUpdate("delete from system_events where system_id = :id").bind("id", id).execute();
        return h.createUpdate("delete from systems where id = :id").bind("id", id).execute() > 0;
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
                        rs.getString("message"))).list());
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
