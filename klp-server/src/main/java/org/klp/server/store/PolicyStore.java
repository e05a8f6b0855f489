package org.klp.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.OnTimeout;
import org.klp.core.rollout.Rollout;
import org.klp.core.rollout.RolloutState;
import org.klp.core.rollout.UpdatePolicy;

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

    /**
     * Marks a change of policy or catalog, so that every server instance reloads its snapshot:
     * a new generation, and a {@link FleetFeed.PolicyChanged} event. Call it last in the
     * transaction (the feed's lock is held from here to the commit).
     */
    public void bump(Handle h) {
        bumpGeneration(h);
        FleetFeed.append(h, new FleetFeed.PolicyChanged(Instant.now()));
    }

    /**
     * A new generation only, early in a long transaction that numbers its rows by it; the
     * transaction appends its {@link FleetFeed.PolicyChanged} event at its end.
     */
    public void bumpGeneration(Handle h) {
        h.execute("update generation set counter = counter + 1 where id = 1");
    }

    public List<GroupPolicy> groups(Handle h) {
        return h.createQuery("select * from groups order by name").map((rs, c) -> {
            String policy = rs.getString("policy");
            UpdatePolicy update = switch (policy) {
                case "pin" -> new UpdatePolicy.Pinned();
                case "staged" -> new UpdatePolicy.Staged(rs.getString("canary_group"), Duration.ofSeconds(rs.getLong("soak_seconds")),
                        rs.getInt("min_canaries"));
                default -> new UpdatePolicy.Latest();
            };
            return new GroupPolicy(rs.getString("name"), update, rs.getBoolean("kernel_lock"), OnTimeout.parse(rs.getString("on_timeout")),
                    Duration.ofSeconds(rs.getLong("transition_timeout_seconds")));
        }).list();
    }

    public Optional<GroupPolicy> group(Handle h, String name) {
        return groups(h).stream().filter(g -> g.name().equals(name)).findFirst();
    }

    public void putGroup(Handle h, GroupPolicy g, Instant now) {
        UpdatePolicy.Staged staged = g.staged();
        int n = h.createUpdate("update groups set policy = :p, canary_group = :c, soak_seconds = :s, min_canaries = :m, kernel_lock = :k,"
                        + " on_timeout = :o, transition_timeout_seconds = :t, updated_at = :now where name = :name")
                .bind("name", g.name()).bind("p", g.update().word()).bind("c", g.canaryGroup())
                .bind("s", staged == null ? 0 : staged.soak().toSeconds()).bind("m", staged == null ? 1 : staged.minCanaries())
                .bind("k", g.kernelLock()).bind("o", g.onTimeout().word()).bind("t", g.transitionTimeout().toSeconds()).bind("now", Sql.ts(now))
                .execute();
        if (n == 0) {
            h.createUpdate("insert into groups (name, policy, canary_group, soak_seconds, min_canaries, kernel_lock, on_timeout,"
                            + " transition_timeout_seconds, updated_at) values (:name, :p, :c, :s, :m, :k, :o, :t, :now)")
                    .bind("name", g.name()).bind("p", g.update().word()).bind("c", g.canaryGroup())
                    .bind("s", staged == null ? 0 : staged.soak().toSeconds()).bind("m", staged == null ? 1 : staged.minCanaries())
                    .bind("k", g.kernelLock()).bind("o", g.onTimeout().word()).bind("t", g.transitionTimeout().toSeconds()).bind("now", Sql.ts(now))
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
                        RolloutState.parse(rs.getString("status")), Sql.instant(rs, "started_at"), Sql.instant(rs, "changed_at"),
                        rs.getString("reason"))).list();
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

    /**
     * Stores {@code next}, the state {@code current} moved to, if the stored rollout is still
     * {@code current} (another instance's supervisor or an operator may have moved it meanwhile);
     * returns whether it did.
     */
    public boolean moveRollout(Handle h, Rollout current, Rollout next) {
        int n = h.createUpdate("update rollouts set status = :s, reason = :r, started_at = :started, changed_at = :now"
                        + " where group_name = :g and kernel_release = :k and version = :v and status = :was")
                .bind("g", current.group()).bind("k", current.kernel()).bind("v", current.version()).bind("was", current.status().word())
                .bind("s", next.status().word()).bind("r", clip(next.reason())).bind("started", Sql.ts(next.startedAt()))
                .bind("now", Sql.ts(next.changedAt())).execute();
        if (n > 0) {
            bump(h);
        }
        return n > 0;
    }

    /**
     * Says why a rollout stays where it is (a hold, a wait), without a new generation when the
     * reason is unchanged; returns whether it changed.
     */
    public boolean explainRollout(Handle h, Rollout r, String reason, Instant now) {
        int n = h.createUpdate("update rollouts set reason = :r, changed_at = :now where group_name = :g and kernel_release = :k and version = :v"
                        + " and status = :s and reason <> :r")
                .bind("g", r.group()).bind("k", r.kernel()).bind("v", r.version()).bind("s", r.status().word()).bind("r", clip(reason))
                .bind("now", Sql.ts(now)).execute();
        if (n > 0) {
            bump(h);
        }
        return n > 0;
    }

    private static String clip(String reason) {
        return reason.length() > 1000 ? reason.substring(0, 1000) : reason;
    }
}
