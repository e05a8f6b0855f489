package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.service.PolicyService;

/** Staged rollouts of a version to a group: listed, promoted, halted or resumed by an operator. */
final class RolloutsApi {

    record HaltRequest(String reason) {
    }

    private final PolicyService policies;

    RolloutsApi(PolicyService policies) {
        this.policies = policies;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/rollouts", Access.ADMIN, 0, c -> Reply.ok(policies.rollouts())),
                new Route(HandlerType.POST, "/api/v1/rollouts/{group}/{kernel}/{version}/promote", Access.ADMIN, 0, this::promote),
                new Route(HandlerType.POST, "/api/v1/rollouts/{group}/{kernel}/{version}/halt", Access.ADMIN, Route.JSON_LIMIT, this::halt),
                new Route(HandlerType.POST, "/api/v1/rollouts/{group}/{kernel}/{version}/resume", Access.ADMIN, 0,
                        c -> Reply.ok(policies.resume(c.pathGroup("group"), c.pathKernel("kernel"), version(c), c.now()))));
    }

    private Reply promote(Call call) {
        return Reply.ok(policies.promote(call.pathGroup("group"), call.pathKernel("kernel"), version(call), call.now()));
    }

    private Reply halt(Call call) {
        HaltRequest req = call.optionalBody(HaltRequest.class);
        return Reply.ok(policies.halt(call.pathGroup("group"), call.pathKernel("kernel"), version(call), req == null ? null : req.reason(), call.now()));
    }

    private static int version(Call call) {
        return call.pathInt("version", 1, PinsApi.MAX_VERSION);
    }
}
