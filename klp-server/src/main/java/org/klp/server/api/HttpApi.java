package org.klp.server.api;

import org.klp.server.service.Quote;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.klp.server.metrics.ServerMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server: registers exactly the given {@link Route}s, authenticates each request for its
 * route's {@link Access}, reads its body within the route's limit, and turns every failure into
 * a JSON error body {@code {"type": "error", "status": N, "error": "message"}} (SCC's shape, which
 * SUSEConnect reads). Every answer carries the {@link #SECURITY_HEADERS}.
 */
public final class HttpApi {

    /**
     * The browser's rules for everything this server sends, the dashboard's pages and the API's JSON
     * alike. The dashboard is static files that load only this server's scripts, styles and images
     * and talk only to this server: no inline script or style, no framing, no form submission (the
     * login form is handled by script, so a token never lands in a URL). Trusted Types make every
     * string handed to an HTML sink ({@code innerHTML} and the like) throw, so data from the API can
     * only ever become text. No {@code Access-Control-*} header is ever sent: pages of other origins
     * cannot read the API, and the admin token travels in a header, never in a cookie.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
            + " base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

    static final java.util.Map<String, String> SECURITY_HEADERS = java.util.Map.of(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options", "nosniff",
            "X-Frame-Options", "DENY",
            "Referrer-Policy", "no-referrer",
            "Cross-Origin-Opener-Policy", "same-origin");

    private final Javalin app;
    private final ConnectionGuard guard;
    /** Where the connector binds, set by {@link #start} before Javalin builds it. */
    private final String[] bindHost;
    private final int[] bindPort;

    private HttpApi(Javalin app, ConnectionGuard guard, String[] bindHost, int[] bindPort) {
        this.app = app;
        this.guard = guard;
        this.bindHost = bindHost;
        this.bindPort = bindPort;
    }

    /** The route a request matched and when it arrived, for the metrics of its answer. */
    private static final String ROUTE = "klp.route";
    private static final String STARTED = "klp.started";

    static HttpApi create(List<Route> routes, Authenticator auth, Clock clock, HttpLimits limits, ServerMetrics metrics) {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8, 60_000);
        threads.setName("klp-http");
        ErrorMapper errors = new ErrorMapper();
        ConnectionGuard guard = new ConnectionGuard(limits, Route.PACKAGE_LIMIT);
        String[] bind = new String[1];
        int[] bindPort = new int[1];
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = Route.PACKAGE_LIMIT;
            config.jetty.threadPool = threads;
            // one connector of our own, so that every connection passes the guard's limits and deadlines
            config.jetty.addConnector((server, http) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                connector.setHost(bind[0]);
                connector.setPort(bindPort[0]);
                connector.setIdleTimeout(limits.idleTimeout().toMillis());
                connector.addEventListener(guard);
                return connector;
            });
            // what Jetty refuses before a route sees it is answered in the API's shape too
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(new JsonErrorHandler()));
            for (Route r : routes) {
                Handler handler = ctx -> {
                    ctx.attribute(ROUTE, r.path());
                    ctx.attribute(STARTED, System.nanoTime());
                    handle(ctx, r, auth, clock);
                };
                config.routes.addHttpHandler(r.method(), r.path(), handler);
                if (r.method() == HandlerType.GET) {
                    // HEAD is GET without the body: the same credentials, the same headers (Javalin alone answers 200 to anyone)
                    config.routes.addHttpHandler(HandlerType.HEAD, r.path(), handler);
                }
            }
            // called once the answer is complete, errors mapped: the status is final
            config.requestLogger.http((ctx, millis) -> {
                Long started = ctx.attribute(STARTED);
                long nanos = started != null ? System.nanoTime() - started : (long) (millis * 1_000_000L);
                metrics.request(ctx.attribute(ROUTE), ctx.method().name(), ctx.statusCode(), nanos, null);
            });
            config.routes.exception(Exception.class, (e, ctx) -> {
                ErrorMapper.Answer a = errors.map(e, ctx.method().name() + " " + ctx.path(), ctx.attribute(CALLER));
                error(ctx, a.status(), a.message());
            });
            config.routes.error(404, "*", ctx -> {
                if (!isJsonError(ctx)) {
                    error(ctx, 404, "no such endpoint: " + ctx.method() + " " + Quote.clip(ctx.path(), 200) + " (see /api/openapi.json)");
                }
            });
            config.routes.error(405, "*", ctx -> {
                if (!isJsonError(ctx)) {
                    error(ctx, 405, "method " + ctx.method() + " is not allowed on " + Quote.clip(ctx.path(), 200) + " (see /api/openapi.json)");
                }
            });
        });
        return new HttpApi(app, guard, bind, bindPort);
    }

    /** The request attribute holding the authenticated {@link Caller}, for the log line of a failure. */
    private static final String CALLER = "klp.caller";

    private static boolean isJsonError(Context ctx) {
        return "application/json".equals(ctx.res().getContentType()) && ctx.attribute("klp.error") != null;
    }

    private static void handle(Context ctx, Route r, Authenticator auth, Clock clock) throws Exception {
        securityHeaders(ctx);
        if (r.access() != Access.PUBLIC) {
            // operators' and systems' records stay out of every cache
            ctx.header("Cache-Control", "no-store");
        }
        boolean read = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
        // a route that answers bytes (an export) reads format= itself; a view is JSON or CSV, and anything else is refused when it is rendered
        String requested = read ? ctx.queryParam("format") : null;
        Renderer.Format format = "csv".equals(requested) ? Renderer.Format.CSV : Renderer.Format.JSON;
        Caller caller = auth.authenticate(r.access(), ctx.header("Authorization"), r.checkedByWrite());
        ctx.attribute(CALLER, caller);
        byte[] body;
        InputStream stream = null;
        if (r.streamsBody()) {
            body = new byte[0];
            stream = bodyStream(ctx, r.maxBody());
        } else {
            body = readBody(ctx, r.maxBody());
        }
        Reply reply = r.action().handle(new Call(ctx, caller, body, stream, clock.instant(), format));
        if (reply instanceof Reply.Json j) {
            Renderer.Rendered out = Renderer.render(j.body(), Renderer.Format.parse(requested), r.method() + " " + r.path());
            ctx.status(j.status()).contentType(out.contentType()).result(out.body());
        } else if (reply instanceof Reply.Bytes b) {
            ctx.status(b.status()).contentType(b.contentType()).result(b.body());
        } else if (reply instanceof Reply.Redirect to) {
            ctx.status(302).header("Location", to.location());
        } else {
            ctx.status(204);
        }
    }

    /**
     * The body as a stream of at most {@code limit} bytes, for a route that reads it as it comes:
     * a declared length over the limit is refused before anything is read; past the limit, or when
     * the connection guard cuts a body that missed its deadline, reading stops with a refusal.
     */
    private static InputStream bodyStream(Context ctx, int limit) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw ApiException.badRequest("request body too large: " + declared + " bytes; the limit for this endpoint is " + limit + " bytes");
        }
        InputStream in = ctx.req().getInputStream();
        return new InputStream() {
            private long read;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n;
                try {
                    n = in.read(b, off, len);
                } catch (IOException e) {
                    throw new ApiException(408, "the request body did not arrive in time (what came before may have been stored;"
                            + " sending it again is harmless)");
                }
                if (n > 0 && (read += n) > limit) {
                    throw ApiException.badRequest("request body too large: more than " + limit + " bytes (what came before may have"
                            + " been stored); split it");
                }
                return n;
            }
        };
    }

    /**
     * Reads at most {@code limit} bytes of body; a larger one is refused before it is read whole.
     * A GET has a body only on a route that declares a limit (SUSEConnect sends its product query
     * as a JSON body on {@code GET /connect/systems/products}).
     */
    private static byte[] readBody(Context ctx, int limit) throws IOException {
        if ((ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD) && limit == 0) {
            return new byte[0];
        }
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw ApiException.badRequest("request body too large: " + declared + " bytes; the limit for this endpoint is " + limit + " bytes");
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] data = in.readNBytes(limit + 1);
            if (data.length > limit) {
                throw ApiException.badRequest("request body too large: more than " + limit + " bytes; the limit for this endpoint is "
                        + limit + " bytes");
            }
            return data;
        } catch (IOException e) {
            // the connection guard closed it (the body missed its deadline), or the client went away
            throw new ApiException(408, "the request body did not arrive in time; send it at once, or at least "
                    + "a few hundred KiB per second");
        }
    }

    private static void securityHeaders(Context ctx) {
        SECURITY_HEADERS.forEach(ctx::header);
    }

    static void error(Context ctx, int status, String message) {
        securityHeaders(ctx);
        ctx.attribute("klp.error", true);
        boolean scc = ConnectApi.isSccPath(ctx.path());
        if (scc && status == 401 && !ctx.path().equals("/connect/subscriptions/systems")) {
            // zypper (libcurl) sends a service's credentials only when asked for them
            ctx.header("WWW-Authenticate", "Basic realm=\"klp\"");
        }
        ctx.status(status).contentType("application/json")
                .result(JsonCodec.write(scc ? new SccErrorBody("error", status, message, message) : new ErrorBody("error", status, message)));
    }

    /** The error body of every failure. */
    public record ErrorBody(String type, int status, String error) {
    }

    /**
     * The error body on SCC's routes: SCC's and RMT's shape, which SUSEConnect prints
     * ({@code localized_error} when present, else {@code error}), with klp's status besides.
     */
    public record SccErrorBody(String type, int status, String error, @com.fasterxml.jackson.annotation.JsonProperty("localized_error") String localizedError) {
    }

    public HttpApi start(String host, int port) {
        bindHost[0] = host;
        bindPort[0] = port;
        try {
            app.start();
        } catch (RuntimeException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof java.net.BindException) {
                throw new IllegalStateException("Port " + port + " on " + host + " is already in use; make sure no other process uses it,"
                        + " or choose another with --port", e);
            }
            throw e;
        }
        return this;
    }

    public int port() {
        return app.port();
    }

    public Javalin javalin() {
        return app;
    }

    public void stop() {
        app.stop();
        guard.stop();
    }
}
