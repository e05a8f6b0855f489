package org.klp.core.audit;

import java.util.Objects;
import org.klp.core.kernel.KernelRelease;

/**
 * The releases of one kernel stream (see {@link KernelRelease#stream()}) that contain a flaw: from
 * {@code introducedIn} (null: every earlier release too) up to, not including, {@code fixedIn}
 * (null: no release of the stream has the fix yet). Kernels of one stream replace one another on
 * update, so a range is all it takes.
 */
public record AffectedStream(String stream, KernelRelease introducedIn, KernelRelease fixedIn) {

    public AffectedStream {
        if (stream == null || stream.isBlank()) {
            throw new IllegalArgumentException("An affected stream needs a name such as 5.14.21-150500-default");
        }
        stream = stream.strip();
        if (introducedIn != null && !introducedIn.stream().equals(stream)) {
            throw new IllegalArgumentException("Kernel " + introducedIn + " (introducedIn) is not of stream " + stream);
        }
        if (fixedIn != null && !fixedIn.stream().equals(stream)) {
            throw new IllegalArgumentException("Kernel " + fixedIn + " (fixedIn) is not of stream " + stream);
        }
        if (introducedIn != null && fixedIn != null && introducedIn.compareTo(fixedIn) >= 0) {
            throw new IllegalArgumentException("Stream " + stream + " is fixed in " + fixedIn
                    + " before the flaw was introduced in " + introducedIn);
        }
    }

    /** Every release of the fixed kernel's stream before {@code fixedIn} is affected. */
    public static AffectedStream fixedIn(KernelRelease fixedIn) {
        return new AffectedStream(Objects.requireNonNull(fixedIn, "fixedIn").stream(), null, fixedIn);
    }

    /** Every release of the stream is affected; no fix yet. */
    public static AffectedStream unfixed(String stream) {
        return new AffectedStream(stream, null, null);
    }

    /** How a release of this stream stands; call only for releases of this stream. */
    KernelExposure exposureOf(KernelRelease kernel) {
        if (introducedIn != null && kernel.compareTo(introducedIn) < 0) {
            return KernelExposure.NOT_AFFECTED;
        }
        if (fixedIn != null && kernel.compareTo(fixedIn) >= 0) {
            return KernelExposure.FIXED;
        }
        return KernelExposure.AFFECTED;
    }
}
