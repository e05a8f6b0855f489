package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.klp.server.service.FleetService;

/** The fleet at a glance: hosts by posture class and status, groups, halted rollouts. */
final class SummaryApi {

    private final FleetService fleet;
    private final Clock clock;

    SummaryApi(FleetService fleet, Clock clock) {
        this.fleet = fleet;
        this.clock = clock;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.GET, "/api/v1/summary", Access.ADMIN, 0, c -> Reply.ok(fleet.status(LocalDate.now(clock)))));
    }
}
