package org.klp.packaging.product;

import java.nio.file.Path;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.PackageWriter;
import org.klp.packaging.rpm.PackageWriter.Dependency;

/**
 * The pattern {@code lp_sles} ("Live Patching"), the seeds' one-line activation
 * {@code zypper install -t pattern lp_sles}: the package {@code patterns-lp-lp_sles} provides
 * {@code pattern() = lp_sles} and {@code pattern-visible()}, from which libsolv makes the pattern
 * {@code pattern:lp_sles}. It requires the host tool and recommends the product's lifecycle data.
 *
 * <p>It does not name live patches: each live patch package supplements its kernel together with
 * the host tool, so once the pattern brings the host tool, the solver selects the live patch of
 * every installed kernel in the same transaction, and later the live patch of every kernel
 * installed while the host tool is there. The kernel is live-patched before the installation ends.
 */
public final class LivePatchingPattern {

    public static final String PATTERN = "lp_sles";
    public static final String PACKAGE = "patterns-lp-" + PATTERN;

    private LivePatchingPattern() {
    }

    public static String fileName(ProductRelease product) {
        return PACKAGE + "-" + product.version() + "-" + ProductRelease.PRODUCT_RELEASE + "." + product.arch() + ".rpm";
    }

    /** The pattern of a live patching product: in its repository, next to its live patches. */
    public static Path build(ProductRelease product, SigningKey key, Path outputDir) {
        return new PackageWriter(PACKAGE, product.version(), ProductRelease.PRODUCT_RELEASE, product.arch())
                .summary("Live Patching")
                .description("Live patches for the installed kernels, the host tool klp that loads them, and their lifecycle data ("
                        + product.summary() + ").")
                .group("Metapackages")
                .license("MIT")
                .provides(Dependency.equal("pattern()", PATTERN))
                .provides(Dependency.of("pattern-visible()"))
                .provides(Dependency.equal("pattern-icon()", "pattern-generic"))
                .provides(Dependency.equal("pattern-order()", "3010"))
                .provides(Dependency.equal("pattern-category()", ProductRelease.provideValue("Base Technologies")))
                .requires(Dependency.of(HostToolRpm.NAME))
                .recommends(Dependency.of(LifecycleDataRpm.packageName(product.identifier())))
                .write(outputDir, key);
    }
}
