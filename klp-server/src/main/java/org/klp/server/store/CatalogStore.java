package org.klp.server.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

/** Products, kernel releases and live patch versions. */
public final class CatalogStore {

    private final Jdbi jdbi;

    public CatalogStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public List<Product> products() {
        return jdbi.withHandle(h -> h.createQuery("select * from products order by id").map((rs, c) -> new Product(rs.getInt("id"),
                rs.getString("identifier"), rs.getString("version"), rs.getString("arch"), rs.getString("name"),
                Sql.intOrNull(rs, "base_id"), rs.getBoolean("free"))).list());
    }

    public Optional<Product> product(String identifier, String version, String arch) {
        return products().stream().filter(p -> p.identifier().equals(identifier) && p.version().equals(version) && p.arch().equals(arch))
                .findFirst();
    }

    public Optional<Product> product(int id) {
        return products().stream().filter(p -> p.id() == id).findFirst();
    }

    public Product addProduct(Handle h, Product p) {
        h.createUpdate("insert into products (id, identifier, version, arch, name, base_id, free) values (:id, :identifier, :version, :arch, :name, :base, :free)")
                .bind("id", p.id()).bind("identifier", p.identifier()).bind("version", p.version()).bind("arch", p.arch())
                .bind("name", p.name()).bind("base", p.baseId()).bind("free", p.free()).execute();
        return p;
    }

    public int nextProductId(Handle h) {
        return h.createQuery("select coalesce(max(id), 1000) + 1 from products").mapTo(Integer.class).one();
    }

    public List<KernelEntry> kernels() {
        return jdbi.withHandle(h -> h.createQuery("select * from kernels order by product_id, released, release")
                .map((rs, c) -> new KernelEntry(rs.getLong("id"), rs.getInt("product_id"), KernelRelease.parse(rs.getString("release")),
                        rs.getString("arch"), Sql.date(rs, "released"), Sql.date(rs, "end_of_support"))).list());
    }

    public Optional<KernelEntry> kernel(Handle h, String release) {
        return h.createQuery("select * from kernels where release = :r").bind("r", release)
                .map((rs, c) -> new KernelEntry(rs.getLong("id"), rs.getInt("product_id"), KernelRelease.parse(rs.getString("release")),
                        rs.getString("arch"), Sql.date(rs, "released"), Sql.date(rs, "end_of_support"))).findFirst();
    }

    public KernelEntry addKernel(Handle h, int productId, KernelRelease release, String arch, LocalDate released, LocalDate endOfSupport,
                                 Instant now) {
        long id = h.createUpdate("insert into kernels (product_id, release, flavor, arch, released, end_of_support, created_at)"
                        + " values (:p, :r, :f, :a, :d, :e, :now)")
                .bind("p", productId).bind("r", release.uname()).bind("f", release.flavor()).bind("a", arch).bind("d", released)
                .bind("e", endOfSupport).bind("now", Sql.ts(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        return new KernelEntry(id, productId, release, arch, released, endOfSupport);
    }

    /** The published live patch versions of every kernel, without their fixes. */
    public Map<String, List<Integer>> versions(Handle h) {
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        h.createQuery("select k.release, p.version from live_patches p join kernels k on k.id = p.kernel_id order by k.release, p.version")
                .map((rs, c) -> out.computeIfAbsent(rs.getString("release"), k -> new ArrayList<>()).add(rs.getInt("version"))).list();
        return out;
    }

    /** Every live patch version with its fixes, by kernel and version. */
    public List<LivePatchEntry> livePatches() {
        return jdbi.withHandle(h -> livePatches(h, null));
    }

    /** The live patch versions of one kernel with their fixes, oldest first (empty: not in the catalog). */
    public List<LivePatchEntry> livePatches(String kernel) {
        return jdbi.withHandle(h -> livePatches(h, kernel));
    }

    public List<LivePatchEntry> livePatches(Handle h, String kernel) {
        Map<Long, List<Fix>> fixes = new LinkedHashMap<>();
        h.createQuery("select f.* from live_patch_fixes f join live_patches p on p.id = f.live_patch_id join kernels k on k.id = p.kernel_id"
                        + (kernel == null ? "" : " where k.release = :k") + " order by f.live_patch_id, f.fix_id")
                .bind("k", kernel)
                .map((rs, c) -> {
                    fixes.computeIfAbsent(rs.getLong("live_patch_id"), k -> new ArrayList<>()).add(new Fix(rs.getString("fix_id"),
                            rs.getBigDecimal("cvss").doubleValue(), rs.getString("summary"), List.of(),
                            FixCategory.parse(rs.getString("category")), rs.getBoolean("changes_data_structures")));
                    return 0;
                }).list();
        return h.createQuery("select p.*, k.release from live_patches p join kernels k on k.id = p.kernel_id"
                        + (kernel == null ? "" : " where k.release = :k") + " order by k.release, p.version")
                .bind("k", kernel)
                .map((rs, c) -> new LivePatchEntry(rs.getLong("id"), rs.getString("release"), rs.getInt("version"), Sql.date(rs, "released"),
                        rs.getString("module_name"), rs.getString("rpm_file"), rs.getString("rpm_sha256"),
                        fixes.getOrDefault(rs.getLong("id"), List.of()))).list();
    }

    public LivePatchEntry addLivePatch(Handle h, KernelEntry kernel, int version, LocalDate released, String moduleName, String rpmFile,
                                       String rpmSha256, List<Fix> fixes, Instant now) {
        long id = h.createUpdate("insert into live_patches (kernel_id, version, released, module_name, rpm_file, rpm_sha256, created_at)"
                        + " values (:k, :v, :d, :m, :f, :s, :now)")
                .bind("k", kernel.id()).bind("v", version).bind("d", released).bind("m", moduleName).bind("f", rpmFile)
                .bind("s", rpmSha256).bind("now", Sql.ts(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        for (Fix f : fixes) {
            h.createUpdate("insert into live_patch_fixes (live_patch_id, fix_id, cvss, summary, category, changes_data_structures)"
                            + " values (:p, :id, :cvss, :s, :c, :d)")
                    .bind("p", id).bind("id", f.id()).bind("cvss", BigDecimal.valueOf(f.cvss()).setScale(1, java.math.RoundingMode.HALF_UP))
                    .bind("s", f.summary().length() > 500 ? f.summary().substring(0, 500) : f.summary())
                    .bind("c", f.category().label()).bind("d", f.changesDataStructures()).execute();
        }
        return new LivePatchEntry(id, kernel.release().uname(), version, released, moduleName, rpmFile, rpmSha256, fixes);
    }
}
