package org.klp.server.metrics;

import java.time.LocalDate;
import java.util.Locale;
import org.klp.core.fleet.HostPosture;

/**
 * Where a host stands with its live patching, one state per host so the states add up to the
 * hosts that checked in: its kernel unknown to the catalog, past its end of live patch support, a
 * transition under way, a forced one, on the newest version of its kernel's live patch, or behind.
 * The first that applies, in that order.
 */
public enum PostureState {
    UNSUPPORTED_KERNEL, EXPIRED, IN_PROGRESS, FORCED, PATCHED, BEHIND;

    /**
     * @param newestVersion the newest published version of the kernel's live patch; ignored when {@code endOfSupport} is null
     * @param endOfSupport  the kernel's end of live patch support, null when the catalog does not have the kernel
     */
    public static PostureState of(String transition, boolean forced, int loadedVersion, int newestVersion, LocalDate endOfSupport,
                                  LocalDate today) {
        if (endOfSupport == null) {
            return UNSUPPORTED_KERNEL;
        }
        if (today.isAfter(endOfSupport)) {
            return EXPIRED;
        }
        if (HostPosture.IN_PROGRESS.equals(transition)) {
            return IN_PROGRESS;
        }
        if (forced) {
            return FORCED;
        }
        return loadedVersion >= newestVersion ? PATCHED : BEHIND;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
