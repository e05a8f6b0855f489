package org.klp.server.catalog;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.product.ProductRelease;

/**
 * Where the server's live patch packages become files: RPMs in a product's repository folder and
 * the static rpm-md metadata that any HTTP server or mirror can serve. The server decides what is
 * published (catalog, versions, cumulative rule); this only writes and checks files.
 */
public interface PackageRepository {

    /** A package in a repository folder. */
    record Package(String file, String sha256, KernelRelease kernel, int version, String moduleName, List<Fix> fixes, LocalDate released) {
        public Package {
            fixes = List.copyOf(fixes);
        }
    }

    /** Builds version {@code version} of {@code kernel}'s live patch from its module and fixes into {@code repoDir}. */
    Package build(Path repoDir, KernelRelease kernel, int version, byte[] module, String moduleSource, List<Fix> fixes, LocalDate released,
                  LocalDate kernelReleased, String arch);

    /** Reads and verifies an uploaded live patch RPM (signature, digests, record) without storing it: which kernel and version it is. */
    Package inspect(byte[] rpm, String source);

    /** Checks an uploaded live patch RPM (signature, digests, record, cumulative over the previous version) and stores it in {@code repoDir}. */
    Package accept(Path repoDir, byte[] rpm, String source);

    /** Removes a package file whose publication failed. */
    void discard(Path repoDir, Package p);

    /** Writes the repository's metadata for the packages in {@code repoDir}. */
    default void publish(Path repoDir) {
        publish(repoDir, null);
    }

    /**
     * Writes the repository's metadata, keeping the folder's lifecycle data package
     * ({@code lifecycle-data-IDENTIFIER}) in step with its live patches when {@code lifecycleProduct} is given.
     */
    void publish(Path repoDir, String lifecycleProduct);

    /** Writes a product's release package ({@code IDENTIFIER-release}, its {@code /etc/products.d} file) into its repository folder. */
    void writeProductRelease(Path repoDir, ProductRelease product);

    /** Writes the pattern {@code lp_sles} of a live patching product into its repository folder. */
    void writePattern(Path repoDir, ProductRelease product);

    /** Builds the host tool's package ({@code kernel-livepatch-tools}) from {@code klp.jar} into a folder; returns the file. */
    Path buildHostTool(Path klpJar, String release, Path outputDir);

    /** The public key that signs the repositories, ASCII-armored (what hosts trust). */
    String publicKeyArmored();

    /** That key's fingerprint. */
    String keyFingerprint();
}
