package org.klp.core.boot;

import java.util.Objects;

/**
 * A live patch module a boot could load for one kernel: its patch (module) name, its version
 * (the package's cumulative level, 0 when unknown) and its file, relative to the host's root.
 */
public record BootCandidate(String patch, int version, String module) {

    public BootCandidate {
        Objects.requireNonNull(patch, "patch");
        Objects.requireNonNull(module, "module");
        if (patch.isBlank() || module.isBlank()) {
            throw new IllegalArgumentException("A boot candidate needs a patch name and a module file");
        }
        if (version < 0) {
            throw new IllegalArgumentException("A live patch version is never negative, was " + version);
        }
    }

    /** {@code klp_patch_v2 (version 2)}, or the bare name when the version is unknown. */
    public String label() {
        return version > 0 ? patch + " (version " + version + ")" : patch;
    }
}
