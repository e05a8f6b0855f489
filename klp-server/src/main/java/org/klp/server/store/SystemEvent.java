package org.klp.server.store;

import java.time.Instant;

/**
 * One entry of a system's history; {@code version} is the live patch version it concerns and
 * {@code elapsedSeconds} how long a transition had run, when it is about one (else null).
 */
public record SystemEvent(long id, long systemId, Instant at, String kind, String message, Integer version, Long elapsedSeconds) {
}
