package org.klp.server.api;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.List;
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

    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

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

    private HttpApi(Javalin app) {
        this.app = app;
    }

    /** The route a request matched and when it arrived, for the metrics of its answer. */
    private static final String ROUTE = "klp.route";
    private static final String STARTED = "klp.started";

    static HttpApi create(List<Route> routes, Authenticator auth, Clock clock, ServerMetrics metrics) {
        QueuedThreadPool threads = new QueuedThreadPool(256, 8, 60_000);
        threads.setName("klp-http");
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.prefer405over404 = true;
            config.http.maxRequestSize = Route.PACKAGE_LIMIT;
            config.jetty.threadPool = threads;
            for (Route r : routes) {
                config.routes.addHttpHandler(r.method(), r.path(), ctx -> {
                    ctx.attribute(ROUTE, r.path());
                    ctx.attribute(STARTED, System.nanoTime());
                    handle(ctx, r, auth, clock);
                });
            }
            // called once the answer is complete, errors mapped: the status is final
            config.requestLogger.http((ctx, millis) -> {
                Long started = ctx.attribute(STARTED);
                long nanos = started != null ? System.nanoTime() - started : (long) (millis * 1_000_000L);
                metrics.request(ctx.attribute(ROUTE), ctx.method().name(), ctx.statusCode(), nanos, null);
            });
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            });
            config.routes.error(404, "*", ctx -> {
                if (!isJsonError(ctx)) {
                    error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path() + " (see /api/openapi.json)");
                }
            });
            config.routes.error(405, "*", ctx -> {
                if (!isJsonError(ctx)) {
                    error(ctx, 405, "method " + ctx.method() + " is not allowed on " + ctx.path() + " (see /api/openapi.json)");
                }
            });
        });
        return new HttpApi(app);
    }

    private static boolean isJsonError(Context ctx) {
        return "application/json".equals(ctx.res().getContentType()) && ctx.attribute("klp.error") != null;
    }

    private static void handle(Context ctx, Route r, Authenticator auth, Clock clock) throws Exception {
        securityHeaders(ctx);
        if (r.access() != Access.PUBLIC) {
            // operators' and systems' records stay out of every cache
            ctx.header("Cache-Control", "no-store");
        }
        Caller caller = auth.authenticate(r.access(), ctx.header("Authorization"), r.defersAuthentication());
        byte[] body = readBody(ctx, r.maxBody());
        Reply reply = r.action().handle(new Call(ctx, caller, body, clock.instant()));
        if (reply instanceof Reply.Json j) {
            ctx.status(j.status()).contentType("application/json").result(JsonCodec.write(j.body()));
        } else if (reply instanceof Reply.Bytes b) {
            ctx.status(b.status()).contentType(b.contentType()).result(b.body());
        } else if (reply instanceof Reply.Redirect to) {
            ctx.status(302).header("Location", to.location());
        } else {
            ctx.status(204);
        }
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
        try {
            app.start(host, port);
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
    }
}
