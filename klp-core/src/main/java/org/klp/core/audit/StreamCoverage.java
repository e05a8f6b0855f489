package org.klp.core.audit;

import java.util.List;
import java.util.Objects;

/**
 * The publisher's view of one kernel stream: of the CVEs affecting it that qualify for a live
 * patch, how many a live patch of some kernel of the stream carries; the median days from a
 * CVE's publication to its first live patch in the stream (null when none); and the qualifying
 * CVEs no live patch carries, with the reason.
 */
public record StreamCoverage(String stream, int qualifying, int livePatched, Double medianDaysToLivePatch,
                             List<UncoveredFix> notLivePatched) {

    public StreamCoverage {
        Objects.requireNonNull(stream, "stream");
        notLivePatched = List.copyOf(notLivePatched);
    }

    /** Share of qualifying CVEs released as live patches, 0.0 to 1.0 (1.0 when none qualify). */
    public double share() {
        return qualifying == 0 ? 1.0 : (double) livePatched / qualifying;
    }

    /**
     * A qualifying CVE without a live patch in the stream: {@link RebootReason#NOT_LIVE_PATCHABLE}
     * (with the scope policy's words in {@code detail}) or {@link RebootReason#NO_LIVE_PATCH_PUBLISHED}.
     */
    public record UncoveredFix(String cveId, double cvss, RebootReason reason, String detail) {
    }
}
