package org.klp.core.boot;

import java.time.Instant;
import java.util.Objects;

/**
 * A live patch that was new when its kernel died: boots skip it until the administrator applies
 * it again on purpose.
 */
public record CrashedPatch(String patch, String kernel, String phase, Instant loaded, Instant found, String reason) {

    public CrashedPatch {
        Objects.requireNonNull(patch, "patch");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(loaded, "loaded");
        Objects.requireNonNull(found, "found");
        Objects.requireNonNull(reason, "reason");
    }
}
