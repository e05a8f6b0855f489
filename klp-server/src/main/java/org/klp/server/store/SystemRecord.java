package org.klp.server.store;

import java.time.Instant;
import org.klp.core.fleet.HostPosture;

/**
 * A registered system as the server keeps it: identity, group, when it was last seen (a check-in
 * or a SUSEConnect keepalive), when it last checked in with its posture, how many check-ins it
 * made, its last reported posture (null before its first check-in) and since when it has reported
 * that posture unchanged. {@code newTaint} holds the taint flags that appeared at the last check-in.
 */
public record SystemRecord(long id, String login, String hostname, String group, Instant registeredAt, Instant lastSeen,
                           Instant lastCheckin, long checkins, HostPosture posture, Instant postureSince, long newTaint) {
}
