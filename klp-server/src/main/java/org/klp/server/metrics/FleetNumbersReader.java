package org.klp.server.metrics;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.klp.core.audit.HostFilter;
import org.klp.core.audit.Verdict;
import org.klp.server.audit.AuditService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.core.rollout.Rollout;
import org.klp.server.store.SystemStore;

/**
 * Reads {@link FleetNumbers} from this instance: the audit as it is (not waiting for queued
 * events; the lag gauge says how far behind), the systems' postures grouped by the database, and
 * the policy snapshot's catalog and rollouts. Cost: the audit's fleet summary (its posture classes
 * times CVEs) and one grouped count of systems.
 */
public final class FleetNumbersReader implements Supplier<FleetNumbers> {

    private final AuditService audit;
    private final SystemStore systems;
    private final PolicyEngine engine;
    private final Clock clock;

    public FleetNumbersReader(AuditService audit, SystemStore systems, PolicyEngine engine, Clock clock) {
        this.audit = audit;
        this.systems = systems;
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public FleetNumbers get() {
        Instant now = clock.instant();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        Map<Verdict, Integer> worst = audit.asIs().map(a -> a.summary(now, HostFilter.ALL, 0).hostsByWorstVerdict())
                .orElse(Map.of());
        PolicySnapshot s = engine.snapshot();
        Map<PostureState, Long> states = new EnumMap<>(PostureState.class);
        for (SystemStore.PostureCount c : systems.postureCounts()) {
            PolicySnapshot.KernelInfo k = s.kernels().get(c.kernel());
            PostureState state = PostureState.of(c.transition(), c.forced(), c.version(), k == null ? 0 : k.newest(),
                    k == null ? null : k.entry().endOfSupport(), today);
            states.merge(state, c.hosts(), Long::sum);
        }
        Map<String, Long> rollouts = new HashMap<>();
        for (Rollout r : s.rollouts().values()) {
            rollouts.merge(r.status().word(), 1L, Long::sum);
        }
        Map<String, Long> kernels = new HashMap<>();
        for (PolicySnapshot.KernelInfo k : s.kernels().values()) {
            LocalDate end = k.entry().endOfSupport();
            String support = today.isAfter(end) ? "ended" : end.isAfter(today.plusDays(30)) ? "current" : "ending";
            kernels.merge(support, 1L, Long::sum);
        }
        return new FleetNumbers(now, worst, states, rollouts, kernels);
    }
}
