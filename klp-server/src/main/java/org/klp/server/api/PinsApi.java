package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.service.PolicyService;
import org.klp.server.store.PolicyStore;

/** Pins: a kernel's live patch held at a version for a group, or for the whole fleet ({@code {"back": 1}} is N-1). */
final class PinsApi {

    static final int MAX_VERSION = 1_000_000;
    static final int MAX_BACK = 1_000;

    record PinRequest(Integer version, Integer back) {
    }

    private final PolicyService policies;

    PinsApi(PolicyService policies) {
        this.policies = policies;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/pins", Access.ADMIN, 0, c -> Reply.ok(policies.pins())),
                new Route(HandlerType.PUT, "/api/v1/groups/{name}/pins/{kernel}", Access.ADMIN, Route.JSON_LIMIT, c -> pin(c, c.pathGroup("name"))),
                new Route(HandlerType.DELETE, "/api/v1/groups/{name}/pins/{kernel}", Access.ADMIN, 0, c -> unpin(c, c.pathGroup("name"))),
                new Route(HandlerType.PUT, "/api/v1/pins/{kernel}", Access.ADMIN, Route.JSON_LIMIT, c -> pin(c, PolicyStore.EVERY_GROUP)),
                new Route(HandlerType.DELETE, "/api/v1/pins/{kernel}", Access.ADMIN, 0, c -> unpin(c, PolicyStore.EVERY_GROUP)));
    }

    private Reply pin(Call call, String group) {
        PinRequest req = call.body(PinRequest.class);
        Integer version = req.version() == null ? null : (int) Fields.range(req.version(), 1, MAX_VERSION, "version");
        Integer back = req.back() == null ? null : (int) Fields.range(req.back(), 0, MAX_BACK, "back");
        return Reply.ok(policies.pin(group, call.pathKernel("kernel"), version, back, call.now()));
    }

    private Reply unpin(Call call, String group) {
        policies.unpin(group, call.pathKernel("kernel"));
        return Reply.noContent();
    }
}
