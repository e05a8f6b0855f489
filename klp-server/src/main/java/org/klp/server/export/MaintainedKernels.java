package org.klp.server.export;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.klp.core.kernel.EffectiveKernelRelease;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportStatus;
import org.klp.core.patch.Fix;

/**
 * The public lifecycle page's data, like SUSE's "Maintained kernels, patch updates and lifecycle":
 * every kernel release the catalog maintains, its live patch versions with their release dates and
 * the fixes each adds, and the end of its live patch support. Catalog facts only (what the public
 * repositories' metadata already says), never a host.
 *
 * @param asOf the day support is judged on
 */
public record MaintainedKernels(LocalDate asOf, List<Kernel> kernels) {

    /** Support ends within this many days: "ending". */
    public static final int ENDING_DAYS = 30;

    /**
     * @param support {@code current}, {@code ending} (within {@link #ENDING_DAYS} days) or {@code ended}
     * @param daysLeft days until the end of support, 0 on its last day, negative after it
     */
    public record Kernel(String kernel, String stream, String product, String productName, String arch, String packageName, LocalDate released,
                         LocalDate endOfSupport, String support, long daysLeft, List<Version> livePatches) {
    }

    /** A live patch version: the fixes it adds to the version before, and how many it carries in all. */
    public record Version(int version, String packageVersion, LocalDate released, List<FixView> fixesAdded, int fixesCarried) {
    }

    public record FixView(String id, double cvss, String summary, String category) {
        static FixView of(Fix f) {
            return new FixView(f.id(), f.cvss(), f.summary(), f.category().label());
        }
    }

    /** Every kernel of the catalog, newest release first within each product. */
    public static MaintainedKernels of(ExportCatalog catalog, LocalDate today) {
        List<Kernel> out = new ArrayList<>();
        for (ExportKernel k : catalog.kernels()) {
            SupportStatus s = SupportStatus.of(k.entry().endOfSupport(), today);
            List<Version> versions = new ArrayList<>();
            Set<String> before = new HashSet<>();
            for (ShippedLivePatch p : k.livePatches()) {
                List<FixView> added = p.livePatch().fixes().stream().filter(f -> !before.contains(f.id())).map(FixView::of).toList();
                p.livePatch().fixes().forEach(f -> before.add(f.id()));
                versions.add(new Version(p.version(), p.livePatch().nameVersion(), p.livePatch().releaseDate(), added, p.livePatch().fixes().size()));
            }
            out.add(new Kernel(k.release().uname(), k.release().stream(), k.productTriplet(), k.productName(), k.arch(),
                    org.klp.core.patch.LivePatchPackage.packageName(k.release()), k.entry().released(), k.entry().endOfSupport(),
                    s.expired() ? "ended" : s.endsWithin(ENDING_DAYS) ? "ending" : "current", s.daysLeft(), List.copyOf(versions)));
        }
        out.sort(java.util.Comparator.comparing(Kernel::product).thenComparing((a, b) -> KernelRelease.parse(b.kernel())
                .compareTo(KernelRelease.parse(a.kernel()))));
        return new MaintainedKernels(today, List.copyOf(out));
    }

    /**
     * The kernel a host runs, by what {@code uname -r} (or {@code klp uname -r}) prints there.
     *
     * @throws IllegalArgumentException when the text is not a kernel release
     */
    public Optional<Kernel> find(String uname) {
        String release = EffectiveKernelRelease.parse(uname.strip()).kernel().uname();
        return kernels.stream().filter(k -> k.kernel().equals(release)).findFirst();
    }

    /** The maintained kernels of the stream a release belongs to (what a host could update to), newest first. */
    public List<Kernel> ofStreamOf(String uname) {
        String stream = EffectiveKernelRelease.parse(uname.strip()).kernel().stream();
        return kernels.stream().filter(k -> k.stream().equals(stream)).toList();
    }
}
