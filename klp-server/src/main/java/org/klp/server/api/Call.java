package org.klp.server.api;

import io.javalin.http.Context;
import java.time.Instant;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.Quote;

/** One request as a route sees it: the authenticated caller, the bounded body, parameters. */
public final class Call {

    private final Context ctx;
    private final Caller caller;
    private final byte[] body;
    private final java.io.InputStream bodyStream;
    private final Instant now;
    private final Renderer.Format format;

    Call(Context ctx, Caller caller, byte[] body, java.io.InputStream bodyStream, Instant now, Renderer.Format format) {
        this.ctx = ctx;
        this.caller = caller;
        this.body = body;
        this.bodyStream = bodyStream;
        this.now = now;
        this.format = format;
    }

    /** The body as it arrives, on a route that streams it ({@link Route#streaming}); bounded by the route's limit. */
    public java.io.InputStream bodyStream() {
        if (bodyStream == null) {
            throw new IllegalStateException("route does not stream its body");
        }
        return bodyStream;
    }

    /** The caller asked for CSV ({@code format=csv}): routes list every row by default then, not a first page. */
    public boolean csv() {
        return format == Renderer.Format.CSV;
    }

    public Caller caller() {
        return caller;
    }

    public Caller.System system() {
        if (caller instanceof Caller.System s) {
            return s;
        }
        throw new IllegalStateException("route is not for systems");
    }

    public byte[] body() {
        return body;
    }

    public <T> T body(Class<T> type) {
        return JsonCodec.read(body, type);
    }

    /** The body as JSON of {@code type}, or null when the body is empty (optional bodies). */
    public <T> T optionalBody(Class<T> type) {
        return body.length == 0 ? null : JsonCodec.read(body, type);
    }

    public Instant now() {
        return now;
    }

    public String path(String name) {
        return ctx.pathParam(name);
    }

    /** A path parameter that is a positive id (a system, a token, a code); ids beyond any row's are refused, not wrapped. */
    public long pathId(String name) {
        return pathNumber(name, 1, Long.MAX_VALUE);
    }

    /** A path parameter that is a whole number from {@code min} to {@code max} ({@code …/4294967299/halt} is refused, not read as 3). */
    public int pathInt(String name, int min, int max) {
        return (int) pathNumber(name, min, max);
    }

    private long pathNumber(String name, long min, long max) {
        String v = ctx.pathParam(name);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidInput(name, "path parameter " + name + " must be " + (max == Long.MAX_VALUE ? "a positive number"
                    : "a whole number from " + min + " to " + max) + ", was '" + Quote.clip(v, 40) + "'");
        }
    }

    /** A path parameter that is a kernel release ({@code uname -r} or package form). */
    public KernelRelease pathKernel(String name) {
        return Fields.kernel(ctx.pathParam(name), name);
    }

    /** A path parameter that is a group name. */
    public String pathGroup(String name) {
        return Fields.group(ctx.pathParam(name), name);
    }

    public String query(String name) {
        String v = ctx.queryParam(name);
        return v == null || v.isEmpty() ? null : v;
    }

    public Integer queryInt(String name, int min, int max) {
        String v = query(name);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidInput(name, "query parameter " + name + " must be a whole number from " + min + " to " + max + ", was '"
                    + Quote.clip(v, 40) + "'");
        }
    }

    public Instant queryInstant(String name) {
        String v = query(name);
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidInput(name, "query parameter " + name + " must be an ISO-8601 instant such as 2025-01-31T12:00:00Z, was '"
                    + Quote.clip(v, 40) + "'");
        }
    }

    public String header(String name) {
        return ctx.header(name);
    }

    /** Sets a header of the answer (the dashboard's files say how browsers may cache them). */
    public void responseHeader(String name, String value) {
        ctx.header(name, value);
    }
}
