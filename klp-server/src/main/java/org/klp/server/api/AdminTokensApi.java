package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.List;
import org.klp.server.service.AdminTokenService;

/** Admin tokens: made (shown once, optionally expiring), listed without their secrets, revoked (at once, on every instance). */
final class AdminTokensApi {

    record TokenRequest(String label, String expiresAt) {
    }

    record TokenView(long id, String label, Instant createdAt, Instant expiresAt, Instant revokedAt, String state, boolean yours) {
    }

    private final AdminTokenService tokens;

    AdminTokensApi(AdminTokenService tokens) {
        this.tokens = tokens;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/admin-tokens", Access.ADMIN, 0, this::list),
                new Route(HandlerType.POST, "/api/v1/admin-tokens", Access.ADMIN, Route.JSON_LIMIT, this::create),
                new Route(HandlerType.DELETE, "/api/v1/admin-tokens/{id}", Access.ADMIN, 0, this::revoke));
    }

    private Reply list(Call call) {
        long caller = ((Caller.Admin) call.caller()).tokenId();
        return Reply.ok(tokens.list().stream().map(t -> new TokenView(t.id(), t.label(), t.createdAt(), t.expiresAt(), t.revokedAt(),
                t.state(call.now()), t.id() == caller)).toList());
    }

    private Reply create(Call call) {
        TokenRequest req = call.optionalBody(TokenRequest.class);
        String label = req == null ? null : req.label();
        Instant expires = req == null || req.expiresAt() == null ? null : Fields.instant(req.expiresAt(), "expiresAt");
        return Reply.created(tokens.issue(label, expires, call.now()));
    }

    private Reply revoke(Call call) {
        tokens.revoke(call.pathId("id"), call.now());
        return Reply.noContent();
    }

}
