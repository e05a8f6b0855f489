package org.klp.server.api;

import io.javalin.http.HandlerType;

/**
 * One route of the API: method, path (Javalin's and OpenAPI's {@code {param}} syntax), who may
 * call it, the largest body it reads, and what it does. The server registers exactly these, and a
 * test checks them against {@code /api/openapi.json} both ways.
 */
public record Route(HandlerType method, String path, Access access, int maxBody, boolean streamsBody, Action action) {

    public Route(HandlerType method, String path, Access access, int maxBody, Action action) {
        this(method, path, access, maxBody, false, action);
    }

    /** A route that reads its body as it arrives ({@link Call#bodyStream()}, at most {@code maxBody} bytes), never whole: the CVE feed. */
    public static Route streaming(HandlerType method, String path, Access access, int maxBody, Action action) {
        return new Route(method, path, access, maxBody, true, action);
    }

    /**
     * The check-in's own write finds a system deleted since its credentials were cached (its row is
     * gone), so its authentication may take a cached entry of any age (see {@code SystemCredentials}).
     */
    public boolean checkedByWrite() {
        return access == Access.SYSTEM && path.equals("/connect/systems/checkin");
    }

    public static final int JSON_LIMIT = 64 * 1024;
    public static final int PACKAGE_LIMIT = 64 * 1024 * 1024;

    /** What a route does with a request; it sees the authenticated caller and the bounded body. */
    @FunctionalInterface
    public interface Action {
        Reply handle(Call call) throws Exception;
    }
}
