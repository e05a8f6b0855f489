package org.klp.server.store;

import java.time.Instant;

/**
 * A staged rollout of version {@code version} of a kernel's live patch to a staged group:
 * {@code canary} (only the canary group has it), {@code promoted} (the whole group) or
 * {@code halted} (nobody new gets it; {@code reason} says why).
 */
public record Rollout(String group, String kernel, int version, String status, Instant startedAt, Instant changedAt, String reason) {
    public static final String CANARY = "canary";
    public static final String PROMOTED = "promoted";
    public static final String HALTED = "halted";
}
