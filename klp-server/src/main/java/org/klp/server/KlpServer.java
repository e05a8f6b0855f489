package org.klp.server;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.api.HttpLimits;
import org.klp.server.api.Route;
import org.klp.server.api.ServerApi;
import org.klp.server.audit.AuditService;
import org.klp.server.audit.CveImporter;
import org.klp.server.catalog.CatalogService;
import org.klp.server.catalog.PackageRepository;
import org.klp.server.export.ExportSource;
import org.klp.server.metrics.FleetNumbersReader;
import org.klp.server.metrics.MetricsEndpoint;
import org.klp.server.metrics.ServerMetrics;
import org.klp.server.catalog.SharedDataFolder;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.RolloutSupervisor;
import org.klp.server.service.AdminTokenService;
import org.klp.server.service.CheckinService;
import org.klp.server.service.FleetService;
import org.klp.server.service.PolicyService;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.service.SystemCredentials;
import org.klp.server.store.AdminTokenStore;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CheckinWriter;
import org.klp.server.store.CveStore;
import org.klp.server.store.Database;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.SystemStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The klp server: one instance of the REST API, registration, check-ins, policies and publishing
 * over one database. Several instances may share a PostgreSQL database: they keep no state of
 * their own but the CVE audit and caches, which follow the fleet feed every instance writes.
 *
 * <pre>{@code
 * try (KlpServer server = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dataDir, Database.h2(dataDir), packages,
 *         Clock.systemUTC(), null, 1000))) {
 *     String url = server.url();
 * }
 * }</pre>
 */
public final class KlpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KlpServer.class);

    /**
     * How to run: where to listen ({@code port} 0: any free port), the data folder (repositories),
     * the database, the package repository writer, the clock, and the URL hosts reach the server at
     * (null: {@code http://host:port}). {@code supervisePeriodMillis} 0 leaves rollouts to {@link #supervisor()}.
     * Prometheus metrics are served on {@code metricsHost:metricsPort} ({@link #NO_METRICS}: not at all; 0: any free port).
     */
    public record Config(String host, int port, Path dataDir, Database database, PackageRepository packages, Clock clock, String publicUrl,
                         long supervisePeriodMillis, java.time.Duration checkinInterval, String metricsHost, int metricsPort,
                         HttpLimits httpLimits) {

        public static final int NO_METRICS = -1;

        public Config(String host, int port, Path dataDir, Database database, PackageRepository packages, Clock clock, String publicUrl,
                      long supervisePeriodMillis, java.time.Duration checkinInterval) {
            this(host, port, dataDir, database, packages, clock, publicUrl, supervisePeriodMillis, checkinInterval, host, NO_METRICS,
                    HttpLimits.DEFAULT);
        }

        /** Hosts check in every hour (the agent's default), which the CVE audit's staleness follows. */
        public Config(String host, int port, Path dataDir, Database database, PackageRepository packages, Clock clock, String publicUrl,
                      long supervisePeriodMillis) {
            this(host, port, dataDir, database, packages, clock, publicUrl, supervisePeriodMillis, java.time.Duration.ofHours(1));
        }

        /** This configuration with Prometheus metrics on {@code host:port} (0: any free port). */
        public Config withMetrics(String host, int port) {
            return new Config(this.host, this.port, dataDir, database, packages, clock, publicUrl, supervisePeriodMillis, checkinInterval, host,
                    port, httpLimits);
        }

        /** The same with other connection limits and deadlines. */
        public Config withHttpLimits(HttpLimits limits) {
            return new Config(host, port, dataDir, database, packages, clock, publicUrl, supervisePeriodMillis, checkinInterval, metricsHost,
                    metricsPort, limits);
        }
    }

    private final Config config;
    private final CheckinWriter writer;
    private final ServerApi api;
    private final PolicyEngine engine;
    private final RolloutSupervisor supervisor;
    private final CatalogService catalog;
    private final AdminTokenService tokens;
    private final ScheduledExecutorService timer;
    private final String url;
    private final AuditService audit;
    private final CveImporter importer;
    private final ServerMetrics metrics;
    private final MetricsEndpoint metricsEndpoint;

    private KlpServer(Config config, CheckinWriter writer, ServerApi api, PolicyEngine engine, RolloutSupervisor supervisor, CatalogService catalog,
                      AdminTokenService tokens, ScheduledExecutorService timer, String url, AuditService audit, CveImporter importer,
                      ServerMetrics metrics, MetricsEndpoint metricsEndpoint) {
        this.metrics = metrics;
        this.metricsEndpoint = metricsEndpoint;
        this.audit = audit;
        this.importer = importer;
        this.config = config;
        this.writer = writer;
        this.api = api;
        this.engine = engine;
        this.supervisor = supervisor;
        this.catalog = catalog;
        this.tokens = tokens;
        this.timer = timer;
        this.url = url;
    }

    /** The fleet's credentials, read on a thread of their own: the server answers meanwhile (a miss reads the database). */
    private static void preload(SystemCredentials credentials) {
        Thread t = new Thread(() -> {
            try {
                long t0 = System.nanoTime();
                int n = credentials.preload();
                LOG.info("read the credentials of {} systems in {} ms", n, (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.warn("reading the fleet's credentials ahead failed (each system's first request reads its own): {}", e.toString());
            }
        }, "klp-credentials");
        t.setDaemon(true);
        t.start();
    }

    public static KlpServer start(Config config) {
        Database db = config.database();
        var jdbi = db.jdbi();
        // every instance on the database serves the same repositories, signed with the same key, from one shared folder
        SharedDataFolder shared = SharedDataFolder.verify(jdbi, config.dataDir(), config.packages().keyFingerprint());
        CatalogStore catalogStore = new CatalogStore(jdbi);
        PolicyStore policies = new PolicyStore(jdbi);
        SystemStore systems = new SystemStore(jdbi);
        RegistrationStore registrations = new RegistrationStore(jdbi);
        AdminTokenStore tokens = new AdminTokenStore(jdbi);
        PolicyEngine engine = new PolicyEngine(jdbi, catalogStore, policies, config.clock(),
                config.publicUrl() != null ? config.publicUrl() : "http://" + config.host() + ":" + config.port());
        engine.checkinInterval(config.checkinInterval());
        CveStore cves = new CveStore();
        CveImporter importer = new CveImporter(jdbi, cves, policies, ScopePolicy.DEFAULT, config.clock());
        // the audit follows the fleet feed (every instance's check-ins and changes); it loads the fleet on its own thread
        AuditService audit = new AuditService(db, catalogStore, cves, importer, engine, config.clock(), config.checkinInterval());
        CheckinWriter writer = new CheckinWriter(jdbi, group -> engine.snapshot().group(group), audit::poke);
        audit.start();
        Path repos = config.dataDir().resolve("repos");
        CatalogService catalog = new CatalogService(jdbi, catalogStore, policies, config.packages(), shared, config.clock(), importer,
                engine::invalidate);
        catalog.ensureProductPackages();
        RolloutSupervisor supervisor = new RolloutSupervisor(jdbi, policies, systems, engine, config.clock());
        ServerMetrics metrics = new ServerMetrics(config.clock(), version());
        metrics.fleet(new FleetNumbersReader(audit, systems, engine, config.clock()), () -> audit.lag().behind(), () -> audit.lag().behindEvents());
        SystemCredentials credentials = new SystemCredentials(systems);
        preload(credentials);
        FleetService fleet = new FleetService(jdbi, systems, registrations, catalogStore, engine, writer, audit, credentials);
        AdminTokenService adminTokens = new AdminTokenService(tokens);
        ServerApi api = ServerApi.create(new ServerApi.Services(jdbi, systems, registrations, catalogStore, catalog, engine, fleet,
                new PolicyService(jdbi, policies, systems, engine, supervisor, writer), new CheckinService(writer, engine, credentials), adminTokens,
                new RegistrationCodeService(jdbi, registrations), credentials, audit, importer, repos, config.clock(), config.httpLimits(),
                new ExportSource(jdbi, catalogStore, cves, ScopePolicy.DEFAULT, config.clock()), metrics));
        try {
            api.start(config.host(), config.port());
        } catch (RuntimeException e) {
            writer.close();
            audit.close();
            throw e;
        }
        MetricsEndpoint metricsEndpoint = null;
        if (config.metricsPort() != Config.NO_METRICS) {
            try {
                metricsEndpoint = MetricsEndpoint.start(config.metricsHost(), config.metricsPort(), metrics);
            } catch (RuntimeException e) {
                api.stop();
                writer.close();
                audit.close();
                throw e;
            }
        }
        // With port 0 the URL hosts reach is known only now.
        String url = config.publicUrl() != null ? config.publicUrl() : "http://" + config.host() + ":" + api.port();
        engine.baseUrl(url);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "klp-rollouts");
            t.setDaemon(true);
            return t;
        });
        if (config.supervisePeriodMillis() > 0) {
            timer.scheduleWithFixedDelay(() -> {
                try {
                    supervisor.runOnce();
                } catch (RuntimeException e) {
                    LOG.warn("rollout supervision failed: {}", e.getMessage());
                }
            }, config.supervisePeriodMillis(), config.supervisePeriodMillis(), TimeUnit.MILLISECONDS);
        }
        return new KlpServer(config, writer, api, engine, supervisor, catalog, adminTokens, timer, url, audit, importer, metrics, metricsEndpoint);
    }

    private static String version() {
        String v = KlpServer.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }

    /** What the server counts and measures. */
    public ServerMetrics metrics() {
        return metrics;
    }

    /** Where Prometheus scrapes this server ({@code http://HOST:PORT/metrics}), or null when metrics are off. */
    public String metricsUrl() {
        return metricsEndpoint == null ? null : "http://" + config.metricsHost() + ":" + metricsEndpoint.port() + "/metrics";
    }

    public String url() {
        return url;
    }

    public int port() {
        return api.port();
    }

    public Database database() {
        return config.database();
    }

    public CatalogService catalog() {
        return catalog;
    }

    public PolicyEngine policy() {
        return engine;
    }

    public RolloutSupervisor supervisor() {
        return supervisor;
    }

    /** Admin tokens (the demo and tests make theirs here). */
    public AdminTokenService tokens() {
        return tokens;
    }

    public CheckinWriter checkins() {
        return writer;
    }

    /** The fleet CVE audit, current with every committed change. */
    public AuditService audit() {
        return audit;
    }

    public CveImporter cveImporter() {
        return importer;
    }

    /** Every route this server serves (for the API description's test). */
    public List<Route> routes() {
        return new ArrayList<>(api.routes());
    }

    /** The (method, path) pairs Javalin actually registered. */
    public List<String> registeredRoutes() {
        return api.registered();
    }

    @Override
    public void close() {
        timer.shutdown();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        api.stop();
        writer.close();
        audit.close();
    }
}
