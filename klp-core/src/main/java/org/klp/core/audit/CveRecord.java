package org.klp.core.audit;

import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.scope.ScopeDecision;
import org.klp.core.scope.ScopePolicy;

/**
 * What the CVE feed says of one vulnerability: its score and vector, when it was published, why
 * it matters ({@code category}, which with the score decides whether it qualifies for a live
 * patch under a {@link ScopePolicy}), whether a live patch is technically possible (no data
 * structure change), and which kernel streams it affects, with the first fixed release of each.
 *
 * <p>Which live patch versions carry the fix is not stored here: the catalog's packages say it
 * ({@link org.klp.core.patch.LivePatchPackage#fixes()}), and {@link PostureAudit#livePatchesCarrying(String)} derives
 * it, so the two can never disagree.
 */
public record CveRecord(String id, double cvss, String vector, String summary, LocalDate published,
                        FixCategory category, boolean livePatchPossible, List<AffectedStream> affected) {

    /** CVSS v3 vector: {@code CVSS:3.x/} then metric:value pairs. */
    private static final Pattern VECTOR = Pattern.compile("CVSS:3\\.[01](?:/[A-Z]{1,3}:[A-Z])+");

    public CveRecord {
        id = Fix.normalizeId(id);
        if (!id.startsWith("CVE-")) {
            throw new IllegalArgumentException("Not a CVE id: '" + id + "' (expected CVE-YYYY-NNNN)");
        }
        if (Double.isNaN(cvss) || cvss < 0.0 || cvss > 10.0) {
            throw new IllegalArgumentException("CVSS score of " + id + " out of range: " + cvss + " (expected 0.0 to 10.0)");
        }
        vector = vector == null ? "" : vector.strip();
        if (!vector.isEmpty() && !VECTOR.matcher(vector).matches()) {
            throw new IllegalArgumentException("Not a CVSS v3 vector for " + id + ": '" + vector
                    + "' (expected such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)");
        }
        summary = summary == null ? "" : summary.strip();
        if (published == null || category == null) {
            throw new IllegalArgumentException(id + " needs a " + (published == null ? "published date" : "category"));
        }
        affected = List.copyOf(affected == null ? List.of() : affected);
        Set<String> streams = new HashSet<>();
        for (AffectedStream a : affected) {
            if (!streams.add(a.stream())) {
                throw new IllegalArgumentException(id + " lists stream " + a.stream() + " twice");
            }
        }
    }

    /** How {@code kernel} stands towards this CVE, ignoring live patches. */
    public KernelExposure exposureOf(KernelRelease kernel) {
        String stream = kernel.stream();
        for (AffectedStream a : affected) {
            if (a.stream().equals(stream)) {
                return a.exposureOf(kernel);
            }
        }
        return KernelExposure.NOT_AFFECTED;
    }

    public boolean affects(KernelRelease kernel) {
        return exposureOf(kernel) == KernelExposure.AFFECTED;
    }

    /** The first release of {@code stream} with the fix, if the stream is affected and fixed. */
    public Optional<KernelRelease> fixedIn(String stream) {
        for (AffectedStream a : affected) {
            if (a.stream().equals(stream)) {
                return Optional.ofNullable(a.fixedIn());
            }
        }
        return Optional.empty();
    }

    /** This CVE as a fix, the form the scope policy judges. */
    public Fix asFix() {
        return new Fix(id, cvss, summary, List.of(), category, !livePatchPossible);
    }

    public ScopeDecision scope(ScopePolicy policy) {
        return policy.decide(asFix());
    }

    /** Why no live patch will carry this fix whatever the kernel, or empty if one may. */
    public Optional<RebootReason> intrinsicRebootReason(ScopePolicy policy) {
        ScopeDecision d = scope(policy);
        if (d instanceof ScopeDecision.OutOfScope) {
            return Optional.of(RebootReason.OUT_OF_SCOPE);
        }
        if (d instanceof ScopeDecision.RebootRequired) {
            return Optional.of(RebootReason.NOT_LIVE_PATCHABLE);
        }
        return Optional.empty();
    }
}
