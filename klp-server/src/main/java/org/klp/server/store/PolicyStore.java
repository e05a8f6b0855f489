package org.klp.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Groups and their policies, pins, staged rollouts, and the policy generation counter. */
public final class PolicyStore {

    /** The pseudo-group of a fleet-wide pin: it applies to every group without a pin of its own. */
    public static final String EVERY_GROUP = "*";

    public record Pin(String group, String kernel, int version) {
    }

    private final Jdbi jdbi;

    public PolicyStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public long generation(Handle h) {
        return h.createQuery("select counter from generation where id = 1").mapTo(Long.class).one();
    }

    public long generation() {
        return jdbi.withHandle(this::generation);
    }

    /** Marks a change of policy or catalog, so that every server instance reloads its snapshot. */
    public void bump(Handle h) {
        h.execute("update generation set counter = counter + 1 where id = 1");
    }

    public List<GroupPolicy> groups(Handle h) {
        return h.createQuery("select * from groups order by name").map((rs, c) -> new GroupPolicy(rs.getString("name"),
                rs.getString("policy"), rs.getString("canary_group"), Duration.ofSeconds(rs.getLong("soak_seconds")),
                rs.getBoolean("kernel_lock"), rs.getString("on_timeout"), Duration.ofSeconds(rs.getLong("transition_timeout_seconds")))).list();
    }

    public Optional<GroupPolicy> group(Handle h, String name) {
        return groups(h).stream().filter(g -> g.name().equals(name)).findFirst();
    }

    public void putGroup(Handle h, GroupPolicy g, Instant now) {
        int n = h.createUpdate("update groups set policy = :p, canary_group = :c, soak_seconds = :s, kernel_lock = :k, on_timeout = :o,"
                        + " transition_timeout_seconds = :t, updated_at = :now where name = :name")
                .bind("name", g.name()).bind("p", g.policy()).bind("c", g.canaryGroup()).bind("s", g.soak().toSeconds())
                .bind("k", g.kernelLock()).bind("o", g.onTimeout()).bind("t", g.transitionTimeout().toSeconds()).bind("now", Sql.ts(now))
                .execute();
        if (n == 0) {
            h.createUpdate("insert into groups (name, policy, canary_group, soak_seconds, kernel_lock, on_timeout, transition_timeout_seconds,"
                            + " updated_at) values (:name, :p, :c, :s, :k, :o, :t, :now)")
                    .bind("name", g.name()).bind("p", g.policy()).bind("c", g.canaryGroup()).bind("s", g.soak().toSeconds())
                    .bind("k", g.kernelLock()).bind("o", g.onTimeout()).bind("t", g.transitionTimeout().toSeconds()).bind("now", Sql.ts(now))
                    .execute();
        }
        bump(h);
    }

    public boolean deleteGroup(Handle h, String name) {
        h.createUpdate("delete from pins where group_name = :n").bind("n", name).execute();
        h.createUpdate("delete from rollouts where group_name = :n").bind("n", name).execute();
        int n = h.createUpdate("delete from groups where name = :n").bind("n", name).execute();
        bump(h);
        return n > 0;
    }

    public List<Pin> pins(Handle h) {
        return h.createQuery("select * from pins order by group_name, kernel_release")
                .map((rs, c) -> new Pin(rs.getString("group_name"), rs.getString("kernel_release"), rs.getInt("version"))).list();
    }

    public void putPin(Handle h, Pin pin, Instant now) {
        h.createUpdate("delete from pins where group_name = :g and kernel_release = :k").bind("g", pin.group()).bind("k", pin.kernel()).execute();
        h.createUpdate("insert into pins (group_name, kernel_release, version, created_at) values (:g, :k, :v, :now)")
                .bind("g", pin.group()).bind("k", pin.kernel()).bind("v", pin.version()).bind("now", Sql.ts(now)).execute();
        bump(h);
    }

    public boolean deletePin(Handle h, String group, String kernel) {
        int n = h.createUpdate("delete from pins where group_name = :g and kernel_release = :k").bind("g", group).bind("k", kernel).execute();
        bump(h);
        return n > 0;
    }

    public List<Rollout> rollouts(Handle h) {
        return h.createQuery("select * from rollouts order by group_name, kernel_release, version")
                .map((rs, c) -> new Rollout(rs.getString("group_name"), rs.getString("kernel_release"), rs.getInt("version"),
                        rs.getString("status"), Sql.instant(rs, "started_at"), Sql.instant(rs, "changed_at"), rs.getString("reason"))).list();
    }

    public Optional<Rollout> rollout(Handle h, String group, String kernel, int version) {
        return rollouts(h).stream().filter(r -> r.group().equals(group) && r.kernel().equals(kernel) && r.version() == version).findFirst();
    }

    public void startRollout(Handle h, String group, String kernel, int version, Instant now) {
        h.createUpdate("insert into rollouts (group_name, kernel_release, version, status, started_at, changed_at, reason)"
                        + " values (:g, :k, :v, 'canary', :now, :now, :r)")
                .bind("g", group).bind("k", kernel).bind("v", version).bind("now", Sql.ts(now))
                .bind("r", "canaries first").execute();
        bump(h);
    }

    public void setRolloutStatus(Handle h, String group, String kernel, int version, String status, String reason, Instant now) {
        h.createUpdate("update rollouts set status = :s, reason = :r, changed_at = :now where group_name = :g and kernel_release = :k and version = :v")
                .bind("g", group).bind("k", kernel).bind("v", version).bind("s", status)
                .bind("r", reason.length() > 1000 ? reason.substring(0, 1000) : reason).bind("now", Sql.ts(now)).execute();
        bump(h);
    }
}
