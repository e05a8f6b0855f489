package org.klp.core.audit;

import java.util.List;

/**
 * The fleet at one moment, from one read of the audit: the {@link FleetSummary} and the hosts
 * per posture it was computed from, so that every figure of a fleet overview agrees with every
 * other (the hosts of the postures are the hosts of the summary).
 */
public record FleetOverview(FleetSummary summary, List<PostureCount> postures) {

    public FleetOverview {
        postures = List.copyOf(postures);
    }
}
