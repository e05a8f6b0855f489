package org.klp.server.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.klp.core.audit.CveRisk;
import org.klp.core.audit.FleetOverview;
import org.klp.core.audit.FleetSummary;
import org.klp.core.audit.HostFilter;
import org.klp.core.audit.PostureCount;
import org.klp.core.audit.Transition;
import org.klp.core.audit.Verdict;
import org.klp.core.rollout.Rollout;
import org.klp.core.rollout.RolloutState;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.SystemStore;

/**
 * The fleet overview ({@code GET /api/v1/summary}, the dashboard's first page): every figure from
 * one read of the audit ({@link FleetOverview}) and the catalog as the policy snapshot has it, so
 * they agree. Hosts are counted once by what it takes to make them safe from every known CVE
 * (safe, a live patch update, a reboot, nothing yet, unknown: the figures add up to the hosts that
 * checked in), and once by their live patch posture (newest loaded, behind, in progress, forced) —
 * two questions, each answered once.
 */
public final class FleetOverviewService {

    /** A posture with the catalog's view of it: the newest version for its kernel, the end of support, a status. */
    public record PostureRow(String kernel, int version, Integer newest, String transition, boolean forced, LocalDate endOfSupport,
                             String status, int hosts) {
    }

    /** One of the CVEs that put the most hosts at risk. */
    public record TopCve(String cve, double cvss, int hostsAtRisk, int fixableByLivePatch, int needReboot) {
    }

    /**
     * The overview. {@code safe + fixableByLivePatch + needReboot + noFixYet + unknown = checkedIn};
     * {@code onNewest + behind + inProgress + unsupportedKernel + expired} counts the same hosts by
     * posture status, with {@code forced} among them.
     */
    public record View(Instant asOf, long systems, int checkedIn, long neverCheckedIn,
                       int safe, int fixableByLivePatch, int needReboot, int noFixYet, int unknown, int hostsAtRisk,
                       Map<Verdict, Integer> hostsByWorstVerdict, FleetSummary.Exposures exposures, List<TopCve> topCves,
                       int onNewest, int behind, int inProgress, int forced, long failedApplies,
                       int expiringWithin30Days, int expired, int unsupportedKernel,
                       List<PostureRow> postures, List<SystemStore.GroupCount> groups, List<Rollout> haltedRollouts) {
    }

    private final AuditService audit;
    private final PolicyEngine engine;
    private final SystemStore systems;

    public FleetOverviewService(AuditService audit, PolicyEngine engine, SystemStore systems) {
        this.audit = audit;
        this.engine = engine;
        this.systems = systems;
    }

    public View compute(int topCves) {
        Instant now = audit.now();
        FleetOverview o = audit.current().overview(now, HostFilter.ALL, topCves);
        PolicySnapshot s = engine.snapshot();
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int onNewest = 0;
        int behind = 0;
        int inProgress = 0;
        int forced = 0;
        int expiring = 0;
        int expired = 0;
        int unsupported = 0;
        List<PostureRow> rows = new ArrayList<>();
        for (PostureCount c : o.postures()) {
            String kernel = c.posture().kernel().uname();
            PolicySnapshot.KernelInfo k = s.kernels().get(kernel);
            boolean running = c.posture().transition() == Transition.IN_PROGRESS;
            String status;
            if (c.posture().forced()) {
                forced += c.hosts();
            }
            if (k == null) {
                status = "unsupported-kernel";
                unsupported += c.hosts();
            } else if (today.isAfter(k.entry().endOfSupport())) {
                status = "expired";
                expired += c.hosts();
            } else {
                if (!k.entry().endOfSupport().isAfter(today.plusDays(30))) {
                    expiring += c.hosts();
                }
                if (running) {
                    status = "in-progress";
                    inProgress += c.hosts();
                } else if (c.posture().loadedVersion() >= k.newest()) {
                    status = "newest";
                    onNewest += c.hosts();
                } else {
                    status = "behind";
                    behind += c.hosts();
                }
            }
            rows.add(new PostureRow(kernel, c.posture().loadedVersion(), k == null ? null : k.newest(),
                    running ? "in_progress" : "ready", c.posture().forced(), k == null ? null : k.entry().endOfSupport(), status, c.hosts()));
        }
        FleetSummary f = o.summary();
        int unknown = f.hostsByWorstVerdict().getOrDefault(Verdict.UNKNOWN, 0);
        int safe = f.hosts() - f.hostsAtRisk();
        List<TopCve> top = new ArrayList<>();
        for (CveRisk r : f.topCves()) {
            top.add(new TopCve(r.cveId(), r.cvss(), r.hostsAtRisk(), r.fixableByLivePatch(), r.needReboot()));
        }
        long registered = systems.total();
        List<Rollout> halted = s.rollouts().values().stream().filter(r -> r.status() == RolloutState.HALTED)
                .sorted(java.util.Comparator.comparing(Rollout::changedAt).reversed()).toList();
        Map<Verdict, Integer> byWorst = new java.util.LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            byWorst.put(v, f.hostsByWorstVerdict().getOrDefault(v, 0));
        }
        return new View(now, registered, f.hosts(), Math.max(0, registered - f.hosts()), safe, f.fixableByLivePatch(), f.needReboot(),
                f.noFixYet(), unknown, f.hostsAtRisk(), byWorst, f.exposures(), top, onNewest, behind, inProgress, forced,
                systems.count(new SystemStore.Filter(null, null, null, null, "failed", null, null)), expiring, expired, unsupported, rows,
                systems.groupCounts(), halted);
    }
}
