package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.audit.CveImporter;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.service.InvalidInput;

/** The CVE feed (JSON Lines): each line stored or refused on its own, with its line number; refusals listed up to 100 and counted. */
final class CveFeedApi {

    private final CveImporter importer;
    private final PolicyEngine engine;

    CveFeedApi(CveImporter importer, PolicyEngine engine) {
        this.importer = importer;
        this.engine = engine;
    }

    List<Route> routes() {
        return List.of(Route.streaming(HandlerType.POST, "/api/v1/cves", Access.ADMIN, Route.PACKAGE_LIMIT, this::importFeed));
    }

    /** Read as it arrives and stored a chunk at a time: the server's memory does not follow the feed's size. */
    private Reply importFeed(Call call) throws java.io.IOException {
        CveImporter.Report report = importer.importFeed(call.bodyStream());
        if (report.lines() == 0) {
            throw new InvalidInput("body", "send the CVE feed as the request body: JSON Lines, one CVE record per line (see README, CVE feed)");
        }
        if (report.added() + report.updated() > 0) {
            engine.invalidate();
        }
        return Reply.ok(report);
    }
}
