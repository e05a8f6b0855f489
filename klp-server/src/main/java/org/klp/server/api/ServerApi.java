package org.klp.server.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.klp.server.audit.AuditService;
import org.klp.server.audit.CveImporter;
import org.klp.server.catalog.CatalogService;
import org.klp.server.export.ExportSource;
import org.klp.server.metrics.ServerMetrics;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.service.AdminTokenService;
import org.klp.server.service.CheckinService;
import org.klp.server.service.FleetService;
import org.klp.server.service.PolicyService;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.service.SystemCredentials;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.SystemStore;

/** Every route of the server (systems', operators', public, the dashboard's files) on one HTTP server, one resource per class. */
public final class ServerApi {

    /** What the API's resources call: the application services, and the stores the read-only ones read. */
    public record Services(Jdbi jdbi, SystemStore systems, RegistrationStore registrations, CatalogStore catalogStore, CatalogService catalog,
                           PolicyEngine engine, FleetService fleet, PolicyService policies, CheckinService checkins, AdminTokenService tokens,
                           RegistrationCodeService codes, SystemCredentials credentials, AuditService audit, CveImporter importer, Path reposDir,
                           Clock clock, HttpLimits limits, ExportSource exports, ServerMetrics metrics) {
    }

    private final List<Route> routes;
    private final HttpApi http;

    private ServerApi(List<Route> routes, HttpApi http) {
        this.routes = routes;
        this.http = http;
    }

    public static ServerApi create(Services s) {
        Authenticator auth = new Authenticator(s.credentials(), s.tokens(), s.codes(), s.clock());
        List<Route> routes = new ArrayList<>();
        routes.addAll(new PublicApi(s.reposDir(), s.audit()).routes());
        routes.addAll(new Dashboard().routes());
        routes.addAll(new ConnectApi(s.jdbi(), s.systems(), s.registrations(), s.catalogStore(), s.engine(), s.codes(), s.fleet(), s.credentials())
                .routes());
        routes.addAll(new CheckinApi(s.checkins()).routes());
        routes.addAll(new SummaryApi(s.fleet()).routes());
        routes.addAll(new SystemsApi(s.fleet(), s.catalog()).routes());
        routes.addAll(new GroupsApi(s.policies()).routes());
        routes.addAll(new PinsApi(s.policies()).routes());
        routes.addAll(new RolloutsApi(s.policies()).routes());
        routes.addAll(new ProductsApi(s.catalog(), s.catalogStore()).routes());
        routes.addAll(new KernelsApi(s.catalog(), s.catalogStore(), s.engine()).routes());
        routes.addAll(new LivePatchesApi(s.catalog(), s.catalogStore()).routes());
        routes.addAll(new RegistrationCodesApi(s.codes(), s.catalog()).routes());
        routes.addAll(new AdminTokensApi(s.tokens()).routes());
        routes.addAll(new CveFeedApi(s.importer(), s.engine()).routes());
        routes.addAll(new AuditApi(s.audit(), s.systems(), s.catalog(), s.engine()).routes());
        routes.addAll(new ExportApi(s.exports(), s.engine()::baseUrl).routes());
        routes.addAll(new LifecycleApi(s.exports(), () -> s.engine().snapshot().generation(), s.clock()).routes());
        return new ServerApi(List.copyOf(routes), HttpApi.create(routes, auth, s.clock(), s.limits(), s.metrics()));
    }

    public List<Route> routes() {
        return routes;
    }

    /** "METHOD path" of every endpoint Javalin registered. */
    public List<String> registered() {
        // HEAD is registered beside every GET (the same route without its body), not a route of its own
        return http.javalin().unsafe.internalRouter.allHttpHandlers().stream().filter(e -> e.endpoint.method != io.javalin.http.HandlerType.HEAD)
                .map(e -> e.endpoint.method.name() + " " + e.endpoint.path).toList();
    }

    public void start(String host, int port) {
        http.start(host, port);
    }

    public int port() {
        return http.port();
    }

    public void stop() {
        http.stop();
    }
}
