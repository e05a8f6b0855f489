package org.klp.server.audit;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.store.CveStore;
import org.klp.server.store.FleetFeed;
import org.klp.server.store.CveStore.Source;
import org.klp.server.store.CveStore.StoredCve;
import org.klp.server.store.PolicyStore;

/**
 * Writes CVE records from the two places they come from, with one rule for how they combine:
 *
 * <ul>
 *   <li><b>The feed</b> is the authority on a CVE: an imported record replaces the stored one
 *       (score, vector, summary, dates, streams), whatever made it.</li>
 *   <li><b>The catalog</b> knows one thing for sure: a live patch for kernel K carrying a CVE means
 *       K's stream is affected. Publishing such a version creates the record from the package's fix
 *       when the feed has none yet (source {@code catalog}; published on the live patch's date, the
 *       latest it can have been), and adds K's stream, with no fixed release known, to a record that
 *       does not list it. A feed import keeps those catalog-named streams it does not list itself.</li>
 * </ul>
 * So every CVE a live patch carries has a record, and no stream a live patch names is missing from
 * it. Re-importing the same feed changes nothing (not even the revision).
 */
public final class CveImporter {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CveImporter.class);

    /** Records per transaction: short transactions, and a failure loses at most one chunk (a re-import is harmless). */
    static final int CHUNK = 1000;

    /**
     * What an import did: lines read (blank ones aside), records added, updated and unchanged, how
     * many lines were refused, and the first {@value #LISTED_REFUSALS} of them with their numbers
     * and reasons (a feed of garbage gets a short answer, not one line of it per line).
     */
    public record Report(int lines, int added, int updated, int unchanged, int refusedTotal, List<CveFeed.Refusal> refused) {
        public Report {
            refused = List.copyOf(refused);
        }
    }

    /** Refusals listed in a report; the rest are counted. */
    public static final int LISTED_REFUSALS = 100;

    private final Jdbi jdbi;
    private final CveStore cves;
    private final PolicyStore policies;
    private final ScopePolicy scope;
    private final Clock clock;

    public CveImporter(Jdbi jdbi, CveStore cves, PolicyStore policies, ScopePolicy scope, Clock clock) {
        this.jdbi = jdbi;
        this.cves = cves;
        this.policies = policies;
        this.scope = scope;
        this.clock = clock;
    }

    /** Imports a feed already read whole (tests, the demo). */
    public Report importFeed(CveFeed.Parsed feed) {
        Tally tally = new Tally();
        feed.refused().forEach(tally::refuse);
        List<CveFeed.Entry> entries = feed.records();
        for (int from = 0; from < entries.size(); from += CHUNK) {
            store(entries.subList(from, Math.min(entries.size(), from + CHUNK)), tally);
        }
        return tally.report(feed.lines());
    }

    /**
     * Imports a feed as it is read from {@code in}: {@value #CHUNK} records per transaction, so
     * memory holds one chunk whatever the feed's size. Each line is stored or refused on its own:
     * a chunk the database refuses is written again record by record, and only the records that
     * fail alone are refused, with their line.
     */
    public Report importFeed(InputStream in) throws IOException {
        Tally tally = new Tally();
        List<CveFeed.Entry> chunk = new ArrayList<>(CHUNK);
        int lines = CveFeed.read(in, e -> {
            chunk.add(e);
            if (chunk.size() == CHUNK) {
                store(chunk, tally);
                chunk.clear();
            }
        }, tally::refuse);
        if (!chunk.isEmpty()) {
            store(chunk, tally);
        }
        return tally.report(lines);
    }

    /** Counts of an import under way. */
    private static final class Tally {
        final int[] counts = new int[3];
        int refusedTotal;
        final List<CveFeed.Refusal> refused = new ArrayList<>();

        void refuse(CveFeed.Refusal r) {
            refusedTotal++;
            if (refused.size() < LISTED_REFUSALS) {
                refused.add(r);
            }
        }

        Report report(int lines) {
            return new Report(lines, counts[0], counts[1], counts[2], refusedTotal, refused);
        }
    }

    private void store(List<CveFeed.Entry> chunk, Tally tally) {
        try {
            int[] counts = jdbi.inTransaction(h -> write(h, chunk));
            for (int i = 0; i < 3; i++) {
                tally.counts[i] += counts[i];
            }
        } catch (RuntimeException e) {
            if (chunk.size() == 1) {
                CveFeed.Entry one = chunk.get(0);
                LOG.warn("CVE feed line {} ({}) was not stored", one.line(), one.record().id(), e);
                tally.refuse(new CveFeed.Refusal(one.line(), one.record().id(), "line " + one.line() + " could not be stored; the server log"
                        + " says why under its line number"));
                return;
            }
            for (CveFeed.Entry one : chunk) {
                store(List.of(one), tally);
            }
        }
    }

    /** Writes a chunk's changed records; returns the records added, updated and unchanged. */
    private int[] write(Handle h, List<CveFeed.Entry> chunk) {
        int[] counts = new int[3];
        List<String> ids = chunk.stream().map(e -> e.record().id()).toList();
        Map<String, StoredCve> existing = cves.find(h, ids);
        Map<String, Set<String>> carried = cves.carriedStreams(h, ids);
        List<StoredCve> changed = new ArrayList<>();
        for (CveFeed.Entry e : chunk) {
            StoredCve merged = merge(e.record(), carried.getOrDefault(e.record().id(), Set.of()));
            StoredCve before = existing.get(e.record().id());
            if (merged.sameContent(before)) {
                counts[2]++;
            } else {
                changed.add(merged);
                counts[before == null ? 0 : 1]++;
            }
        }
        if (!changed.isEmpty()) {
            cves.write(h, changed, existing.keySet(), cves.nextRevision(h, policies), clock.instant(), scope);
            FleetFeed.append(h, new FleetFeed.PolicyChanged(clock.instant()));
        }
        return counts;
    }

    /** A feed record with the streams only live patches name added (no fixed release known for them). */
    static StoredCve merge(CveRecord feed, Set<String> carriedStreams) {
        Set<String> listed = new HashSet<>();
        feed.affected().forEach(a -> listed.add(a.stream()));
        Set<String> fromCatalog = new TreeSet<>(carriedStreams);
        fromCatalog.removeAll(listed);
        if (fromCatalog.isEmpty()) {
            return new StoredCve(feed, Source.FEED, 0, Set.of());
        }
        List<AffectedStream> affected = new ArrayList<>(feed.affected());
        fromCatalog.forEach(s -> affected.add(AffectedStream.unfixed(s)));
        return new StoredCve(with(feed, affected), Source.FEED, 0, fromCatalog);
    }

    /**
     * In the transaction that publishes a live patch version of {@code kernel}: creates or extends
     * the records of the CVEs its fixes name (bug ids are not CVEs and are left alone).
     */
    public void extendFromCatalog(Handle h, KernelRelease kernel, List<Fix> fixes, LocalDate released) {
        Map<String, Fix> byId = new HashMap<>();
        for (Fix f : fixes) {
            if (f.isCve()) {
                byId.put(f.id(), f);
            }
        }
        if (byId.isEmpty()) {
            return;
        }
        Map<String, StoredCve> existing = cves.find(h, byId.keySet());
        List<StoredCve> changed = new ArrayList<>();
        for (Fix f : byId.values()) {
            StoredCve e = extend(existing.get(f.id()), f, kernel.stream(), released);
            if (e != null) {
                changed.add(e);
            }
        }
        if (!changed.isEmpty()) {
            changed.sort(Comparator.comparing(s -> s.record().id()));
            cves.write(h, changed, existing.keySet(), cves.nextRevision(h, policies), clock.instant(), scope);
        }
    }

    /** The record after a live patch of a kernel of {@code stream} carrying {@code fix} is published; null when unchanged. */
    static StoredCve extend(StoredCve existing, Fix fix, String stream, LocalDate released) {
        if (existing == null) {
            CveRecord r = new CveRecord(fix.id(), fix.cvss(), "", fix.summary(), released, fix.category(), !fix.changesDataStructures(),
                    List.of(AffectedStream.unfixed(stream)));
            return new StoredCve(r, Source.CATALOG, 0, Set.of(stream));
        }
        CveRecord r = existing.record();
        if (r.affected().stream().anyMatch(a -> a.stream().equals(stream))) {
            return null;
        }
        List<AffectedStream> affected = new ArrayList<>(r.affected());
        affected.add(AffectedStream.unfixed(stream));
        Set<String> fromCatalog = new TreeSet<>(existing.catalogStreams());
        fromCatalog.add(stream);
        return new StoredCve(with(r, affected), existing.source(), 0, fromCatalog);
    }

    /**
     * At start: makes the records agree with the catalog (live patches published before this
     * server version kept CVE records, or written by other tools). Reads only ids and streams;
     * writes only what is missing. Returns the number of records created or extended.
     */
    public int reconcileWithCatalog() {
        return jdbi.inTransaction(h -> {
            Map<String, Set<String>> carried = cves.carriedStreams(h);
            Map<String, Set<String>> listed = cves.streams(h);
            Map<String, Set<String>> missing = new HashMap<>();
            carried.forEach((id, streams) -> {
                Set<String> have = listed.getOrDefault(id, Set.of());
                for (String s : streams) {
                    if (!have.contains(s)) {
                        missing.computeIfAbsent(id, k -> new TreeSet<>()).add(s);
                    }
                }
            });
            if (missing.isEmpty()) {
                return 0;
            }
            Map<String, StoredCve> existing = cves.find(h, missing.keySet());
            Map<String, Fix> fixes = new HashMap<>();
            Map<String, LocalDate> firstReleased = new HashMap<>();
            h.createQuery("select f.*, p.released from live_patch_fixes f join live_patches p on p.id = f.live_patch_id"
                            + " where f.fix_id in (<ids>) order by p.released")
                    .bindList("ids", List.copyOf(missing.keySet()))
                    .map((rs, c) -> {
                        String id = rs.getString("fix_id");
                        if (!fixes.containsKey(id)) {
                            fixes.put(id, new Fix(id, rs.getBigDecimal("cvss").doubleValue(), rs.getString("summary"), List.of(),
                                    FixCategory.parse(rs.getString("category")), rs.getBoolean("changes_data_structures")));
                            firstReleased.put(id, rs.getObject("released", LocalDate.class));
                        }
                        return 0;
                    }).list();
            List<StoredCve> changed = new ArrayList<>();
            missing.forEach((id, streams) -> {
                StoredCve s = existing.get(id);
                for (String stream : streams) {
                    StoredCve next = extend(s, fixes.get(id), stream, firstReleased.get(id));
                    s = next == null ? s : next;
                }
                changed.add(s);
            });
            cves.write(h, changed, existing.keySet(), cves.nextRevision(h, policies), clock.instant(), scope);
            FleetFeed.append(h, new FleetFeed.PolicyChanged(clock.instant()));
            return changed.size();
        });
    }

    private static CveRecord with(CveRecord r, List<AffectedStream> affected) {
        return new CveRecord(r.id(), r.cvss(), r.vector(), r.summary(), r.published(), r.category(), r.livePatchPossible(), affected);
    }
}
