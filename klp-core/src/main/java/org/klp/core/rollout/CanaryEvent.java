package org.klp.core.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Something a canary reported, at a known instant, that bears on a rollout: how an apply, revert
 * or force of a live patch version ended, new taint flags, or a transition that passed its
 * deadline. The store keeps them in the systems' history, so a later success does not erase them.
 *
 * @param kernel  the kernel release the canary ran when it reported it; null for events stored
 *                before kernels were kept (they are taken to concern the kernel the canary runs now)
 * @param version the live patch version it concerns: the target of the apply, the version
 *                running when the taint appeared, the version whose transition was stuck
 * @param elapsed how long the transition had run, when the event is about one; else null
 */
public record CanaryEvent(Instant at, Kind kind, String kernel, int version, Duration elapsed, String message) {

    public enum Kind {
        /** An apply (update, downgrade) of the version failed; nothing changed. */
        APPLY_FAILED,
        /** The transition to the version was reversed: by the host tool at its deadline, or by {@code klp revert}. */
        APPLY_REVERTED,
        /** The transition to the version was forced. */
        APPLY_FORCED,
        /** New taint flags appeared while the version ran. */
        NEW_TAINT,
        /** The transition to the version passed its group's deadline. */
        STUCK_TRANSITION
    }

    public CanaryEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        message = message == null ? "" : message;
    }

    public static CanaryEvent of(Instant at, Kind kind, String kernel, int version, String message) {
        return new CanaryEvent(at, kind, kernel, version, null, message);
    }

    /**
     * Whether it bears on a rollout of {@code version} to {@code rolloutKernel}, reported by a canary
     * now running {@code canaryKernel}: live patch versions are per kernel, so version 3 failing on one
     * kernel says nothing about version 3 of another.
     */
    public boolean concerns(String rolloutKernel, int version, String canaryKernel) {
        String on = kernel != null ? kernel : canaryKernel;
        return this.version == version && rolloutKernel.equals(on);
    }
}
