package org.klp.core.boot;

import java.time.Instant;
import java.util.Objects;

/**
 * The live patch the administrator last made active on one kernel release: which patch and
 * version, klp's own copy of its module ({@code moduleCopy}) and, when a package installed it,
 * the package's file ({@code packageFile}, empty otherwise). A choice whose package file is gone
 * (zypper removed or replaced the package) no longer holds at boot. An empty {@code patch} is the
 * choice of none: the administrator disabled live patching on that kernel.
 */
public record KernelChoice(String kernel, String patch, int version, String moduleCopy, String packageFile, Instant chosen) {

    public KernelChoice {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(patch, "patch");
        Objects.requireNonNull(moduleCopy, "moduleCopy");
        Objects.requireNonNull(packageFile, "packageFile");
        Objects.requireNonNull(chosen, "chosen");
        if (kernel.isBlank() || kernel.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("A kernel choice needs a kernel release without spaces, not '" + kernel + "'");
        }
    }

    /** The administrator disabled live patching on {@code kernel} at {@code at}. */
    public static KernelChoice none(String kernel, Instant at) {
        return new KernelChoice(kernel, "", 0, "", "", at);
    }

    public boolean isNone() {
        return patch.isEmpty();
    }

    public boolean fromPackage() {
        return !packageFile.isEmpty();
    }
}
