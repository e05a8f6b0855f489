package org.klp.core.audit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportStatus;

/**
 * Lifecycle reports. A host's support follows from its running kernel alone, so each class is
 * judged once and its hosts listed: O(classes) plus the hosts returned (and their sorting).
 */
final class LifecycleQuery {

    private final AuditCatalog catalog;
    private final Fleet fleet;
    private final HostFilter filter;
    private final LocalDate today;

    LifecycleQuery(AuditCatalog catalog, Fleet fleet, HostFilter filter, LocalDate today) {
        this.catalog = catalog;
        this.fleet = fleet;
        this.filter = filter;
        this.today = today;
    }

    List<SupportEntry> endingWithin(int days) {
        if (days < 0) {
            throw new IllegalArgumentException("Days ahead must be 0 or more, was " + days);
        }
        return supportWhere(s -> s.endsWithin(days));
    }

    List<SupportEntry> expired() {
        return supportWhere(SupportStatus::expired);
    }

    List<RebootPlan> rebootPlan() {
        List<RebootPlan> out = new ArrayList<>();
        for (ClassState cls : fleet.classes()) {
            KernelRelease running = cls.kernel.release;
            if (!filter.kernels().test(running)) {
                continue;
            }
            SupportStatus support = cls.kernel.entry == null ? null : cls.kernel.entry.status(today);
            KernelRelease newest = catalog.newestPublished(running.stream()).map(k -> k.release).orElse(null);
            KernelRelease moveTo = newest != null && newest.compareTo(running) > 0 ? newest : null;
            for (Cohort co : cls.cohorts) {
                if (!filter.groups().test(co.group)) {
                    continue;
                }
                boolean installed = moveTo != null && co.boot != null && co.boot.release.equals(moveTo);
                for (int i = 0; i < co.size(); i++) {
                    out.add(new RebootPlan(co.host(i), co.group, running, support, moveTo, installed));
                }
            }
        }
        out.sort(Comparator.comparing(RebootPlan::rebootBy, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparingInt(RebootPlan::hostId));
        return out;
    }

    private List<SupportEntry> supportWhere(Predicate<SupportStatus> wanted) {
        List<SupportEntry> out = new ArrayList<>();
        for (ClassState cls : fleet.classes()) {
            CatalogKernel entry = cls.kernel.entry;
            if (entry == null || !filter.kernels().test(cls.kernel.release)) {
                continue;
            }
            SupportStatus status = entry.status(today);
            if (!wanted.test(status)) {
                continue;
            }
            for (Cohort co : cls.cohorts) {
                if (filter.groups().test(co.group)) {
                    for (int i = 0; i < co.size(); i++) {
                        out.add(new SupportEntry(co.host(i), co.group, cls.kernel.release, status));
                    }
                }
            }
        }
        out.sort(Comparator.comparingLong((SupportEntry e) -> e.support().daysLeft()).thenComparingInt(SupportEntry::hostId));
        return out;
    }
}
