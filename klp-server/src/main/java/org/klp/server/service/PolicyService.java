package org.klp.server.service;

import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.Rollout;
import org.klp.core.rollout.RolloutState;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.policy.RolloutSupervisor;
import org.klp.server.store.CheckinWriter;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.SystemStore;

/**
 * Groups and their policies, pins, staged rollouts: each change in one transaction, after which
 * the policy engine reloads its snapshot (and with it the CVE audit's pins, which follow every
 * reload). Every server instance notices the change through the policy generation it bumps.
 */
public final class PolicyService {

    /** A group's policy (a group without one of its own follows {@code latest}), how many systems it holds, and its pins. */
    public record GroupDetail(GroupPolicy group, long systems, List<PolicyStore.Pin> pins) {
    }

    /** A halt reason is a sentence; the rollout's reason column holds it with room to spare. */
    static final int MAX_REASON = 500;

    private final Jdbi jdbi;
    private final PolicyStore policies;
    private final SystemStore systems;
    private final PolicyEngine engine;
    private final RolloutSupervisor supervisor;
    private final CheckinWriter checkins;

    public PolicyService(Jdbi jdbi, PolicyStore policies, SystemStore systems, PolicyEngine engine, RolloutSupervisor supervisor,
                         CheckinWriter checkins) {
        this.jdbi = jdbi;
        this.policies = policies;
        this.systems = systems;
        this.engine = engine;
        this.supervisor = supervisor;
        this.checkins = checkins;
    }

    public List<GroupPolicy> groups() {
        return jdbi.withHandle(policies::groups);
    }

    public GroupDetail group(String name) {
        FleetService.requireGroupName(name);
        checkins.sync();
        GroupPolicy g = jdbi.withHandle(h -> policies.group(h, name)).orElse(GroupPolicy.latest(name));
        long count = systems.count(new SystemStore.Filter(null, null, name, null, null, null, null));
        return new GroupDetail(g, count, jdbi.withHandle(policies::pins).stream().filter(p -> p.group().equals(name)).toList());
    }

    public GroupPolicy putGroup(GroupPolicy g, Instant now) {
        jdbi.useTransaction(h -> policies.putGroup(h, g, now));
        engine.invalidate();
        return g;
    }

    public void deleteGroup(String name) {
        FleetService.requireGroupName(name);
        boolean found = jdbi.inTransaction(h -> policies.deleteGroup(h, name));
        engine.invalidate();
        if (!found) {
            throw new NotFound("no group " + name + " (a group without a policy of its own follows 'latest')");
        }
    }

    public List<PolicyStore.Pin> pins() {
        return jdbi.withHandle(policies::pins);
    }

    /**
     * Pins a kernel's live patch for a group ({@link PolicyStore#EVERY_GROUP}: the fleet) to a
     * version, given outright or as N minus {@code back} (a fleet-wide downgrade is back 1).
     */
    public PolicyStore.Pin pin(String group, KernelRelease kernel, Integer version, Integer back, Instant now) {
        if (!group.equals(PolicyStore.EVERY_GROUP)) {
            FleetService.requireGroupName(group);
        }
        PolicySnapshot.KernelInfo info = engine.snapshot().kernels().get(kernel.uname());
        if (info == null) {
            throw new NotFound("kernel " + kernel + " is not in the catalog");
        }
        if ((version == null) == (back == null)) {
            throw new InvalidInput("give either version (e.g. {\"version\": 3}) or back (e.g. {\"back\": 1} for N-1)");
        }
        int v = version != null ? version : info.newest() - back;
        if (!info.versions().contains(v)) {
            throw new InvalidInput(version != null ? "version" : "back", "kernel " + kernel + " has no live patch version " + v
                    + " (published: " + info.versions() + ")");
        }
        PolicyStore.Pin pin = new PolicyStore.Pin(group, kernel.uname(), v);
        jdbi.useTransaction(h -> policies.putPin(h, pin, now));
        engine.invalidate();
        return pin;
    }

    public void unpin(String group, KernelRelease kernel) {
        boolean found = jdbi.inTransaction(h -> policies.deletePin(h, group, kernel.uname()));
        engine.invalidate();
        if (!found) {
            throw new NotFound("no pin of " + kernel + " for " + (group.equals(PolicyStore.EVERY_GROUP) ? "the whole fleet" : "group " + group));
        }
    }

    public List<Rollout> rollouts() {
        return jdbi.withHandle(policies::rollouts);
    }

    public Rollout promote(String group, KernelRelease kernel, int version, Instant now) {
        return move(rollout(group, kernel, version), RolloutState.PROMOTED, "promoted by an operator", now);
    }

    public Rollout halt(String group, KernelRelease kernel, int version, String reason, Instant now) {
        String why = reason == null || reason.isBlank() ? null : Labels.require(reason, "reason", MAX_REASON);
        return move(rollout(group, kernel, version), RolloutState.HALTED, why == null ? "halted by an operator" : "halted by an operator: " + why,
                now);
    }

    /** A halted rollout goes back to its canaries: its soak starts again from now. */
    public Rollout resume(String group, KernelRelease kernel, int version, Instant now) {
        return move(rollout(group, kernel, version), RolloutState.CANARY, "resumed by an operator: canaries test it again", now);
    }

    private Rollout move(Rollout r, RolloutState next, String reason, Instant now) {
        try {
            if (!supervisor.move(r, next, reason, now)) {
                throw new Conflict("the rollout of version " + r.version() + " of " + r.kernel() + " to group " + r.group()
                        + " changed meanwhile; read it again (GET /api/v1/rollouts)");
            }
        } catch (RolloutState.IllegalRolloutTransition e) {
            throw new Conflict(e.getMessage());
        }
        return rollout(r.group(), KernelRelease.parse(r.kernel()), r.version());
    }

    private Rollout rollout(String group, KernelRelease kernel, int version) {
        FleetService.requireGroupName(group);
        return jdbi.withHandle(h -> policies.rollout(h, group, kernel.uname(), version))
                .orElseThrow(() -> new NotFound("no rollout of version " + version + " of " + kernel + " to group " + group));
    }
}
