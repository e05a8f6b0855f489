package org.klp.core.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.klp.core.fleet.HostPosture;

/**
 * One system of a rollout's canary group, as the rollout rule sees it.
 *
 * @param posture       its last reported posture, null when it never checked in
 * @param postureSince  since when it has reported this posture (kernel, loaded version, transition,
 *                      forced) without a change; null when it never checked in
 * @param events        what it reported since the rollout started ({@link CanaryEvent})
 */
public record CanaryReport(long systemId, String hostname, HostPosture posture, Instant postureSince, List<CanaryEvent> events) {

    public CanaryReport {
        hostname = hostname == null ? "" : hostname;
        events = List.copyOf(Objects.requireNonNullElse(events, List.of()));
        if (posture != null) {
            Objects.requireNonNull(postureSince, () -> "postureSince of system " + systemId);
        }
    }

    /** How an operator recognises it: {@code web-1 (system 12)}, or {@code system 12} without a hostname. */
    public String label() {
        return hostname.isEmpty() ? "system " + systemId : hostname + " (system " + systemId + ")";
    }

    /** Whether it runs {@code kernel} now. */
    public boolean runs(String kernel) {
        return posture != null && posture.kernel().equals(kernel);
    }
}
