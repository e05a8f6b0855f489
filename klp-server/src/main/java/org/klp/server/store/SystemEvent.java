package org.klp.server.store;

import java.time.Instant;

/** One entry of a system's history. */
public record SystemEvent(long id, long systemId, Instant at, String kind, String message) {
}
