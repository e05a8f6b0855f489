package org.klp.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code GET /metrics} on a listener of its own, for Prometheus.
 *
 * <p>Why not a route of the API with the admin token: a scrape configuration holding an admin token
 * would put the keys to the fleet (publish, pin, halt, register) in a file on every monitoring
 * host. This listener serves aggregate figures only (no host, group, CVE or token ever appears in
 * a label), so it needs no credential; bind it to an internal interface or firewall it like any
 * exporter. Scrapes also never queue behind API requests on the API's threads. One thread: a
 * scrape is rare and cheap (fleet figures are recomputed at most every 10 s).
 */
public final class MetricsEndpoint implements AutoCloseable {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer http;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer http, ExecutorService thread) {
        this.http = http;
        this.thread = thread;
    }

    /** Serves {@code metrics} on {@code host:port} (port 0: any free port). */
    public static MetricsEndpoint start(String host, int port, ServerMetrics metrics) {
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("Metrics port " + port + " on " + host + " is already in use; choose another with --metrics-port", e);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot listen for metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        http.createContext("/", exchange -> {
            try (exchange) {
                answer(exchange, metrics);
            }
        });
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "klp-metrics");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(thread);
        http.start();
        return new MetricsEndpoint(http, thread);
    }

    private static void answer(HttpExchange exchange, ServerMetrics metrics) throws IOException {
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        String method = exchange.getRequestMethod();
        if (!exchange.getRequestURI().getPath().equals("/metrics")) {
            send(exchange, 404, "text/plain; charset=utf-8", "only /metrics here\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "text/plain; charset=utf-8", "GET /metrics\n");
        } else {
            send(exchange, 200, CONTENT_TYPE, metrics.scrape());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return http.getAddress().getPort();
    }

    @Override
    public void close() {
        http.stop(0);
        thread.shutdownNow();
    }
}
