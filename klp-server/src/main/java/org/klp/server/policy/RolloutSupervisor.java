package org.klp.server.policy;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.klp.server.store.GroupPolicy;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.Rollout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves staged rollouts along. For every staged group and every kernel whose newest live patch
 * version is newer than the initial patch, it starts a rollout (canaries first), then on each
 * {@link #runOnce}:
 * <ul>
 * <li><b>halts</b> it when a canary on that kernel reported, since the rollout started, a failed or
 *     reverted apply of the version, a transition still in progress past the group's deadline, or
 *     new taint flags while running the version; the reason names the host and the signal;</li>
 * <li><b>promotes</b> it once the soak time has passed without such a signal and at least one
 *     canary runs the version with its transition complete (or no canary runs that kernel at all).</li>
 * </ul>
 * Its queries touch only canary groups' systems (indexed by group), so its cost follows the number
 * of canaries, not the fleet. Time comes from the clock, so tests drive soak times.
 */
public final class RolloutSupervisor {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutSupervisor.class);

    private final Jdbi jdbi;
    private final PolicyStore policies;
    private final PolicyEngine engine;
    private final Clock clock;

    public RolloutSupervisor(Jdbi jdbi, PolicyStore policies, PolicyEngine engine, Clock clock) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.engine = engine;
        this.clock = clock;
    }

    private record Signal(long id, String hostname, String kind, String detail) {
    }

    /** One pass over every staged group; returns whether any rollout changed. */
    public synchronized boolean runOnce() {
        engine.invalidate();
        PolicySnapshot s = engine.snapshot();
        Instant now = clock.instant();
        boolean changed = false;
        for (GroupPolicy g : s.groups().values()) {
            if (!g.policy().equals("staged")) {
                continue;
            }
            for (PolicySnapshot.KernelInfo k : s.kernels().values()) {
                int v = k.newest();
                if (v <= 1) {
                    continue;
                }
                String kernel = k.entry().release().uname();
                Rollout r = s.rollout(g.name(), kernel, v);
                if (r == null) {
                    jdbi.useTransaction(h -> {
                        if (policies.rollout(h, g.name(), kernel, v).isEmpty()) {
                            policies.startRollout(h, g.name(), kernel, v, now);
                        }
                    });
                    LOG.info("rollout of {} version {} to group {} started: canaries ({}) first", kernel, v, g.name(), g.canaryGroup());
                    changed = true;
                    continue;
                }
                if (!r.status().equals(Rollout.CANARY)) {
                    continue;
                }
                Optional<Signal> bad = failure(g, kernel, v, r.startedAt());
                if (bad.isPresent()) {
                    Signal b = bad.get();
                    String reason = "canary " + (b.hostname.isEmpty() ? "system " + b.id : b.hostname + " (system " + b.id + ")") + " " + b.detail;
                    setStatus(r, Rollout.HALTED, reason, now);
                    LOG.warn("rollout of {} version {} to group {} HALTED: {}", kernel, v, g.name(), reason);
                    changed = true;
                } else if (!now.isBefore(r.startedAt().plus(g.soak()))) {
                    long[] counts = canaries(g.canaryGroup(), kernel, v);
                    if (counts[0] == 0 || counts[1] > 0) {
                        String reason = "soaked " + g.soak().toSeconds() + " s without failures"
                                + (counts[0] == 0 ? " (no canary runs this kernel)" : " on " + counts[1] + " canar" + (counts[1] == 1 ? "y" : "ies"));
                        setStatus(r, Rollout.PROMOTED, reason, now);
                        LOG.info("rollout of {} version {} to group {} promoted: {}", kernel, v, g.name(), reason);
                        changed = true;
                    }
                }
            }
        }
        if (changed) {
            engine.invalidate();
        }
        return changed;
    }

    public void setStatus(Rollout r, String status, String reason, Instant now) {
        jdbi.useTransaction(h -> policies.setRolloutStatus(h, r.group(), r.kernel(), r.version(), status, reason, now));
        engine.invalidate();
    }

    private Optional<Signal> failure(GroupPolicy g, String kernel, int version, Instant since) {
        return jdbi.withHandle(h -> {
            List<Signal> found = h.createQuery("select id, hostname, last_result, last_message, transition, transition_seconds, new_taint,"
                            + " loaded_version from systems where group_name = :c and kernel = :k and ("
                            + " (last_result in ('reverted', 'failed') and last_target = :v and last_result_at >= :since)"
                            + " or (transition = 'in_progress' and transition_seconds > :deadline and last_seen >= :since)"
                            + " or (new_taint <> 0 and loaded_version = :v and last_seen >= :since)) order by id limit 1")
                    .bind("c", g.canaryGroup()).bind("k", kernel).bind("v", version)
                    .bind("since", java.time.OffsetDateTime.ofInstant(since, java.time.ZoneOffset.UTC))
                    .bind("deadline", g.transitionTimeout().toSeconds())
                    .map((rs, c) -> {
                        String kind;
                        String detail;
                        if (rs.getString("last_result") != null && List.of("reverted", "failed").contains(rs.getString("last_result"))) {
                            kind = "failed-apply";
                            detail = "reported a " + rs.getString("last_result") + " apply of version " + version + ": " + rs.getString("last_message");
                        } else if ("in_progress".equals(rs.getString("transition"))) {
                            kind = "stuck-transition";
                            detail = "has a transition stuck for " + rs.getLong("transition_seconds") + " s, past the deadline of "
                                    + g.transitionTimeout().toSeconds() + " s";
                        } else {
                            kind = "new-taint";
                            detail = "reported new taint flags 0x" + Long.toHexString(rs.getLong("new_taint")) + " while running version " + version;
                        }
                        return new Signal(rs.getLong("id"), rs.getString("hostname"), kind, detail);
                    }).list();
            return found.stream().findFirst();
        });
    }

    /** Canaries running {@code kernel}: how many, and how many run {@code version} with a completed transition. */
    private long[] canaries(String canaryGroup, String kernel, int version) {
        return jdbi.withHandle(h -> {
            long all = h.createQuery("select count(*) from systems where group_name = :c and kernel = :k").bind("c", canaryGroup).bind("k", kernel)
                    .mapTo(Long.class).one();
            long on = h.createQuery("select count(*) from systems where group_name = :c and kernel = :k and loaded_version >= :v"
                            + " and transition = 'ready'").bind("c", canaryGroup).bind("k", kernel).bind("v", version).mapTo(Long.class).one();
            return new long[] {all, on};
        });
    }
}
