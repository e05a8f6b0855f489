package org.klp.server.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.klp.core.audit.Verdict;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/**
 * The operators' list of systems with what they need to act on each: its worst CVE verdict (from
 * the audit), where its kernel stands in its live patch support, and how long ago it checked in;
 * searchable by hostname and sortable. Sorting by worst verdict orders the filtered systems in
 * memory, so it covers at most {@link #MAX_SORTED_BY_VERDICT} of them (a filter narrows more).
 */
public final class SystemListing {

    public static final int MAX_SORTED_BY_VERDICT = 200_000;

    /** What a list is sorted by. */
    public enum Sort {
        ID, HOSTNAME, GROUP, KERNEL, LAST_CHECKIN, WORST_VERDICT;

        /** {@code lastCheckin}, {@code worstVerdict}, … as the API names them. */
        public static Sort parse(String word) {
            for (Sort s : values()) {
                if (s.word().equals(word)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("sort must be one of id, hostname, group, kernel, lastCheckin, worstVerdict, was '" + word + "'");
        }

        public String word() {
            String[] parts = name().toLowerCase(Locale.ROOT).split("_");
            StringBuilder sb = new StringBuilder(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                sb.append(Character.toUpperCase(parts[i].charAt(0))).append(parts[i].substring(1));
            }
            return sb.toString();
        }
    }

    /**
     * One system with its worst verdict (null when the audit does not hold it: never checked in),
     * its kernel's end of support and {@code support}: {@code ok}, {@code ending} (within 30 days),
     * {@code ended}, {@code unknown-kernel} (not in the catalog), null before a check-in.
     */
    public record Listed(SystemRecord system, Verdict worstVerdict, LocalDate endOfSupport, String support, Long checkinAgeSeconds) {
    }

    public record Page(long total, List<Listed> systems) {
    }

    private final SystemStore systems;
    private final AuditService audit;
    private final PolicyEngine engine;

    public SystemListing(SystemStore systems, AuditService audit, PolicyEngine engine) {
        this.systems = systems;
        this.audit = audit;
        this.engine = engine;
    }

    /**
     * A page of the systems {@code f} selects, sorted; {@code descending} puts the worst verdict,
     * the latest check-in, or the end of the alphabet first.
     *
     * @throws IllegalArgumentException when sorting by worst verdict more systems than it covers
     */
    public Page list(SystemStore.Filter f, Sort sort, boolean descending, int limit, long offset) {
        long total = systems.count(f);
        List<SystemRecord> page;
        Map<Integer, Verdict> worst;
        Instant now = audit.now();
        if (sort == Sort.WORST_VERDICT) {
            List<Long> ids = systems.ids(f, MAX_SORTED_BY_VERDICT);
            if (ids.size() > MAX_SORTED_BY_VERDICT) {
                throw new IllegalArgumentException("sorting by worst verdict covers at most " + MAX_SORTED_BY_VERDICT + " systems, and "
                        + total + " match: narrow the list with a filter (group, kernel, hostname, …)");
            }
            worst = audit.current().worstVerdicts(ids.stream().filter(SystemListing::fits).map(Long::intValue).toList(), now);
            Comparator<Long> byVerdict = Comparator.comparingInt(id -> rank(worst.get(fits(id) ? id.intValue() : -1)));
            Comparator<Long> order = (descending ? byVerdict.reversed() : byVerdict).thenComparing(Comparator.naturalOrder());
            List<Long> sorted = new ArrayList<>(ids);
            sorted.sort(order);
            int from = (int) Math.min(offset, sorted.size());
            page = systems.find(sorted.subList(from, Math.min(sorted.size(), from + limit)));
        } else {
            SystemStore.Order order = SystemStore.Order.valueOf(sort.name());
            page = systems.list(f, order, descending, limit, offset);
            List<Integer> ids = page.stream().map(SystemRecord::id).filter(SystemListing::fits).map(Long::intValue).toList();
            // while the audit first loads, the list comes without worst verdicts rather than waiting for it
            worst = audit.currentIfLoaded().map(a -> a.worstVerdicts(ids, now)).orElse(Map.of());
        }
        PolicySnapshot s = engine.snapshot();
        List<Listed> out = new ArrayList<>(page.size());
        for (SystemRecord r : page) {
            out.add(listed(r, worst, s, now));
        }
        return new Page(total, out);
    }

    /** One system with the same facts as a listed one. */
    public Listed one(SystemRecord r) {
        Instant now = audit.now();
        Map<Integer, Verdict> worst = fits(r.id())
                ? audit.currentIfLoaded().map(a -> a.worstVerdicts(List.of((int) r.id()), now)).orElse(Map.of()) : Map.of();
        return listed(r, worst, engine.snapshot(), now);
    }

    private static Listed listed(SystemRecord r, Map<Integer, Verdict> worst, PolicySnapshot s, Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        LocalDate end = null;
        String support = null;
        if (r.posture() != null) {
            PolicySnapshot.KernelInfo k = s.kernels().get(r.posture().kernel());
            if (k == null) {
                support = "unknown-kernel";
            } else {
                end = k.entry().endOfSupport();
                support = today.isAfter(end) ? "ended" : !end.isAfter(today.plusDays(30)) ? "ending" : "ok";
            }
        }
        Long age = r.lastCheckin() == null ? null : Math.max(0, Duration.between(r.lastCheckin(), now).toSeconds());
        return new Listed(r, fits(r.id()) ? worst.get((int) r.id()) : null, end, support, age);
    }

    private static int rank(Verdict v) {
        return v == null ? -1 : v.rank();
    }

    private static boolean fits(long id) {
        return id >= 0 && id < Integer.MAX_VALUE;
    }
}
