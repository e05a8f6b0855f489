package org.klp.server.export;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;

/**
 * A kernel release the catalog maintains, as exports show it: its dates, architecture, the product
 * that carries its live patches, the distribution it belongs to (its base product's identifier in
 * lower case, the namespace of its packages' URLs: {@code pkg:rpm/sles/kernel-default@…}), and every
 * published live patch version, oldest first.
 */
public record ExportKernel(CatalogKernel entry, String arch, String productTriplet, String productName, String distribution,
                           List<ShippedLivePatch> livePatches) {

    public ExportKernel {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(productTriplet, "productTriplet");
        Objects.requireNonNull(productName, "productName");
        Objects.requireNonNull(distribution, "distribution");
        livePatches = livePatches.stream().sorted(Comparator.comparingInt(ShippedLivePatch::version)).toList();
        for (ShippedLivePatch p : livePatches) {
            if (!p.livePatch().kernel().equals(entry.kernel())) {
                throw new IllegalArgumentException(p.livePatch().nameVersion() + " is not a live patch of " + entry.kernel());
            }
        }
    }

    public KernelRelease release() {
        return entry.kernel();
    }

    /**
     * The first version that carries a fix, as the audit counts it: versions are cumulative, so every
     * later version carries it too. Empty when no published version does.
     */
    public Optional<ShippedLivePatch> firstCarrying(String fixId) {
        for (ShippedLivePatch p : livePatches) {
            for (Fix f : p.livePatch().fixes()) {
                if (f.id().equals(fixId)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** The versions from {@code version} on, oldest first. */
    public List<ShippedLivePatch> from(int version) {
        return livePatches.stream().filter(p -> p.version() >= version).toList();
    }

    public List<ShippedLivePatch> below(int version) {
        return livePatches.stream().filter(p -> p.version() < version).toList();
    }
}
