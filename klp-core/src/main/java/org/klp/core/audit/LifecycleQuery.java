package org.klp.core.audit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * Sorted by date (unknown last), then host id, as one primitive sort of (epoch day, host id)
     * keys: a million hosts sort in tens of milliseconds where records would take a second.
     */
    List<RebootPlan> rebootPlan() {
        Map<ClassState, ClassPlan> perClass = new IdentityHashMap<>();
        List<DeadlineList> lists = new ArrayList<>();
        fleet.forEach(filter, true, (cls, slice, members, group) -> {
            perClass.computeIfAbsent(cls, this::planOf);
            lists.add(members);
        });
        long[] keys = new long[lists.stream().mapToInt(DeadlineList::size).sum()];
        int at = 0;
        for (DeadlineList members : lists) {
            for (int i = 0; i < members.size(); i++) {
                int host = members.host(i);
                ClassPlan plan = perClass.get(fleet.cohortOf(host).cls());
                long day = plan.support() == null ? Integer.MAX_VALUE : plan.support().endOfSupport().toEpochDay();
                keys[at++] = day << 32 | host;
            }
        }
        Arrays.sort(keys);
        List<RebootPlan> out = new ArrayList<>(keys.length);
        for (long key : keys) {
            int host = (int) key;
            Cohort co = fleet.cohortOf(host);
            ClassPlan plan = perClass.get(co.cls());
            boolean installed = plan.moveTo() != null && co.boot() != null && co.boot().release.equals(plan.moveTo());
            out.add(new RebootPlan(host, co.group, plan.running(), plan.support(), plan.moveTo(), installed));
        }
        return out;
    }

    /** What every host of a class shares: its kernel's support and the newest kernel of its stream, if newer. */
    private record ClassPlan(KernelRelease running, SupportStatus support, KernelRelease moveTo) {
    }

    private ClassPlan planOf(ClassState cls) {
        KernelRelease running = cls.kernel.release;
        SupportStatus support = cls.kernel.entry == null ? null : cls.kernel.entry.status(today);
        KernelRelease newest = catalog.newestPublished(running.stream()).map(n -> n.release).orElse(null);
        return new ClassPlan(running, support, newest != null && newest.compareTo(running) > 0 ? newest : null);
    }

    private List<SupportEntry> supportWhere(Predicate<SupportStatus> wanted) {
        List<SupportEntry> out = new ArrayList<>();
        fleet.forEach(filter, true, (cls, slice, members, group) -> {
            CatalogKernel entry = cls.kernel.entry;
            if (entry == null) {
                return;
            }
            SupportStatus status = entry.status(today);
            if (wanted.test(status)) {
                for (int i = 0; i < members.size(); i++) {
                    out.add(new SupportEntry(members.host(i), group, cls.kernel.release, status));
                }
            }
        });
        out.sort(Comparator.comparingLong((SupportEntry e) -> e.support().daysLeft()).thenComparingInt(SupportEntry::hostId));
        return out;
    }
}
