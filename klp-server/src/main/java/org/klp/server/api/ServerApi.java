package org.klp.server.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.klp.server.audit.AuditService;
import org.klp.server.audit.CveImporter;
import org.klp.server.catalog.CatalogService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.RolloutSupervisor;
import org.klp.server.store.AdminTokenStore;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CheckinWriter;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.SystemStore;

/** Every route of the server (systems', operators', public, the dashboard's files) on one HTTP server. */
public final class ServerApi {

    private final List<Route> routes;
    private final HttpApi http;

    private ServerApi(List<Route> routes, HttpApi http) {
        this.routes = routes;
        this.http = http;
    }

    public static ServerApi create(Jdbi jdbi, SystemStore systems, RegistrationStore registrations, CatalogStore catalog, PolicyStore policies,
                                   AdminTokenStore tokens, CheckinWriter writer, CatalogService publishing, PolicyEngine engine,
                                   RolloutSupervisor supervisor, Path reposDir, Clock clock, AuditService audit, CveImporter importer) {
        Authenticator auth = new Authenticator(systems, tokens);
        List<Route> routes = new ArrayList<>();
        routes.addAll(new PublicApi(reposDir).routes());
        routes.addAll(new Dashboard().routes());
        routes.addAll(new ConnectApi(jdbi, systems, registrations, catalog, writer, engine, auth, audit).routes());
        routes.addAll(new AdminApi(jdbi, systems, registrations, catalog, policies, tokens, publishing, engine, supervisor, auth, clock, writer,
                audit).routes());
        routes.addAll(new AuditApi(audit, importer, systems, publishing, engine).routes());
        return new ServerApi(List.copyOf(routes), HttpApi.create(routes, auth, clock));
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
