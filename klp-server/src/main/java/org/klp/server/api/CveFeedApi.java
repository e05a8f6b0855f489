package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.audit.CveFeed;
import org.klp.server.audit.CveImporter;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.service.InvalidInput;

/** The CVE feed (JSON Lines): each line stored or refused on its own, with its line number. */
final class CveFeedApi {

    private final CveImporter importer;
    private final PolicyEngine engine;

    CveFeedApi(CveImporter importer, PolicyEngine engine) {
        this.importer = importer;
        this.engine = engine;
    }

    List<Route> routes() {
        return List.of(new Route(HandlerType.POST, "/api/v1/cves", Access.ADMIN, Route.PACKAGE_LIMIT, this::importFeed));
    }

    private Reply importFeed(Call call) {
        if (call.body().length == 0) {
            throw new InvalidInput("body", "send the CVE feed as the request body: JSON Lines, one CVE record per line (see README, CVE feed)");
        }
        CveFeed.Parsed feed;
        try {
            feed = CveFeed.parse(call.body());
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("body", e.getMessage());
        }
        CveImporter.Report report = importer.importFeed(feed);
        if (report.added() + report.updated() > 0) {
            engine.invalidate();
        }
        return Reply.ok(report);
    }
}
