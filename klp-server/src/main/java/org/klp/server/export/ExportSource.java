package org.klp.server.export;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.CveRecord;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.PatchedFunction;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CveStore;
import org.klp.server.store.KernelEntry;
import org.klp.server.store.LivePatchEntry;
import org.klp.server.store.Product;

/**
 * Reads an {@link ExportCatalog} from the store, in one transaction so that kernels, live patches
 * and CVE records agree: what the exports render, nothing else. The same rows the audit is built
 * from, so an export and the audit say the same of every kernel.
 */
public final class ExportSource {

    /** Up to this many kernels, their live patches are read kernel by kernel; beyond, in one query for the whole catalog. */
    private static final int FEW_KERNELS = 50;

    private final Jdbi jdbi;
    private final CatalogStore catalog;
    private final CveStore cves;
    private final ScopePolicy policy;
    private final Clock clock;

    public ExportSource(Jdbi jdbi, CatalogStore catalog, CveStore cves, ScopePolicy policy, Clock clock) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.cves = cves;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * @throws NoSuchElementException naming the product or CVE the scope names when the catalog has none
     */
    public ExportCatalog read(ExportScope scope) {
        return jdbi.inTransaction(h -> {
            Map<Integer, Product> products = new HashMap<>();
            catalog.products().forEach(p -> products.put(p.id(), p));
            Product wanted = null;
            if (scope.product() != null) {
                wanted = products.values().stream().filter(p -> p.triplet().equals(scope.product())).findFirst()
                        .orElseThrow(() -> new NoSuchElementException("no product " + scope.product() + " in the catalog (see GET /api/v1/products)"));
            }
            List<CveStore.StoredCve> stored = scope.cve() != null
                    ? List.of(cves.find(h, scope.cve()).orElseThrow(() -> new NoSuchElementException("no CVE record " + scope.cve()
                            + "; import it with the CVE feed (POST /api/v1/cves)")))
                    : cves.all(h);
            // one CVE: only the kernels of its streams matter, and only their live patches are read
            Set<String> ofCve = scope.cve() == null ? null : new HashSet<>(stored.get(0).record().affected().stream().map(AffectedStream::stream).toList());
            List<KernelEntry> kernels = new ArrayList<>();
            for (KernelEntry k : catalog.kernels()) {
                Product p = products.get(k.productId());
                boolean inScope = wanted != null ? p.id() == wanted.id() || wanted.id() == (p.baseId() == null ? -1 : p.baseId())
                        : scope.stream() == null || k.release().stream().equals(scope.stream());
                if (inScope && (ofCve == null || ofCve.contains(k.release().stream()))) {
                    kernels.add(k);
                }
            }
            Set<String> streams = new HashSet<>();
            kernels.forEach(k -> streams.add(k.release().stream()));
            if (scope.stream() != null) {
                streams.add(scope.stream());
            } else if (wanted == null) {
                stored.forEach(c -> c.record().affected().forEach(a -> streams.add(a.stream())));
            }
            Map<String, List<ShippedLivePatch>> shipped = new HashMap<>();
            Set<String> releases = new HashSet<>();
            kernels.forEach(k -> releases.add(k.release().uname()));
            List<LivePatchEntry> entries = new ArrayList<>();
            if (kernels.size() <= FEW_KERNELS) {
                kernels.forEach(k -> entries.addAll(catalog.livePatches(h, k.release().uname())));
            } else {
                entries.addAll(catalog.livePatches(h, null));
            }
            for (LivePatchEntry e : entries) {
                if (releases.contains(e.kernel())) {
                    KernelRelease k = KernelRelease.parse(e.kernel());
                    shipped.computeIfAbsent(e.kernel(), x -> new ArrayList<>()).add(new ShippedLivePatch(
                            new LivePatchPackage(k, e.version(), e.released(), e.fixes(), List.<PatchedFunction>of()), e.moduleName()));
                }
            }
            List<ExportKernel> out = new ArrayList<>();
            for (KernelEntry k : kernels) {
                Product p = products.get(k.productId());
                Product base = p.baseId() == null ? p : products.getOrDefault(p.baseId(), p);
                out.add(new ExportKernel(new CatalogKernel(k.release(), k.released(), k.endOfSupport()), k.arch(), p.triplet(), p.name(),
                        base.identifier().toLowerCase(java.util.Locale.ROOT), shipped.getOrDefault(k.release().uname(), List.of())));
            }
            List<CveRecord> records = new ArrayList<>();
            for (CveStore.StoredCve c : stored) {
                if (scope.cve() != null || c.record().affected().stream().map(AffectedStream::stream).anyMatch(streams::contains)) {
                    records.add(c.record());
                }
            }
            return new ExportCatalog(clock.instant(), scope.describe(), streams, out, records, policy);
        });
    }
}
