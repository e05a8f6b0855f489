package org.klp.server.policy;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.rollout.CanaryReport;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.Rollout;
import org.klp.core.rollout.RolloutDecision;
import org.klp.core.rollout.RolloutRule;
import org.klp.core.rollout.RolloutState;
import org.klp.core.rollout.UpdatePolicy;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.SystemStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves staged rollouts along by {@link RolloutRule}. For every staged group and every kernel
 * whose newest live patch version is newer than the initial patch, it starts a rollout (canaries
 * first; an older rollout of the kernel still with the canaries is superseded), then on each
 * {@link #runOnce} halts, promotes, or records why the rollout waits or is held ("no canary runs
 * this kernel"). Every move goes through {@link RolloutState}'s legal transitions and is stored
 * only if the rollout is still where this supervisor saw it, so supervisors of several instances
 * and operators cannot undo one another.
 *
 * <p>Its queries touch only canary groups' systems and their history since the rollout started
 * (indexed by group and by system), so its cost follows the number of canaries, not the fleet.
 * Time comes from the clock, so tests drive soak times.
 */
public final class RolloutSupervisor {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutSupervisor.class);

    private final Jdbi jdbi;
    private final PolicyStore policies;
    private final SystemStore systems;
    private final PolicyEngine engine;
    private final Clock clock;

    public RolloutSupervisor(Jdbi jdbi, PolicyStore policies, SystemStore systems, PolicyEngine engine, Clock clock) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.systems = systems;
        this.engine = engine;
        this.clock = clock;
    }

    /** One pass over every staged group; returns whether any rollout changed state. */
    public synchronized boolean runOnce() {
        engine.invalidate();
        PolicySnapshot s = engine.snapshot();
        Instant now = clock.instant();
        boolean changed = false;
        boolean explained = false;
        Map<String, List<CanaryReport>> byCanaryGroup = new HashMap<>();
        for (GroupPolicy g : s.groups().values()) {
            UpdatePolicy.Staged staged = g.staged();
            if (staged == null) {
                continue;
            }
            GroupPolicy canaryPolicy = s.group(staged.canaryGroup());
            for (PolicySnapshot.KernelInfo k : s.kernels().values()) {
                int v = k.newest();
                if (v <= 1) {
                    continue;
                }
                String kernel = k.entry().release().uname();
                changed |= supersedeOlder(s, g.name(), kernel, v, now);
                Rollout r = s.rollout(g.name(), kernel, v);
                if (r == null) {
                    try {
                        jdbi.useTransaction(h -> {
                            if (policies.rollout(h, g.name(), kernel, v).isEmpty()) {
                                policies.startRollout(h, g.name(), kernel, v, now);
                            }
                        });
                        LOG.info("rollout of {} version {} to group {} started: canaries ({}) first", kernel, v, g.name(), staged.canaryGroup());
                        changed = true;
                    } catch (RuntimeException e) {
                        // another instance's supervisor started it at the same moment: it is there either way
                        if (jdbi.withHandle(h -> policies.rollout(h, g.name(), kernel, v)).isEmpty()) {
                            throw e;
                        }
                    }
                    continue;
                }
                if (r.status() != RolloutState.CANARY) {
                    continue;
                }
                // one read of a canary group per pass, from the oldest rollout start it serves: each rollout filters its own events
                List<CanaryReport> canaries = byCanaryGroup.computeIfAbsent(staged.canaryGroup(),
                        c -> jdbi.withHandle(h -> systems.canaryReports(h, c, oldestCanaryStart(s))));
                RolloutDecision d = RolloutRule.decide(r, staged, canaryPolicy.transitionTimeout(), canaries, now);
                if (d instanceof RolloutDecision.Halt) {
                    if (move(r, RolloutState.HALTED, d.reason(), now)) {
                        LOG.warn("rollout of {} version {} to group {} HALTED: {}", kernel, v, g.name(), d.reason());
                        changed = true;
                    }
                } else if (d instanceof RolloutDecision.Promote) {
                    if (move(r, RolloutState.PROMOTED, d.reason(), now)) {
                        LOG.info("rollout of {} version {} to group {}: {}", kernel, v, g.name(), d.reason());
                        changed = true;
                    }
                } else {
                    explained |= jdbi.inTransaction(h -> policies.explainRollout(h, r, d.reason(), now));
                }
            }
        }
        if (changed || explained) {
            engine.invalidate();
        }
        return changed;
    }

    private static Instant oldestCanaryStart(PolicySnapshot s) {
        return s.rollouts().values().stream().filter(r -> r.status() == RolloutState.CANARY).map(Rollout::startedAt).min(Instant::compareTo)
                .orElse(Instant.EPOCH);
    }

    /** Rollouts of older versions of the kernel still with the canaries: a newer version replaces them unpromoted. */
    private boolean supersedeOlder(PolicySnapshot s, String group, String kernel, int newest, Instant now) {
        boolean changed = false;
        for (Rollout r : s.rollouts().values()) {
            if (r.group().equals(group) && r.kernel().equals(kernel) && r.version() < newest && r.status() == RolloutState.CANARY) {
                changed |= move(r, RolloutState.SUPERSEDED, "superseded by version " + newest + " before it was promoted", now);
            }
        }
        return changed;
    }

    /**
     * Moves a rollout to {@code next} if the state machine allows it and the stored rollout is
     * still as read; returns whether it moved.
     *
     * @throws RolloutState.IllegalRolloutTransition if the state machine refuses the move
     */
    public boolean move(Rollout r, RolloutState next, String reason, Instant now) {
        Rollout moved = r.moveTo(next, reason, now);
        boolean done = jdbi.inTransaction(h -> policies.moveRollout(h, r, moved));
        engine.invalidate();
        return done;
    }
}
