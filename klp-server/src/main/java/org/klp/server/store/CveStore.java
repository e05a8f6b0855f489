package org.klp.server.store;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixCategory;
import org.klp.core.scope.ScopePolicy;

/**
 * CVE records ({@code cves}, {@code cve_affected}) and the catalog's view of them
 * ({@code cve_live_patches}: which live patch versions carry each CVE, derived from the packages'
 * fixes, never stored twice). Rows become {@link CveRecord}s; the merge rules of feed and catalog
 * are {@code org.klp.server.audit.CveImporter}'s.
 */
public final class CveStore {

    /** Where a record came from: the CVE feed, or a published live patch's fix (until the feed knows it). */
    public enum Source {
        FEED, CATALOG;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Source parse(String label) {
            return valueOf(label.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * A record as stored: its streams sorted by name (so equal records compare equal), where it
     * came from, the revision of its last change, and which of its streams only the catalog names.
     */
    public record StoredCve(CveRecord record, Source source, long revision, Set<String> catalogStreams) {
        public StoredCve {
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(source, "source");
            List<AffectedStream> sorted = record.affected().stream().sorted(Comparator.comparing(AffectedStream::stream)).toList();
            if (!sorted.equals(record.affected())) {
                record = new CveRecord(record.id(), record.cvss(), record.vector(), record.summary(), record.published(), record.category(),
                        record.livePatchPossible(), sorted);
            }
            catalogStreams = Set.copyOf(new TreeSet<>(catalogStreams));
        }

        /** The same content (record and stream origins): a re-import of it changes nothing. */
        public boolean sameContent(StoredCve other) {
            return other != null && record.equals(other.record) && source == other.source && catalogStreams.equals(other.catalogStreams);
        }
    }

    public long count(Handle h) {
        return h.createQuery("select count(*) from cves").mapTo(Long.class).one();
    }

    public Optional<StoredCve> find(Handle h, String id) {
        return Optional.ofNullable(find(h, List.of(id)).get(id));
    }

    /** The records with these ids (absent ones are left out). */
    public Map<String, StoredCve> find(Handle h, Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return read(h, "c.id in (<ids>)", q -> q.bindList("ids", List.copyOf(ids)));
    }

    /** Every record, by id (exports read them all; a large feed is some 20,000 records). */
    public List<StoredCve> all(Handle h) {
        List<StoredCve> out = new ArrayList<>(read(h, "1 = 1", q -> { }).values());
        out.sort(Comparator.comparing(c -> c.record().id()));
        return out;
    }

    /** Every record changed after {@code revision}, by revision (the audit of each server instance follows them). */
    public List<StoredCve> changedSince(Handle h, long revision) {
        List<StoredCve> out = new ArrayList<>(read(h, "c.revision > :r", q -> q.bind("r", revision)).values());
        out.sort(Comparator.comparingLong(StoredCve::revision));
        return out;
    }

    private interface Binder {
        void bind(org.jdbi.v3.core.statement.Query q);
    }

    /** Records whose row {@code c} meets {@code condition}, with their streams. */
    private Map<String, StoredCve> read(Handle h, String condition, Binder binder) {
        record Row(String id, double cvss, String vector, String summary, java.time.LocalDate published, String category,
                   boolean possible, String source, long revision) {
        }
        var q = h.createQuery("select c.* from cves c where " + condition);
        binder.bind(q);
        List<Row> rows = q.map((rs, c) -> new Row(rs.getString("id"), rs.getBigDecimal("cvss").doubleValue(), rs.getString("vector"),
                rs.getString("summary"), Sql.date(rs, "published"), rs.getString("category"), rs.getBoolean("live_patch_possible"),
                rs.getString("source"), rs.getLong("revision"))).list();
        if (rows.isEmpty()) {
            return Map.of();
        }
        Map<String, List<AffectedStream>> affected = new HashMap<>();
        Map<String, Set<String>> fromCatalog = new HashMap<>();
        var a = h.createQuery("select a.* from cve_affected a join cves c on c.id = a.cve_id where " + condition);
        binder.bind(a);
        a.map((rs, c) -> {
            String id = rs.getString("cve_id");
            String stream = rs.getString("stream");
            affected.computeIfAbsent(id, k -> new ArrayList<>()).add(new AffectedStream(stream, release(rs.getString("introduced_in")),
                    release(rs.getString("fixed_in"))));
            if (Source.parse(rs.getString("origin")) == Source.CATALOG) {
                fromCatalog.computeIfAbsent(id, k -> new HashSet<>()).add(stream);
            }
            return 0;
        }).list();
        Map<String, StoredCve> out = new LinkedHashMap<>();
        for (Row r : rows) {
            CveRecord record = new CveRecord(r.id(), r.cvss(), r.vector(), r.summary(), r.published(), FixCategory.parse(r.category()),
                    r.possible(), affected.getOrDefault(r.id(), List.of()));
            out.put(r.id(), new StoredCve(record, Source.parse(r.source()), r.revision(), fromCatalog.getOrDefault(r.id(), Set.of())));
        }
        return out;
    }

    private static KernelRelease release(String s) {
        return s == null ? null : KernelRelease.parse(s);
    }

    /**
     * A new revision for records written in this transaction: the policy generation, bumped, so
     * that every instance's policy snapshot and audit notice the change. Revisions of concurrent
     * transactions commit in order (the generation row is locked until commit).
     */
    public long nextRevision(Handle h, PolicyStore policies) {
        policies.bumpGeneration(h);
        return policies.generation(h);
    }

    /**
     * Writes records (new, or replacing the stored ones with their streams), all at {@code revision}.
     * {@code existing} names the ids already stored.
     */
    public void write(Handle h, Collection<StoredCve> records, Set<String> existing, long revision, Instant now, ScopePolicy policy) {
        if (records.isEmpty()) {
            return;
        }
        List<String> replaced = records.stream().map(r -> r.record().id()).filter(existing::contains).toList();
        if (!replaced.isEmpty()) {
            h.createUpdate("delete from cve_affected where cve_id in (<ids>)").bindList("ids", replaced).execute();
        }
        PreparedBatch insert = h.prepareBatch("insert into cves (id, cvss, vector, summary, published, category, qualifies,"
                + " live_patch_possible, source, revision, updated_at) values (:id, :cvss, :vector, :summary, :published, :category,"
                + " :qualifies, :possible, :source, :revision, :now)");
        PreparedBatch update = h.prepareBatch("update cves set cvss = :cvss, vector = :vector, summary = :summary, published = :published,"
                + " category = :category, qualifies = :qualifies, live_patch_possible = :possible, source = :source, revision = :revision,"
                + " updated_at = :now where id = :id");
        PreparedBatch streams = h.prepareBatch("insert into cve_affected (cve_id, stream, introduced_in, fixed_in, origin)"
                + " values (:id, :stream, :introduced, :fixed, :origin)");
        for (StoredCve s : records) {
            CveRecord r = s.record();
            PreparedBatch b = existing.contains(r.id()) ? update : insert;
            b.bind("id", r.id()).bind("cvss", BigDecimal.valueOf(r.cvss()).setScale(1, RoundingMode.HALF_UP)).bind("vector", r.vector())
                    .bind("summary", r.summary()).bind("published", r.published()).bind("category", r.category().label())
                    .bind("qualifies", policy.qualifies(r.asFix())).bind("possible", r.livePatchPossible()).bind("source", s.source().label())
                    .bind("revision", revision).bind("now", Sql.ts(now)).add();
            for (AffectedStream a : r.affected()) {
                streams.bind("id", r.id()).bind("stream", a.stream())
                        .bind("introduced", a.introducedIn() == null ? null : a.introducedIn().uname())
                        .bind("fixed", a.fixedIn() == null ? null : a.fixedIn().uname())
                        .bind("origin", (s.catalogStreams().contains(a.stream()) ? Source.CATALOG : Source.FEED).label()).add();
            }
        }
        if (insert.size() > 0) {
            insert.execute();
        }
        if (update.size() > 0) {
            update.execute();
        }
        if (streams.size() > 0) {
            streams.execute();
        }
    }

    /** Per CVE id, the kernel streams whose live patches carry it (from the catalog). */
    public Map<String, Set<String>> carriedStreams(Handle h, Collection<String> ids) {
        Map<String, Set<String>> out = new HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        h.createQuery("select cve_id, kernel from cve_live_patches where cve_id in (<ids>)").bindList("ids", List.copyOf(ids))
                .map((rs, c) -> out.computeIfAbsent(rs.getString("cve_id"), k -> new TreeSet<>()).add(KernelRelease.parse(rs.getString("kernel")).stream()))
                .list();
        return out;
    }

    /** Every (CVE, kernel release) pair a live patch carries: the catalog's side, for reconciling at start. */
    public Map<String, Set<String>> carriedStreams(Handle h) {
        Map<String, Set<String>> out = new HashMap<>();
        h.createQuery("select cve_id, kernel from cve_live_patches")
                .map((rs, c) -> out.computeIfAbsent(rs.getString("cve_id"), k -> new TreeSet<>()).add(KernelRelease.parse(rs.getString("kernel")).stream()))
                .list();
        return out;
    }

    /** The streams each stored CVE lists, without reading whole records. */
    public Map<String, Set<String>> streams(Handle h) {
        Map<String, Set<String>> out = new HashMap<>();
        h.createQuery("select cve_id, stream from cve_affected")
                .map((rs, c) -> out.computeIfAbsent(rs.getString("cve_id"), k -> new HashSet<>()).add(rs.getString("stream"))).list();
        h.createQuery("select id from cves").mapTo(String.class).forEach(id -> out.computeIfAbsent(id, k -> new HashSet<>()));
        return out;
    }

    /** The first live patch version carrying a CVE, per kernel release. */
    public SortedMap<String, Integer> livePatchesCarrying(Handle h, String id) {
        SortedMap<String, Integer> out = new TreeMap<>();
        h.createQuery("select kernel, first_version from cve_live_patches where cve_id = :id").bind("id", id)
                .map((rs, c) -> out.put(rs.getString("kernel"), rs.getInt("first_version"))).list();
        return out;
    }
}
