package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.server.service.CheckinService;

/**
 * klp's check-in ({@code POST /connect/systems/checkin}): a registered system reports its posture
 * and gets the desired state. The caller is authenticated before its body is read; the posture is
 * checked whole against storage and every later reader before it is queued, so a bad check-in is
 * refused alone with 400 naming its field (see {@code PostureRules}).
 */
final class CheckinApi {

    record CheckinRequest(HostPosture posture, String agent) {
        CheckinRequest {
            if (posture == null) {
                throw new IllegalArgumentException("a check-in needs a posture");
            }
        }
    }

    record CheckinReply(long systemId, String group, DesiredState desired) {
    }

    private final CheckinService checkins;

    CheckinApi(CheckinService checkins) {
        this.checkins = checkins;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.POST, "/connect/systems/checkin", Access.SYSTEM, Route.JSON_LIMIT, this::checkin));
    }

    private Reply checkin(Call call) throws InterruptedException {
        CheckinRequest req = call.body(CheckinRequest.class);
        CheckinService.Outcome o = checkins.checkIn(call.system().id(), req.posture(), req.agent(), call.now());
        return Reply.ok(new CheckinReply(o.systemId(), o.group(), o.desired()));
    }
}
