package org.klp.server.api;

import java.time.Duration;

/**
 * What one client, and all of them, may hold of the server, so that slow or many clients cannot
 * starve the others (a health probe, a host's check-in):
 *
 * @param maxConnections          open connections in all; beyond them a new one is closed at once
 * @param maxConnectionsPerClient open connections from one address; beyond them a new one is closed at once
 * @param headerDeadline          from a request's first byte to the end of its headers
 * @param idleTimeout             a connection with nothing to do (keep-alive, or silent after connecting)
 * @param bodyDeadline            the least time a request body is given; larger bodies get more, at
 * @param minBodyBytesPerSecond   the slowest upload rate the deadline allows
 */
public record HttpLimits(int maxConnections, int maxConnectionsPerClient, Duration headerDeadline, Duration idleTimeout, Duration bodyDeadline,
                         long minBodyBytesPerSecond) {

    /** A fleet behind one NAT address checks in through few connections at a time; an operator's browser opens six. */
    public static final HttpLimits DEFAULT = new HttpLimits(4096, 128, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(15),
            256 * 1024);

    public HttpLimits {
        if (maxConnections < 1 || maxConnectionsPerClient < 1 || maxConnectionsPerClient > maxConnections) {
            throw new IllegalArgumentException("connection limits must be positive, the per-client one at most the total: " + maxConnections + ", "
                    + maxConnectionsPerClient);
        }
        if (headerDeadline.isNegative() || headerDeadline.isZero() || idleTimeout.isNegative() || idleTimeout.isZero() || bodyDeadline.isNegative()
                || bodyDeadline.isZero() || minBodyBytesPerSecond < 1) {
            throw new IllegalArgumentException("deadlines and the upload rate must be positive");
        }
    }

    /** How long a body of {@code length} bytes (-1: unknown, up to {@code limit}) may take to arrive. */
    public Duration bodyDeadline(long length, long limit) {
        long bytes = length >= 0 ? length : limit;
        return bodyDeadline.plusMillis(bytes * 1000 / minBodyBytesPerSecond);
    }
}
