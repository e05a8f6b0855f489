package org.klp.server.metrics;

import java.time.Instant;
import java.util.Map;
import org.klp.core.audit.Verdict;

/**
 * The fleet's figures a scrape shows, read together at one instant: hosts by worst CVE verdict
 * (empty while the audit loads), hosts by {@link PostureState}, rollouts by status, catalog kernels
 * by live patch support (current, ending within 30 days, ended).
 */
public record FleetNumbers(Instant at, Map<Verdict, Integer> hostsByWorstVerdict, Map<PostureState, Long> hostsByState,
                           Map<String, Long> rolloutsByStatus, Map<String, Long> kernelsBySupport) {

    public FleetNumbers {
        hostsByWorstVerdict = Map.copyOf(hostsByWorstVerdict);
        hostsByState = Map.copyOf(hostsByState);
        rolloutsByStatus = Map.copyOf(rolloutsByStatus);
        kernelsBySupport = Map.copyOf(kernelsBySupport);
    }
}
