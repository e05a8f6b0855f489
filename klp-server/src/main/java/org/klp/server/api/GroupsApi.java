package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Duration;
import java.util.List;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.PolicyService;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.UpdatePolicy;

/** Groups of systems and their policy (latest, pin, staged; kernel lock; what hosts do when a transition blocks). */
final class GroupsApi {

    /** The longest soak a staged rollout may wait before promotion. */
    static final long MAX_SOAK_SECONDS = 90L * 86_400;
    /** The longest a host may wait for a transition: beyond it the host tool's deadline means nothing. */
    static final long MAX_TRANSITION_TIMEOUT_SECONDS = 86_400;

    record GroupRequest(String policy, String canaryGroup, Long soakSeconds, Integer minCanaries, Boolean kernelLock, String onTimeout,
                        Long transitionTimeoutSeconds) {
    }

    /** A group's policy as operators write it: {@code policy} latest, pin or staged; the staged fields null otherwise. */
    record GroupView(String name, String policy, String canaryGroup, Long soak, Integer minCanaries, boolean kernelLock, String onTimeout,
                     long transitionTimeout) {
        static GroupView of(GroupPolicy g) {
            UpdatePolicy.Staged st = g.staged();
            return new GroupView(g.name(), g.update().word(), g.canaryGroup(), st == null ? null : st.soak().toSeconds(),
                    st == null ? null : st.minCanaries(), g.kernelLock(), g.onTimeout().word(), g.transitionTimeout().toSeconds());
        }
    }

    /** A group's policy, how many systems it holds, and its pins. */
    record GroupDetailView(GroupView group, long systems, List<org.klp.server.store.PolicyStore.Pin> pins) {
    }

    private final PolicyService policies;

    GroupsApi(PolicyService policies) {
        this.policies = policies;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/groups", Access.ADMIN, 0, c -> Reply.ok(policies.groups().stream().map(GroupView::of).toList())),
                new Route(HandlerType.GET, "/api/v1/groups/{name}", Access.ADMIN, 0, this::group),
                new Route(HandlerType.PUT, "/api/v1/groups/{name}", Access.ADMIN, Route.JSON_LIMIT, this::put),
                new Route(HandlerType.DELETE, "/api/v1/groups/{name}", Access.ADMIN, 0, this::delete));
    }

    private Reply put(Call call) {
        String name = call.pathGroup("name");
        GroupRequest req = call.body(GroupRequest.class);
        Duration soak = req.soakSeconds() == null ? null
                : Duration.ofSeconds(Fields.range(req.soakSeconds(), 0, MAX_SOAK_SECONDS, "soakSeconds"));
        Duration timeout = req.transitionTimeoutSeconds() == null ? null
                : Duration.ofSeconds(Fields.range(req.transitionTimeoutSeconds(), 1, MAX_TRANSITION_TIMEOUT_SECONDS, "transitionTimeoutSeconds"));
        GroupPolicy g;
        try {
            g = GroupPolicy.of(name, req.policy(), req.canaryGroup(), soak, req.minCanaries(), Boolean.TRUE.equals(req.kernelLock()),
                    req.onTimeout(), timeout);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(e.getMessage());
        }
        return Reply.ok(GroupView.of(policies.putGroup(g, call.now())));
    }

    private Reply group(Call call) {
        PolicyService.GroupDetail d = policies.group(call.pathGroup("name"));
        return Reply.ok(new GroupDetailView(GroupView.of(d.group()), d.systems(), d.pins()));
    }

    private Reply delete(Call call) {
        policies.deleteGroup(call.pathGroup("name"));
        return Reply.noContent();
    }
}
