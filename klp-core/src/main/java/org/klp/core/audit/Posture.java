package org.klp.core.audit;

import java.util.Objects;
import org.klp.core.kernel.KernelRelease;

/**
 * What a host's check-in says of its live patching: the running kernel, the live patch version
 * loaded for it ({@link #NONE} when none), whether that version's transition is complete, and
 * whether it was forced. Only the target of a transition is recorded; during an upgrade from a
 * version that already carried a fix, the fix is reported as in progress, which errs on the safe side.
 */
public record Posture(KernelRelease kernel, int loadedVersion, Transition transition, boolean forced) {

    /** The loaded version of a host without a live patch. */
    public static final int NONE = 0;

    public Posture {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(transition, "transition");
        if (loadedVersion < 0) {
            throw new IllegalArgumentException("Loaded live patch version of " + kernel + " must be 0 (none) or more, was " + loadedVersion);
        }
        if (loadedVersion == NONE && (transition != Transition.COMPLETE || forced)) {
            throw new IllegalArgumentException("No live patch is loaded on " + kernel
                    + ", so there is no transition to be " + (forced ? "forced" : "in progress"));
        }
    }

    public static Posture unpatched(KernelRelease kernel) {
        return new Posture(kernel, NONE, Transition.COMPLETE, false);
    }

    public static Posture loaded(KernelRelease kernel, int version) {
        return new Posture(kernel, version, Transition.COMPLETE, false);
    }

    /** Whether a loaded patch's code is in force for every task. */
    public boolean settled() {
        return transition == Transition.COMPLETE && !forced;
    }
}
