package org.klp.server.store;

import java.time.Instant;
import org.klp.core.fleet.HostPosture;

/**
 * A registered system as the server keeps it: identity, group, when it was last seen, how many
 * check-ins it made, and its last reported posture (null before its first check-in).
 * {@code newTaint} holds the taint flags that appeared at the last check-in.
 */
public record SystemRecord(long id, String login, String hostname, String group, Instant registeredAt, Instant lastSeen,
                           long checkins, HostPosture posture, long newTaint) {
}
