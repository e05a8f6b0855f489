package org.klp.core.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopeDecision;
import org.klp.core.scope.ScopePolicy;

/**
 * The audit computed the obvious way: for one host and one CVE, straight from the records, with
 * no classes, ordinals, codes or caches. It is the oracle the property test holds
 * {@link PostureAudit} to, and the baseline of the benchmark. Each rule reads as the precedence
 * in {@link Verdict} states it.
 */
public final class NaiveAudit {

    private final ScopePolicy policy;
    private final ZoneId zone;
    private final List<CveRecord> cves;
    private final Map<KernelRelease, CatalogKernel> kernels = new HashMap<>();
    private final Map<KernelRelease, List<LivePatchPackage>> packages = new HashMap<>();

    public NaiveAudit(ScopePolicy policy, ZoneId zone, Collection<CveRecord> cves,
                      Collection<CatalogKernel> kernels, Collection<LivePatchPackage> livePatches) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.zone = Objects.requireNonNull(zone, "zone");
        this.cves = List.copyOf(cves);
        for (CatalogKernel k : kernels) {
            this.kernels.put(k.kernel(), k);
        }
        for (LivePatchPackage p : livePatches) {
            this.packages.computeIfAbsent(p.kernel(), k -> new ArrayList<>()).add(p);
        }
        for (List<LivePatchPackage> l : this.packages.values()) {
            l.sort(Comparator.comparingInt(LivePatchPackage::version));
        }
    }

    public List<CveRecord> cves() {
        return cves;
    }

    /** The newest live patch version published for a kernel, 0 when none. */
    public int latestVersion(KernelRelease kernel) {
        List<LivePatchPackage> l = packages.getOrDefault(kernel, List.of());
        return l.isEmpty() ? 0 : l.get(l.size() - 1).version();
    }

    public Verdict verdict(HostFacts host, CveRecord cve, Instant now) {
        return evidence(host, cve, now).verdict();
    }

    public Evidence evidence(HostFacts host, CveRecord cve, Instant now) {
        KernelRelease kernel = host.posture().kernel();
        KernelExposure exposure = cve.exposureOf(kernel);
        if (exposure == KernelExposure.NOT_AFFECTED) {
            return new Evidence.NotAffected(kernel);
        }
        if (exposure == KernelExposure.FIXED) {
            return new Evidence.PatchedByKernel(kernel, cve.fixedIn(kernel.stream()).orElseThrow());
        }
        Evidence known = livePatchOrReboot(host, cve, LocalDate.ofInstant(now, zone));
        if (host.staleAt(now)) {
            return new Evidence.Unknown(kernel, host.lastCheckIn(), host.deadline(), known);
        }
        return known;
    }

    /** Every CVE that concerns the host, worst first. */
    public List<Finding> findings(HostFacts host, Instant now) {
        List<Finding> out = new ArrayList<>();
        for (CveRecord cve : cves) {
            Evidence e = evidence(host, cve, now);
            if (e.verdict() != Verdict.NOT_AFFECTED) {
                out.add(new Finding(cve.id(), cve.cvss(), e));
            }
        }
        out.sort(Finding.WORST_FIRST);
        return out;
    }

    /** For a host whose running kernel is affected: what its live patch, installed kernels and the catalog say. */
    private Evidence livePatchOrReboot(HostFacts host, CveRecord cve, LocalDate today) {
        Posture posture = host.posture();
        KernelRelease kernel = posture.kernel();
        LivePatchPackage carrying = null;
        for (LivePatchPackage p : packages.getOrDefault(kernel, List.of())) {
            if (p.fixes().stream().anyMatch(f -> f.id().equals(cve.id()))) {
                carrying = p;
                break;
            }
        }
        if (carrying != null) {
            int loaded = posture.loadedVersion();
            if (loaded >= carrying.version()) {
                if (posture.transition() == Transition.COMPLETE && !posture.forced()) {
                    return new Evidence.PatchedByLivePatch(kernel, loaded, carrying.version(), carrying.nameVersion(), carrying.releaseDate());
                }
                return new Evidence.LivePatchInProgress(kernel, loaded, carrying.version(), carrying.nameVersion(),
                        carrying.releaseDate(), posture.transition(), posture.forced());
            }
            return new Evidence.LivePatchAvailable(kernel, loaded, carrying.version(), carrying.nameVersion(),
                    carrying.releaseDate(), host.pinnedVersion(), host.heldBy());
        }
        Optional<KernelRelease> boot = host.nextBootKernel();
        if (boot.isPresent() && !cve.affects(boot.get())) {
            return new Evidence.RebootPending(kernel, boot.get());
        }
        Optional<KernelRelease> fixed = cve.fixedIn(kernel.stream());
        KernelRelease newer = null;
        LivePatchPackage carriedBy = null;
        if (fixed.isEmpty()) {
            // the newest kernel of the stream, newer than the running one, with a live patch carrying the fix
            for (Map.Entry<KernelRelease, List<LivePatchPackage>> e : packages.entrySet()) {
                KernelRelease other = e.getKey();
                if (other.stream().equals(kernel.stream()) && other.compareTo(kernel) > 0 && (newer == null || other.compareTo(newer) > 0)) {
                    for (LivePatchPackage p : e.getValue()) {
                        if (p.fixes().stream().anyMatch(f -> f.id().equals(cve.id()))) {
                            newer = other;
                            carriedBy = p;
                            break;
                        }
                    }
                }
            }
            if (newer == null) {
                return new Evidence.NoFixYet(kernel);
            }
        }
        CatalogKernel entry = kernels.get(kernel);
        LocalDate end = entry == null ? null : entry.endOfSupport();
        ScopeDecision scope = policy.decide(cve.asFix());
        RebootReason reason;
        if (scope instanceof ScopeDecision.OutOfScope) {
            reason = RebootReason.OUT_OF_SCOPE;
        } else if (scope instanceof ScopeDecision.RebootRequired) {
            reason = RebootReason.NOT_LIVE_PATCHABLE;
        } else if (end != null && today.isAfter(end)) {
            reason = RebootReason.KERNEL_PAST_END_OF_SUPPORT;
        } else {
            reason = RebootReason.NO_LIVE_PATCH_PUBLISHED;
        }
        if (newer != null) {
            return new Evidence.RebootRequired(kernel, newer, carriedBy.nameVersion(), reason, end);
        }
        return new Evidence.RebootRequired(kernel, fixed.get(), reason, end);
    }
}
