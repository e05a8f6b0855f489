package org.klp.core.audit;

import java.util.Map;

/** One CVE's standing in the fleet summary: hosts per verdict. */
public record CveRisk(String cveId, double cvss, Map<Verdict, Integer> counts) {

    public CveRisk {
        counts = Map.copyOf(counts);
    }

    public int count(Verdict v) {
        return counts.getOrDefault(v, 0);
    }

    public int hostsAtRisk() {
        return counts.entrySet().stream().filter(e -> e.getKey().atRisk()).mapToInt(Map.Entry::getValue).sum();
    }

    /** Hosts a live patch (loading or available) would fix. */
    public int fixableByLivePatch() {
        return count(Verdict.LIVE_PATCH_IN_PROGRESS) + count(Verdict.LIVE_PATCH_AVAILABLE);
    }

    /** Hosts only a reboot would fix. */
    public int needReboot() {
        return count(Verdict.REBOOT_PENDING) + count(Verdict.REBOOT_REQUIRED);
    }
}
