package org.klp.server.policy;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.audit.HoldReason;
import org.klp.core.audit.PostureClass;
import org.klp.core.fleet.DesiredAction;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.OnTimeout;
import org.klp.core.rollout.Rollout;
import org.klp.core.rollout.RolloutState;
import org.klp.core.rollout.UpdatePolicy;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.PolicyStore;

/**
 * Decides each host's desired state from its posture, its group's policy, pins and staged
 * rollouts. Reads an immutable {@link PolicySnapshot}; re-reads it when this instance changed
 * policy ({@link #invalidate}) or, for changes made by another server instance on the same
 * database, when the fleet feed brings their event ({@link #reloadIfStale}, within milliseconds
 * on PostgreSQL).
 *
 * <h2>Rules, in order</h2>
 * <ol>
 * <li>A kernel not in the catalog gets no live patches ({@code unavailable}: a custom or
 *     unsupported kernel).</li>
 * <li>A pin of the host's group for its kernel, else a fleet-wide pin ({@code *}), sets the version.</li>
 * <li>{@code latest}: the newest version. {@code pin} without a pin for the kernel: hold the
 *     loaded version. {@code staged}: the newest version promoted to the group (version 1, the
 *     initial patch, needs no promotion; versions published before the group's first rollout on
 *     the kernel are its status quo; a halted, superseded or canary version is never approved); a
 *     group that is some staged group's canary gets the newest version not halted there.</li>
 * </ol>
 * A kernel past its end of support keeps the versions it has; the reason says it needs a reboot.
 *
 * <h2>A transition under way</h2>
 * A host that reports a transition in progress is not sent another version: within its group's
 * deadline it is told to {@link DesiredAction#WAIT} and to check in again when the deadline
 * passes; past the deadline it gets the group's on-timeout action ({@link DesiredAction#REVERT},
 * {@link DesiredAction#FORCE}, or {@link DesiredAction#WAIT}), with the real elapsed time in the
 * reason. This applies the group's policy to transitions the host tool did not end itself (a
 * {@code wait} policy, an apply interrupted, a transition started by hand).
 */
public final class PolicyEngine {

    private final Jdbi jdbi;
    private final CatalogStore catalog;
    private final PolicyStore policies;
    private final Clock clock;
    private volatile String baseUrl;
    private volatile PolicySnapshot snapshot;
    private volatile long checkinIntervalSeconds = 3600;

    public PolicyEngine(Jdbi jdbi, CatalogStore catalog, PolicyStore policies, Clock clock, String baseUrl) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.policies = policies;
        this.clock = clock;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.snapshot = PolicySnapshot.load(jdbi, catalog, policies);
    }

    /** The current snapshot: reloaded by this instance's changes and by the fleet feed's policy events (see {@link #reloadIfStale}). */
    public PolicySnapshot snapshot() {
        return snapshot;
    }

    /** This instance changed policy or catalog: read them again now. */
    public synchronized void invalidate() {
        snapshot = PolicySnapshot.load(jdbi, catalog, policies);
    }

    /**
     * Another instance (or this one) changed policy or catalog, as the fleet feed says: reloads
     * the snapshot unless it is of the current generation already.
     */
    public synchronized void reloadIfStale() {
        if (policies.generation() != snapshot.generation()) {
            snapshot = PolicySnapshot.load(jdbi, catalog, policies);
        }
    }

    /** How often hosts are asked to check in (the desired state says it; the audit's staleness follows it). */
    public void checkinInterval(java.time.Duration interval) {
        this.checkinIntervalSeconds = interval.toSeconds();
    }

    /** A target version, why, and why it is below the newest when it is (null when it is not held). */
    private record Target(int version, String reason, HoldReason hold) {
        Target(int version, String reason) {
            this(version, reason, null);
        }
    }

    /**
     * Where the group's policy holds a host of this posture below the newest version of its
     * kernel's live patch, and why: what the CVE audit calls "held back"; {@link PostureClass.Hold#NONE}
     * when the policy gives it the newest (or the kernel has no live patches).
     */
    public static PostureClass.Hold hold(PolicySnapshot s, String group, String kernel, int loadedVersion) {
        PolicySnapshot.KernelInfo info = s.kernels().get(kernel);
        if (info == null || info.versions().isEmpty() || group == null) {
            return PostureClass.Hold.NONE;
        }
        Target t = target(s, s.group(group), group, kernel, loadedVersion, info);
        return t.version() >= info.newest() ? PostureClass.Hold.NONE : new PostureClass.Hold(t.version(), t.hold() == null ? HoldReason.PIN : t.hold());
    }

    private static Target target(PolicySnapshot s, GroupPolicy policy, String group, String kernel, int loadedVersion,
                                   PolicySnapshot.KernelInfo info) {
        List<Integer> versions = info.versions();
        Integer pin = pinFor(s, group, kernel);
        if (pin != null) {
            return new Target(pin, (s.pins().getOrDefault(group, Map.of()).containsKey(kernel) ? "pinned by group " + group : "pinned fleet-wide")
                    + " to version " + pin, HoldReason.PIN);
        }
        List<String> staged = s.stagedGroupsByCanary().get(group);
        if (staged != null) {
            int target = newestNotHalted(s, staged, kernel, versions);
            if (loadedVersion > target && versions.contains(loadedVersion)) {
                // a halt stops the rollout; it does not take a version back from canaries that run it (a pin does that)
                return new Target(loadedVersion, "canary of " + String.join(", ", staged) + ": its rollout is halted; holding version " + loadedVersion,
                        HoldReason.HALTED_ROLLOUT);
            }
            return new Target(target, "canary of " + String.join(", ", staged) + ": newest version not halted", HoldReason.HALTED_ROLLOUT);
        }
        UpdatePolicy update = policy.update();
        if (update instanceof UpdatePolicy.Pinned) {
            return new Target(loadedVersion > 0 && versions.contains(loadedVersion) ? loadedVersion : info.newest(),
                    "group " + group + " holds its versions (policy pin; no pin for this kernel)", HoldReason.GROUP_POLICY);
        }
        if (update instanceof UpdatePolicy.Staged) {
            int target = newestPromoted(s, group, kernel, versions);
            Rollout newest = s.rollout(group, kernel, info.newest());
            HoldReason hold = newest != null && newest.status() == RolloutState.HALTED ? HoldReason.HALTED_ROLLOUT : HoldReason.STAGED_ROLLOUT;
            if (target == info.newest()) {
                return new Target(target, "staged: newest version, promoted");
            }
            if (loadedVersion > target && versions.contains(loadedVersion)) {
                // a rollout moves hosts forward only; it never takes a version back from hosts that run it (a pin does that)
                return new Target(loadedVersion, "staged: version " + info.newest() + " is " + stage(s, group, kernel, info.newest())
                        + "; holding version " + loadedVersion + ", which this host runs", hold);
            }
            return new Target(target, "staged: version " + info.newest() + " is " + stage(s, group, kernel, info.newest())
                    + "; running promoted version " + target, hold);
        }
        return new Target(info.newest(), "latest");
    }

    /** The URL hosts reach this server at, for repository URLs. */
    /** The URL hosts reach this server at (repositories, services). */
    public String baseUrl() {
        return baseUrl;
    }

    public void baseUrl(String url) {
        this.baseUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String repositoryUrl(String productTriplet) {
        return baseUrl + "/repo/" + productTriplet + "/";
    }

    /**
     * The desired state of a host in {@code group} with this posture, which activated
     * {@code activatedProducts}: a kernel's live patches come only to hosts that activated the
     * product covering it (Live Patching, with its own registration code).
     */
    public DesiredState desired(String group, HostPosture posture, java.util.Set<Integer> activatedProducts) {
        PolicySnapshot.KernelInfo info = snapshot().kernels().get(posture.kernel());
        if (info != null && !activatedProducts.contains(info.product().id())) {
            GroupPolicy policy = snapshot().group(group);
            return new DesiredState(posture.kernel(), DesiredAction.UNAVAILABLE, 0, null, info.product().name() + " is not activated on this host:"
                    + " activate it with: klp register -p " + info.product().triplet() + " -r ADDITIONAL REGCODE",
                    policy.transitionTimeout().toSeconds(), policy.onTimeout(), policy.kernelLock(), List.of(), checkinIntervalSeconds);
        }
        return desired(group, posture);
    }

    public DesiredState desired(String group, HostPosture posture) {
        PolicySnapshot s = snapshot();
        GroupPolicy policy = s.group(group);
        String kernel = posture.kernel();
        long timeout = policy.transitionTimeout().toSeconds();
        PolicySnapshot.KernelInfo info = s.kernels().get(kernel);
        if (info == null || info.versions().isEmpty()) {
            return new DesiredState(kernel, DesiredAction.UNAVAILABLE, 0, null,
                    "kernel " + kernel + " is not in the catalog: no live patches for it (a custom or unsupported kernel);"
                            + " boot a supported kernel to get live patches", timeout, policy.onTimeout(), policy.kernelLock(), List.of(), checkinIntervalSeconds);
        }
        Target t = target(s, policy, group, kernel, posture.loadedVersion(), info);
        int target = t.version();
        String reason = t.reason();
        LocalDate today = LocalDate.now(clock);
        if (today.isAfter(info.entry().endOfSupport())) {
            reason += "; live patch support for this kernel ended on " + info.entry().endOfSupport() + ": reboot into a supported kernel";
        }
        String packageName = org.klp.core.patch.LivePatchPackage.packageName(info.entry().release());
        List<String> repositories = List.of(repositoryUrl(info.product().triplet()));
        if (posture.transition().equals(HostPosture.IN_PROGRESS)) {
            return transitionUnderWay(posture, policy, target, packageName, repositories);
        }
        return new DesiredState(kernel, DesiredAction.moving(posture.loadedVersion(), target), target, packageName, reason, timeout,
                policy.onTimeout(), policy.kernelLock(), repositories, checkinIntervalSeconds);
    }

    /**
     * A host in a transition: wait within the deadline (and come back when it passes), then the
     * group's on-timeout action. The reason keeps the elapsed time the host reported.
     */
    private DesiredState transitionUnderWay(HostPosture posture, GroupPolicy policy, int target, String packageName, List<String> repositories) {
        long deadline = policy.transitionTimeout().toSeconds();
        long elapsed = posture.transitionSeconds();
        String what = "the transition to version " + posture.loadedVersion() + (posture.blockers() > 0 ? " (" + posture.blockers()
                + " blocking task" + (posture.blockers() == 1 ? "" : "s") + ")" : "");
        DesiredAction action;
        String reason;
        long next;
        if (elapsed < deadline) {
            action = DesiredAction.WAIT;
            reason = what + " has run " + elapsed + " s of the group's deadline of " + deadline + " s: left to the kernel";
            next = Math.max(MIN_RECHECK_SECONDS, deadline - elapsed);
        } else {
            OnTimeout onTimeout = policy.onTimeout();
            action = switch (onTimeout) {
                case REVERT -> DesiredAction.REVERT;
                case FORCE -> DesiredAction.FORCE;
                case WAIT -> DesiredAction.WAIT;
            };
            reason = what + " is stuck: " + elapsed + " s, past the group's deadline of " + deadline + " s; on-timeout " + onTimeout.word()
                    + switch (onTimeout) {
                        case REVERT -> ": reverse it (the previous version stays active)";
                        case FORCE -> ": force it (plan a reboot: tasks that were blocked may still run old code)";
                        case WAIT -> ": leave it to the kernel until the blocking tasks leave the patched functions";
                    };
            next = Math.max(MIN_RECHECK_SECONDS, deadline);
        }
        return new DesiredState(posture.kernel(), action, target, packageName, reason, deadline, policy.onTimeout(), policy.kernelLock(),
                repositories, Math.min(checkinIntervalSeconds, next));
    }

    /** The soonest a host in a transition is asked back. */
    static final long MIN_RECHECK_SECONDS = 5;

    private static Integer pinFor(PolicySnapshot s, String group, String kernel) {
        Integer own = s.pins().getOrDefault(group, Map.of()).get(kernel);
        return own != null ? own : s.pins().getOrDefault(PolicyStore.EVERY_GROUP, Map.of()).get(kernel);
    }

    /**
     * The newest version approved for a staged group: the initial patch, a promoted version, or a
     * version older than one that went to the canaries (the status quo a new version is tested against).
     */
    private static int newestPromoted(PolicySnapshot s, String group, String kernel, List<Integer> versions) {
        int firstRolledOut = Integer.MAX_VALUE;
        for (int v : versions) {
            if (s.rollout(group, kernel, v) != null) {
                firstRolledOut = Math.min(firstRolledOut, v);
            }
        }
        int best = versions.get(0);
        for (int v : versions) {
            Rollout r = s.rollout(group, kernel, v);
            boolean statusQuo = r == null && v < firstRolledOut;
            if (v == 1 || statusQuo || (r != null && r.status() == RolloutState.PROMOTED)) {
                best = v;
            }
        }
        return best;
    }

    private static int newestNotHalted(PolicySnapshot s, List<String> stagedGroups, String kernel, List<Integer> versions) {
        List<Integer> ok = new ArrayList<>();
        for (int v : versions) {
            boolean halted = stagedGroups.stream().map(g -> s.rollout(g, kernel, v)).anyMatch(r -> r != null && r.status() == RolloutState.HALTED);
            if (!halted) {
                ok.add(v);
            }
        }
        return ok.isEmpty() ? versions.get(0) : ok.get(ok.size() - 1);
    }

    private static String stage(PolicySnapshot s, String group, String kernel, int version) {
        Rollout r = s.rollout(group, kernel, version);
        if (r == null) {
            return "not yet rolled out";
        }
        return switch (r.status()) {
            case HALTED -> "halted (" + r.reason() + ")";
            case SUPERSEDED -> "superseded by a newer version";
            case PROMOTED -> "promoted";
            case CANARY -> "with the canaries since " + r.startedAt() + (r.reason().startsWith("held") ? " (" + r.reason() + ")" : "");
        };
    }
}
