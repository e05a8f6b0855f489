package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.klp.core.audit.Verdict;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.server.audit.SystemListing;
import org.klp.server.catalog.CatalogService;
import org.klp.server.service.FleetService;
import org.klp.server.service.InvalidInput;
import org.klp.server.store.SystemEvent;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/** Registered systems for operators: list with filters, search and sorting, one system, its history, its group, deletion. */
final class SystemsApi {

    /** A system with what the CVE audit says of it: its worst verdict, its kernel's end of support, the age of its last check-in. */
    record SystemView(long id, String login, String hostname, String group, Instant registeredAt, Instant lastSeen, Instant lastCheckin,
                      Long checkinAgeSeconds, long checkins, HostPosture posture, Instant postureSince, long newTaint, Verdict worstVerdict,
                      LocalDate endOfSupport, String support) {
        static SystemView of(SystemListing.Listed l) {
            SystemRecord r = l.system();
            return new SystemView(r.id(), r.login(), r.hostname(), r.group(), r.registeredAt(), r.lastSeen(), r.lastCheckin(),
                    l.checkinAgeSeconds(), r.checkins(), r.posture(), r.postureSince(), r.newTaint(), l.worstVerdict(), l.endOfSupport(), l.support());
        }
    }

    /** A page of systems; as CSV one row per system. */
    record SystemPageView(long total, int limit, long offset, List<SystemView> systems) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("id", "hostname", "group", "registered_at", "last_seen", "last_checkin", "checkins", "kernel", "loaded_version",
                    "transition", "forced", "worst_verdict", "end_of_support", "support");
        }

        @Override
        public List<List<Object>> rows() {
            return systems.stream().map(s -> java.util.Arrays.<Object>asList(s.id(), s.hostname(), s.group(), s.registeredAt(), s.lastSeen(),
                    s.lastCheckin(), s.checkins(), s.posture() == null ? null : s.posture().kernel(),
                    s.posture() == null ? null : s.posture().loadedVersion(), s.posture() == null ? null : s.posture().transition(),
                    s.posture() == null ? null : s.posture().forced(), s.worstVerdict(), s.endOfSupport(), s.support())).toList();
        }
    }

    record SystemDetailView(SystemView system, List<String> activations, DesiredState desired) {
    }

    record GroupRequest(String group) {
    }

    record MovedView(long id, String group) {
    }

    private final FleetService fleet;
    private final CatalogService catalog;

    SystemsApi(FleetService fleet, CatalogService catalog) {
        this.fleet = fleet;
        this.catalog = catalog;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/systems", Access.ADMIN, 0, this::list),
                new Route(HandlerType.GET, "/api/v1/systems/{id}", Access.ADMIN, 0, this::system),
                new Route(HandlerType.GET, "/api/v1/systems/{id}/history", Access.ADMIN, 0, this::history),
                new Route(HandlerType.PUT, "/api/v1/systems/{id}/group", Access.ADMIN, Route.JSON_LIMIT, this::move),
                new Route(HandlerType.DELETE, "/api/v1/systems/{id}", Access.ADMIN, 0, this::delete));
    }

    private Reply list(Call call) {
        int limit = orDefault(call.queryInt("limit", 1, 10_000), call.csv() ? 10_000 : 100);
        long offset = orDefault(call.queryInt("offset", 0, Integer.MAX_VALUE), 0);
        String order = orDefault(call.query("order"), "asc");
        if (!order.equals("asc") && !order.equals("desc")) {
            throw new InvalidInput("order", "order must be asc or desc, was '" + org.klp.server.service.Quote.clip(order, 40) + "'");
        }
        SystemListing.Sort sort;
        try {
            sort = SystemListing.Sort.parse(orDefault(call.query("sort"), "id"));
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("sort", e.getMessage());
        }
        FleetService.SystemPage page = fleet.list(filter(call), sort, order.equals("desc"), limit, offset);
        return Reply.ok(new SystemPageView(page.total(), page.limit(), page.offset(), page.systems().stream().map(SystemView::of).toList()));
    }

    private SystemStore.Filter filter(Call call) {
        String kernel = call.query("kernel") == null ? null : Fields.kernel(call.query("kernel"), "kernel").uname();
        String group = call.query("group") == null ? null : Fields.group(call.query("group"), "group");
        Integer product = call.query("product") == null ? null : catalog.productByTriplet(call.query("product")).id();
        String state = call.query("state");
        if (state != null && !SystemStore.Filter.STATES.contains(state)) {
            throw new InvalidInput("state", "state must be one of " + String.join(", ", SystemStore.Filter.STATES) + ", was '"
                    + org.klp.server.service.Quote.clip(state, 40) + "'");
        }
        String hostname = call.query("hostname");
        try {
            return new SystemStore.Filter(kernel, call.queryInt("version", 0, 1_000_000), group, product, state, call.queryInstant("seenBefore"),
                    call.queryInstant("seenAfter"), hostname);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("hostname", e.getMessage());
        }
    }

    private Reply system(Call call) {
        FleetService.SystemDetail d = fleet.detail(call.pathId("id"));
        return Reply.ok(new SystemDetailView(SystemView.of(d.system()), d.activations(), d.desired()));
    }

    private Reply history(Call call) {
        List<SystemEvent> events = fleet.history(call.pathId("id"), orDefault(call.queryInt("limit", 1, 10_000), 100));
        return Reply.ok(events);
    }

    private Reply move(Call call) {
        long id = call.pathId("id");
        String group = Fields.group(Fields.required(call.body(GroupRequest.class).group(), "group"), "group");
        fleet.move(id, group, call.now());
        return Reply.ok(new MovedView(id, group));
    }

    private Reply delete(Call call) {
        fleet.delete(call.pathId("id"), call.now());
        return Reply.noContent();
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }
}
