package org.klp.packaging.client;

import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.record.PatchRecord;

/**
 * A live patch package a repository offers: what primary.xml says of the file (location, size,
 * SHA-256) and what its patch record says of the patch (kernel, version, fixes, module).
 *
 * @param endOfSupport from the repository's lifecycle data; null when it has none for the package
 */
public record AvailableLivePatch(String name, String version, String release, String arch, String location, String sha256,
                                 long size, PatchRecord record, LocalDate endOfSupport) {

    public KernelRelease kernel() {
        return record.livePatch().kernel();
    }

    /** The live patch version N. */
    public int patchVersion() {
        return record.livePatch().version();
    }

    public LivePatchPackage livePatch() {
        return record.livePatch();
    }

    public List<Fix> fixes() {
        return record.livePatch().fixes();
    }

    public Optional<LocalDate> endOfSupportDate() {
        return Optional.ofNullable(endOfSupport);
    }

    /** {@code name-version-release.arch}. */
    public String nevra() {
        return name + "-" + version + "-" + release + "." + arch;
    }

    /** The package file's name. */
    public String fileName() {
        return location.substring(location.lastIndexOf('/') + 1);
    }
}
