package org.klp.server.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what clients hold of the server ({@link HttpLimits}): connections in all and per client
 * address, and how long a request's headers and body may take to arrive.
 *
 * <ul>
 * <li>A connection beyond a limit is closed as soon as it is opened: the client retries later, and
 *     the others' connections are untouched.</li>
 * <li>Jetty parses headers without a thread, so a client dripping them costs a socket, not a
 *     thread; a sweep closes each connection whose request headers began longer ago than the
 *     header deadline, and each whose body began longer ago than its body deadline (which grows
 *     with the declared length at the slowest rate allowed). A thread waiting for such a body is
 *     freed when its connection closes. Credentials are checked before a body is read, so only a
 *     caller with valid credentials ever gets a thread to wait for one.</li>
 * <li>A connection idle between requests is closed by Jetty's idle timeout.</li>
 * </ul>
 * The sweep reads each connection's parser state from its own thread, without the connection's
 * lock: a read may be a moment stale, which at worst delays a close by one sweep.
 */
final class ConnectionGuard implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    static final long SWEEP_MILLIS = 250;

    private final HttpLimits limits;
    private final long bodyLimit;
    private final Map<Connection, InetAddress> open = new ConcurrentHashMap<>();
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong expired = new AtomicLong();
    private final ScheduledExecutorService sweeper;

    ConnectionGuard(HttpLimits limits, long bodyLimit) {
        this.limits = limits;
        this.bodyLimit = bodyLimit;
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "klp-http-deadlines");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onOpened(Connection connection) {
        InetAddress client = address(connection.getEndPoint().getRemoteSocketAddress());
        int all = total.incrementAndGet();
        int mine = perClient.computeIfAbsent(client, a -> new AtomicInteger()).incrementAndGet();
        open.put(connection, client);
        if (all > limits.maxConnections() || mine > limits.maxConnectionsPerClient()) {
            long n = refused.incrementAndGet();
            if (n == 1 || n % 1000 == 0) {
                LOG.warn("closed a connection from {} at once: {} open from it (limit {}), {} in all (limit {}); {} closed so far", client, mine,
                        limits.maxConnectionsPerClient(), all, limits.maxConnections(), n);
            }
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        InetAddress client = open.remove(connection);
        if (client == null) {
            return;
        }
        total.decrementAndGet();
        perClient.computeIfPresent(client, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            for (Connection c : open.keySet()) {
                if (c instanceof HttpConnection http && overdue(http.getParser(), now)) {
                    long n = expired.incrementAndGet();
                    if (n == 1 || n % 1000 == 0) {
                        LOG.warn("closed a connection from {}: its request did not arrive within its deadline; {} closed so far", open.get(c), n);
                    }
                    c.getEndPoint().close();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("connection deadline sweep failed: {}", e.toString());
        }
    }

    private boolean overdue(HttpParser parser, long now) {
        HttpParser.State state = parser.getState();
        if (state == HttpParser.State.START || state == HttpParser.State.CLOSED || state == HttpParser.State.CLOSE
                || state == HttpParser.State.END) {
            return false;
        }
        long age = now - parser.getBeginNanoTime();
        if (parser.inHeaderState()) {
            return age > limits.headerDeadline().toNanos();
        }
        if (parser.inContentState()) {
            return age > limits.headerDeadline().plus(limits.bodyDeadline(parser.getContentLength(), bodyLimit)).toNanos();
        }
        return false;
    }

    /** Connections open now, in all and from one address (for tests and the log). */
    int open() {
        return total.get();
    }

    long refused() {
        return refused.get();
    }

    long expired() {
        return expired.get();
    }

    void stop() {
        sweeper.shutdownNow();
    }

    private static InetAddress address(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress() : InetAddress.getLoopbackAddress();
    }
}
