package org.klp.core.audit;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link WhatIf} would change: the group's hosts considered (those checking in on time),
 * the hosts with at least one changed verdict, and the changes by CVE and verdict pair, the CVEs
 * with the most hosts first.
 */
public record WhatIfReport(WhatIf scenario, int hostsConsidered, HostIds hostsChanged, List<VerdictChange> changes) {

    public WhatIfReport {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(hostsChanged, "hostsChanged");
        changes = List.copyOf(changes);
    }

    /** (host, CVE) pairs whose exposure the scenario would close. */
    public long exposuresClosed() {
        return changes.stream().filter(VerdictChange::closes).mapToLong(VerdictChange::hosts).sum();
    }

    /** (host, CVE) pairs the scenario would expose. */
    public long exposuresOpened() {
        return changes.stream().filter(VerdictChange::opens).mapToLong(VerdictChange::hosts).sum();
    }
}
