package org.klp.core.rollout;

import java.time.Instant;
import java.util.Objects;

/**
 * A staged rollout of version {@code version} of a kernel's live patch to a staged group, in
 * {@code status} since {@code changedAt}, with the reason of its last change (a halt names the
 * canary and the signal; a hold says what it waits for).
 */
public record Rollout(String group, String kernel, int version, RolloutState status, Instant startedAt, Instant changedAt, String reason) {

    public Rollout {
        GroupPolicy.requireName(group);
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(changedAt, "changedAt");
        if (version < 1) {
            throw new IllegalArgumentException("A rollout's version must be 1 or more, was " + version);
        }
        reason = reason == null ? "" : reason;
    }

    /** This rollout moved to {@code next} (if the state machine allows it) at {@code now} for {@code why}. */
    public Rollout moveTo(RolloutState next, String why, Instant now) {
        RolloutState to = status.moveTo(next);
        return new Rollout(group, kernel, version, to, next == RolloutState.CANARY ? now : startedAt, now, why);
    }
}
