package org.klp.packaging.product;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.TreeMap;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.PackageWriter;
import org.klp.packaging.rpm.RpmFormatException;
import org.klp.packaging.rpm.RpmPackage;

/**
 * {@code lifecycle-data-IDENTIFIER-1-N.noarch.rpm}: the product's lifecycle data where SUSE's
 * {@code zypper lifecycle} reads it, {@code /usr/share/lifecycle/data/IDENTIFIER.lifecycle} (one
 * file per installed product, named after it), with a row {@code name, *, end of support} per
 * live patch package of the repository. zypper lifecycle then shows each installed live patch
 * under "Package end of support if different from product".
 *
 * <p>The rows are the repository's own lifecycle data ({@link LifecycleData}, also published as
 * repodata); the package is rebuilt, with the next release N, only when they change, and the older
 * file is removed from the folder.
 */
public final class LifecycleDataRpm {

    public static final String VERSION = "1";

    private LifecycleDataRpm() {
    }

    public static String packageName(String productIdentifier) {
        return "lifecycle-data-" + productIdentifier;
    }

    /** {@code /usr/share/lifecycle/data/IDENTIFIER.lifecycle}. */
    public static String path(String productIdentifier) {
        return "/usr/share/lifecycle/data/" + productIdentifier + ".lifecycle";
    }

    /**
     * Makes the folder's lifecycle data package carry {@code data}: nothing when its newest
     * package already does, otherwise a new package (release + 1) and the older ones removed.
     *
     * @return the new package, if one was written
     */
    public static Optional<Path> ensure(Path dir, String productIdentifier, LifecycleData data, SigningKey key) {
        String name = packageName(productIdentifier);
        ProductRelease.requireIdentifier(productIdentifier);
        byte[] content = data.write().getBytes(StandardCharsets.UTF_8);
        TreeMap<Integer, Path> existing = existing(dir, name);
        if (!existing.isEmpty()) {
            RpmPackage newest = RpmPackage.read(existing.lastEntry().getValue());
            byte[] shipped = newest.extract(path(productIdentifier)::equals).get(path(productIdentifier));
            if (shipped != null && Arrays.equals(shipped, content)) {
                return Optional.empty();
            }
        }
        int release = existing.isEmpty() ? 1 : existing.lastKey() + 1;
        Path written = new PackageWriter(name, VERSION, Integer.toString(release), "noarch")
                .summary("Lifecycle data for " + productIdentifier + " (zypper lifecycle)")
                .description("The end of support of each live patch package of " + productIdentifier
                        + ", for zypper lifecycle: every version of a kernel's live patch is supported until one year after the kernel's release.")
                .group("System/Management")
                .license("MIT")
                .file(path(productIdentifier), content, 0644)
                .write(dir, key);
        try {
            for (Path old : existing.values()) {
                Files.deleteIfExists(old);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove an older " + name + " package from " + dir + ": " + e.getMessage(), e);
        }
        return Optional.of(written);
    }

    /** The folder's packages of this name by release. */
    private static TreeMap<Integer, Path> existing(Path dir, String name) {
        TreeMap<Integer, Path> out = new TreeMap<>();
        String prefix = name + "-" + VERSION + "-";
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, name + "-*.noarch.rpm")) {
            for (Path p : s) {
                String f = p.getFileName().toString();
                if (!f.startsWith(prefix)) {
                    continue;
                }
                String release = f.substring(prefix.length(), f.length() - ".noarch.rpm".length());
                try {
                    out.put(Integer.parseInt(release), p);
                } catch (NumberFormatException e) {
                    throw new RpmFormatException(p + " is not a lifecycle data package of klp's (release '" + release + "')");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }
}
