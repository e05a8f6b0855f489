package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.service.FleetService;

/**
 * The fleet at a glance: hosts by posture class and status, by worst verdict, groups, halted
 * rollouts and the top CVEs, every figure from one read of the audit so that none contradicts another.
 */
final class SummaryApi {

    private final FleetService fleet;

    SummaryApi(FleetService fleet) {
        this.fleet = fleet;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.GET, "/api/v1/summary", Access.ADMIN, 0,
                c -> Reply.ok(fleet.overview(c.queryInt("top", 0, 1000) == null ? 5 : c.queryInt("top", 0, 1000)))));
    }
}
