package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A what-if: the on-time hosts of each cohort of the group move, as a whole, to the class the
 * scenario gives their class; the class codes before and after are compared CVE by CVE, with the cohort's reboot
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
        Map<ClassState, PostureClass> targets = new IdentityHashMap<>();
        int[] considered = new int[1];
        List<DeadlineList> changedLists = new ArrayList<>();
        fleet.forEach(HostFilter.group(scenario.group()), true, (cls, slice, members, group) -> {
            int fresh = members.size() - members.staleCount(now);
            considered[0] += fresh;
            if (fresh == 0) {
                return;
            }
            PostureClass target = targets.computeIfAbsent(cls, k -> scenario.apply(k.key, k.kernel.latestVersion()));
            if (target.equals(cls.key)) {
                return;
            }
            byte[] after = hypothetical.computeIfAbsent(target, key -> {
                ClassState existing = fleet.classOf(key);
                return existing != null ? existing.codes : catalog.classCodes(key, cls.kernel);
            });
            boolean changed = false;
            for (int c = 0; c < n; c++) {
                int bootBase = slice.bootBase(c);
                byte from = VerdictCodes.overlay(cls.codes[c], bootBase, false);
                byte to = VerdictCodes.overlay(after[c], bootBase, false);
                if (from != to) {
                    changes.computeIfAbsent(c * V * V + from * V + to, k -> new int[1])[0] += fresh;
                    changed = true;
                }
            }
            if (changed) {
                changedLists.add(members);
            }
        });
        int total = changedLists.stream().mapToInt(m -> m.size() - m.staleCount(now)).sum();
        int[] hosts = new int[total];
        int at = 0;
        for (DeadlineList m : changedLists) {
            int stale = m.staleCount(now);
            m.copyHosts(stale, m.size(), hosts, at);
            at += m.size() - stale;
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
        return new WhatIfReport(scenario, considered[0], HostIds.sorting(hosts), list);
    }
}
