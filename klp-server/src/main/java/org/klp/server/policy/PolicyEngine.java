package org.klp.server.policy;

import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.GroupPolicy;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.Rollout;

/**
 * Decides each host's desired state from its posture, its group's policy, pins and staged
 * rollouts. Reads an immutable {@link PolicySnapshot}; re-reads it when this instance changed
 * policy ({@link #invalidate}) or, for changes made by another server instance on the same
 * database, when the generation counter moved (checked at most every {@code recheckMillis}).
 *
 * <h2>Rules, in order</h2>
 * <ol>
 * <li>A kernel not in the catalog gets no live patches ({@code unavailable}: a custom or
 *     unsupported kernel).</li>
 * <li>A pin of the host's group for its kernel, else a fleet-wide pin ({@code *}), sets the version.</li>
 * <li>{@code latest}: the newest version. {@code pin} without a pin for the kernel: hold the
 *     loaded version. {@code staged}: the newest version promoted to the group (version 1, the
 *     initial patch, needs no promotion); a group that is some staged group's canary gets the newest
 *     version not halted there.</li>
 * </ol>
 * A kernel past its end of support keeps the versions it has; the reason says it needs a reboot.
 */
public final class PolicyEngine {

    private final Jdbi jdbi;
    private final CatalogStore catalog;
    private final PolicyStore policies;
    private final Clock clock;
    private volatile String baseUrl;
    private final long recheckMillis;
    private volatile PolicySnapshot snapshot;
    private volatile long checkedAt;
    private volatile long checkinIntervalSeconds = 3600;
    private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public PolicyEngine(Jdbi jdbi, CatalogStore catalog, PolicyStore policies, Clock clock, String baseUrl, long recheckMillis) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.policies = policies;
        this.clock = clock;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.recheckMillis = recheckMillis;
        this.snapshot = PolicySnapshot.load(jdbi, catalog, policies);
        this.checkedAt = System.nanoTime();
    }

    /** The current snapshot, reloaded when the policy generation moved. */
    public PolicySnapshot snapshot() {
        long now = System.nanoTime();
        if (now - checkedAt > recheckMillis * 1_000_000L) {
            checkedAt = now;
            if (policies.generation() != snapshot.generation()) {
                reload();
            }
        }
        return snapshot;
    }

    /** This instance changed policy or catalog: read them again now. */
    public synchronized void invalidate() {
        reload();
    }

    private synchronized void reload() {
        snapshot = PolicySnapshot.load(jdbi, catalog, policies);
        checkedAt = System.nanoTime();
        listeners.forEach(Runnable::run);
    }

    /**
     * Runs {@code listener} after every reload of the snapshot: a change made here or, noticed by
     * the generation, by another instance. Listeners must be quick (the CVE audit queues an event).
     */
    public void onReload(Runnable listener) {
        listeners.add(listener);
    }

    /** How often hosts are asked to check in (the desired state says it; the audit's staleness follows it). */
    public void checkinInterval(java.time.Duration interval) {
        this.checkinIntervalSeconds = interval.toSeconds();
    }

    /**
     * The live patch version the policy gives a host of {@code group} running {@code kernel} with
     * {@code loadedVersion} loaded (activations aside); null when the kernel has no live patches.
     * {@link #desired} says the same with its reason; the CVE audit reads the version as the host's pin.
     */
    public static Integer targetVersion(PolicySnapshot s, String group, String kernel, int loadedVersion) {
        PolicySnapshot.KernelInfo info = s.kernels().get(kernel);
        if (info == null || info.versions().isEmpty()) {
            return null;
        }
        return target(s, s.group(group), group, kernel, loadedVersion, info).version();
    }

    /** A target version and why. */
    private record Target(int version, String reason) {
    }

    private static Target target(PolicySnapshot s, GroupPolicy policy, String group, String kernel, int loadedVersion,
                                   PolicySnapshot.KernelInfo info) {
        List<Integer> versions = info.versions();
        int target;
        String reason;
        Integer pin = pinFor(s, group, kernel);
        if (pin != null) {
            target = pin;
            reason = (s.pins().getOrDefault(group, Map.of()).containsKey(kernel) ? "pinned by group " + group : "pinned fleet-wide")
                    + " to version " + pin;
        } else if (s.stagedGroupsByCanary().containsKey(group)) {
            target = newestNotHalted(s, s.stagedGroupsByCanary().get(group), kernel, versions);
            reason = "canary of " + String.join(", ", s.stagedGroupsByCanary().get(group)) + ": newest version not halted";
            if (loadedVersion > target && versions.contains(loadedVersion)) {
                // a halt stops the rollout; it does not take a version back from canaries that run it (a pin does that)
                target = loadedVersion;
                reason = "canary of " + String.join(", ", s.stagedGroupsByCanary().get(group)) + ": its rollout is halted; holding version " + target;
            }
        } else {
            switch (policy.policy()) {
                case "pin" -> {
                    target = loadedVersion > 0 && versions.contains(loadedVersion) ? loadedVersion : info.newest();
                    reason = "group " + group + " holds its versions (policy pin; no pin for this kernel)";
                }
                case "staged" -> {
                    target = newestPromoted(s, group, kernel, versions);
                    reason = target == info.newest() ? "staged: newest version, promoted"
                            : "staged: version " + info.newest() + " is " + stage(s, group, kernel, info.newest()) + "; running promoted version " + target;
                }
                default -> {
                    target = info.newest();
                    reason = "latest";
                }
            }
        }
        return new Target(target, reason);
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
            return new DesiredState(posture.kernel(), DesiredState.UNAVAILABLE, 0, null, info.product().name() + " is not activated on this host:"
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
            return new DesiredState(kernel, DesiredState.UNAVAILABLE, 0, null,
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
        return new DesiredState(kernel, DesiredState.actionFor(posture.loadedVersion(), target), target, packageName, reason, timeout,
                policy.onTimeout(), policy.kernelLock(), List.of(repositoryUrl(info.product().triplet())), checkinIntervalSeconds);
    }

    private static Integer pinFor(PolicySnapshot s, String group, String kernel) {
        Integer own = s.pins().getOrDefault(group, Map.of()).get(kernel);
        return own != null ? own : s.pins().getOrDefault(PolicyStore.EVERY_GROUP, Map.of()).get(kernel);
    }

    /**
     * The newest version approved for a staged group: the initial patch, a promoted version, or a
     * version older than one that went to the canaries (the status quo a new version is tested against).
     */
    private static int newestPromoted(PolicySnapshot s, String group, String kernel, List<Integer> versions) {
        int rolledOut = 0;
        for (int v : versions) {
            if (s.rollout(group, kernel, v) != null) {
                rolledOut = Math.max(rolledOut, v);
            }
        }
        int best = versions.get(0);
        for (int v : versions) {
            Rollout r = s.rollout(group, kernel, v);
            if (v == 1 || v < rolledOut || (r != null && r.status().equals(Rollout.PROMOTED))) {
                best = v;
            }
        }
        return best;
    }

    private static int newestNotHalted(PolicySnapshot s, List<String> stagedGroups, String kernel, List<Integer> versions) {
        List<Integer> ok = new ArrayList<>();
        for (int v : versions) {
            boolean halted = stagedGroups.stream().map(g -> s.rollout(g, kernel, v)).anyMatch(r -> r != null && r.status().equals(Rollout.HALTED));
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
        return r.status().equals(Rollout.HALTED) ? "halted (" + r.reason() + ")" : "with the canaries since " + r.startedAt();
    }
}
