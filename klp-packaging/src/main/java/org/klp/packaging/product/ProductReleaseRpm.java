package org.klp.packaging.product;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.PackageWriter;
import org.klp.packaging.rpm.PackageWriter.Dependency;

/**
 * A product's release package, {@code IDENTIFIER-release-VERSION-0.ARCH.rpm}, as SUSE ships one per
 * product: it installs {@code /etc/products.d/IDENTIFIER.prod} (and, for the base product, the
 * {@code baseproduct} link to it) and provides {@code product() = IDENTIFIER} and
 * {@code product(IDENTIFIER) = VERSION-0}, from which libsolv makes the repository's product
 * {@code product:IDENTIFIER}. So {@code zypper install -t product IDENTIFIER}, which SUSEConnect
 * runs after activating an extension, installs it, and {@code zypper products} lists it.
 *
 * <p>The package release is {@value ProductRelease#PRODUCT_RELEASE}: lower than any release a
 * distribution builds, so on a host that has the distribution's own release package for the same
 * product, klp's never replaces it.
 */
public final class ProductReleaseRpm {

    private ProductReleaseRpm() {
    }

    public static String fileName(ProductRelease p) {
        return p.packageName() + "-" + p.version() + "-" + ProductRelease.PRODUCT_RELEASE + "." + p.arch() + ".rpm";
    }

    public static Path build(ProductRelease p, SigningKey key, Path outputDir) {
        PackageWriter w = new PackageWriter(p.packageName(), p.version(), ProductRelease.PRODUCT_RELEASE, p.arch())
                .summary(p.summary())
                .description(p.summary() + ": the product definition (" + p.prodFile() + ") that zypper, SUSEConnect and zypper lifecycle read.")
                .group("System/Fhs")
                .license("GPL-2.0-only")
                .file(p.prodFile(), p.prodXml().getBytes(StandardCharsets.UTF_8), 0644)
                .provides(Dependency.equal("product()", p.identifier()))
                .provides(Dependency.equal("product(" + p.identifier() + ")", p.version() + "-" + ProductRelease.PRODUCT_RELEASE))
                .provides(Dependency.equal("product-label()", ProductRelease.provideValue(p.summary())))
                .provides(Dependency.equal("product-cpeid()", ProductRelease.provideValue(p.cpe())))
                .provides(Dependency.equal("product-register-target()", ProductRelease.provideValue(p.registerTarget())));
        if (p.kind() == ProductRelease.Kind.BASE) {
            w.symlink("/etc/products.d/baseproduct", p.identifier() + ".prod")
                    .provides(Dependency.equal("product-type()", "base"));
        } else {
            w.provides(Dependency.equal("product-register-flavor()", p.kind().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return w.write(outputDir, key);
    }
}
