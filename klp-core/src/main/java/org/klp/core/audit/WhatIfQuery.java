package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A what-if: each cohort of the group moves, as a whole, to the class the scenario gives its
 * class; the class codes before and after are compared CVE by CVE, with the cohort's reboot
 * overlay on both sides. Hypothetical classes are computed once per query (or taken from the
 * fleet when hosts already have them) and never stored. Cost: the group's cohorts x CVEs.
 */
final class WhatIfQuery {

    private static final int V = VerdictCodes.COUNT;

    private final AuditCatalog catalog;
    private final Fleet fleet;
    private final long now;

    WhatIfQuery(AuditCatalog catalog, Fleet fleet, long now) {
        this.catalog = catalog;
        this.fleet = fleet;
        this.now = now;
    }

    WhatIfReport run(WhatIf scenario) {
        int n = catalog.cves().size();
        Map<Integer, int[]> changes = new HashMap<>();
        Map<PostureClass, byte[]> hypothetical = new HashMap<>();
        int considered = 0;
        List<Cohort> changedCohorts = new ArrayList<>();
        int changedHosts = 0;
        for (ClassState cls : fleet.classes()) {
            PostureClass target = null;
            for (Cohort co : cls.cohorts) {
                if (co.group != scenario.group()) {
                    continue;
                }
                int fresh = co.size() - co.staleCount(now);
                considered += fresh;
                if (fresh == 0) {
                    continue;
                }
                if (target == null) {
                    target = scenario.apply(cls.key, cls.kernel.latestVersion());
                }
                if (target.equals(cls.key)) {
                    continue;
                }
                byte[] after = hypothetical.computeIfAbsent(target, key -> {
                    ClassState existing = fleet.classOf(key);
                    return existing != null ? existing.codes : catalog.classCodes(key, cls.kernel);
                });
                boolean changed = false;
                for (int c = 0; c < n; c++) {
                    int bootBase = co.boot == null ? -1 : co.boot.base[c];
                    byte from = VerdictCodes.overlay(cls.codes[c], bootBase, false);
                    byte to = VerdictCodes.overlay(after[c], bootBase, false);
                    if (from != to) {
                        changes.computeIfAbsent(c * V * V + from * V + to, k -> new int[1])[0] += fresh;
                        changed = true;
                    }
                }
                if (changed) {
                    changedCohorts.add(co);
                    changedHosts += fresh;
                }
            }
        }
        int[] hosts = new int[changedHosts];
        int at = 0;
        for (Cohort co : changedCohorts) {
            int stale = co.staleCount(now);
            co.copyHosts(stale, co.size(), hosts, at);
            at += co.size() - stale;
        }
        List<VerdictChange> list = new ArrayList<>(changes.size());
        for (Map.Entry<Integer, int[]> e : changes.entrySet()) {
            int key = e.getKey();
            int c = key / (V * V);
            list.add(new VerdictChange(catalog.cves().get(c).id(), VerdictCodes.verdict(key / V % V),
                    VerdictCodes.verdict(key % V), e.getValue()[0]));
        }
        list.sort(Comparator.comparingInt(VerdictChange::hosts).reversed()
                .thenComparing(VerdictChange::cveId)
                .thenComparing(VerdictChange::from)
                .thenComparing(VerdictChange::to));
        return new WhatIfReport(scenario, considered, HostIds.sorting(hosts), list);
    }
}
