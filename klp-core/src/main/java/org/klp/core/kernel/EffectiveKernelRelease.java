package org.klp.core.kernel;

import java.util.Objects;

/**
 * The kernel release as far as fixes go: the running release with the live patch level in force,
 * such as {@code 5.14.21-150500.55.49-default+lp4} for version 4 of its live patch loaded with its
 * transition complete. Scanners that judge a host by {@code uname -r} judge it by this instead and
 * see the fixes the live patch carries (Ksplice calls it the effective kernel version).
 *
 * <p>Nothing is added while no live patch is in force: none loaded, its version unknown (a module
 * without its package's record), a transition unfinished, or a forced one (tasks that slept in the
 * replaced code may still run it). The initial patch (version 1) is a level like any other: it
 * carries no fixes, so {@code K+lp1} is as exposed as {@code K}, and exports say so.
 */
public record EffectiveKernelRelease(KernelRelease kernel, int livePatchLevel) {

    /** Between the release and the level: {@code +} sorts after the release in version comparisons that treat it as build metadata. */
    public static final String SEPARATOR = "+lp";

    public EffectiveKernelRelease {
        Objects.requireNonNull(kernel, "kernel");
        if (livePatchLevel < 0) {
            throw new IllegalArgumentException("Live patch level of " + kernel + " must be 0 (none in force) or more, was " + livePatchLevel);
        }
    }

    /** The release of a host running {@code kernel} with live patch {@code loadedVersion} (0: none), in force only when {@code settled}. */
    public static EffectiveKernelRelease of(KernelRelease kernel, int loadedVersion, boolean settled) {
        return new EffectiveKernelRelease(kernel, settled ? loadedVersion : 0);
    }

    /** Parses {@code RELEASE} or {@code RELEASE+lpN}. */
    public static EffectiveKernelRelease parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Not an effective kernel release: null (expected such as 5.14.21-150500.55.49-default+lp4)");
        }
        int at = text.lastIndexOf(SEPARATOR);
        if (at < 0) {
            return new EffectiveKernelRelease(KernelRelease.parse(text), 0);
        }
        String level = text.substring(at + SEPARATOR.length());
        if (!level.matches("[1-9][0-9]{0,8}")) {
            throw new IllegalArgumentException("Not an effective kernel release: '" + text + "' (expected RELEASE+lpN such as"
                    + " 5.14.21-150500.55.49-default+lp4)");
        }
        return new EffectiveKernelRelease(KernelRelease.parse(text.substring(0, at)), Integer.parseInt(level));
    }

    public boolean livePatched() {
        return livePatchLevel > 0;
    }

    /** {@code RELEASE+lpN}, or the release alone when no live patch is in force. */
    public String uname() {
        return livePatchLevel == 0 ? kernel.uname() : kernel.uname() + SEPARATOR + livePatchLevel;
    }

    @Override
    public String toString() {
        return uname();
    }
}
