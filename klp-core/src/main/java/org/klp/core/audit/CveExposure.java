package org.klp.core.audit;

import java.util.Map;
import java.util.Objects;

/**
 * One CVE across the fleet (or the part a filter selects): how many hosts have each verdict, and
 * the ids of the hosts for the verdicts that were asked for.
 */
public record CveExposure(CveRecord cve, Map<Verdict, Integer> counts, Map<Verdict, HostIds> hosts) {

    public CveExposure {
        Objects.requireNonNull(cve, "cve");
        counts = Map.copyOf(counts);
        hosts = Map.copyOf(hosts);
    }

    public int count(Verdict v) {
        return counts.getOrDefault(v, 0);
    }

    public HostIds hosts(Verdict v) {
        return hosts.getOrDefault(v, HostIds.empty());
    }

    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int atRisk() {
        return counts.entrySet().stream().filter(e -> e.getKey().atRisk()).mapToInt(Map.Entry::getValue).sum();
    }
}
