package org.klp.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.cli.AuditCommand;
import org.klp.server.cli.CveCommand;
import org.klp.server.cli.ExportCommand;
import org.klp.server.cli.AccessCommands;
import org.klp.server.cli.CatalogCommands;
import org.klp.server.cli.FleetCommands;
import org.klp.server.cli.PolicyCommands;
import org.klp.server.demo.Demo;
import org.klp.server.store.AdminTokenStore;
import org.klp.server.store.Database;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code klp-server}: serve, demo; and everything the operators' API does, over the API of a
 * running server: products, kernels, live patches, systems, groups, pins, rollouts, registration
 * codes, admin tokens, the CVE feed and audit.
 */
@Command(name = "klp-server", mixinStandardHelpOptions = true, version = "klp-server 0.1.0",
        description = {"The klp server: registration, fleet check-ins, rollout policies, live patch repositories, the fleet CVE audit.",
                "Every command but serve, demo and 'admin token create' talks to a running server: --server URL (default $KLP_SERVER",
                "or http://127.0.0.1:8080) with an admin token ($KLP_ADMIN_TOKEN or --token); --json prints the API's document."},
        subcommands = {Main.Serve.class, Main.DemoCommand.class, FleetCommands.Summary.class, FleetCommands.System.class,
                PolicyCommands.Group.class, PolicyCommands.Pin.class, PolicyCommands.Rollout.class, CatalogCommands.Product.class,
                CatalogCommands.Kernel.class, CatalogCommands.LivePatch.class, AccessCommands.Code.class, Main.Admin.class, AuditCommand.class,
                CveCommand.class, ExportCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:ok", "1:some CVE feed records were refused (cve import)", "2:usage error",
                "3:failure (database, port, bad data, server unreachable or refusing; with --json the answer says why)"})
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("klp-server: " + ex.getMessage() + " (see 'klp-server --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            err.println("klp-server: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
            if (System.getenv("KLP_DEBUG") != null) {
                ex.printStackTrace(err);
            }
            return 3;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Where the data lives: an H2 database and the repositories under --data, or PostgreSQL by --db. */
    static class Storage {
        @Option(names = "--data", paramLabel = "DIR", description = {"Data folder: H2 database, repositories, signing key (default: ${DEFAULT-VALUE}).",
                "Several instances on one PostgreSQL share one data folder (a shared file system); serve refuses another."})
        Path data = Path.of("data");

        @Option(names = "--db", paramLabel = "JDBC-URL", description = "A PostgreSQL database instead of H2, e.g. jdbc:postgresql://localhost/klp.")
        String db;

        @Option(names = "--db-user", paramLabel = "USER", description = "PostgreSQL user (default: $KLP_DB_USER or klp).")
        String dbUser = System.getenv().getOrDefault("KLP_DB_USER", "klp");

        @Option(names = "--db-password-env", paramLabel = "VAR", description = "Environment variable holding the PostgreSQL password (default: ${DEFAULT-VALUE}).")
        String dbPasswordEnv = "KLP_DB_PASSWORD";

        Database open() {
            // database (H2), signing key, repositories: the data folder is the server's alone
            org.klp.server.store.DataFolder.prepare(data);
            if (db == null) {
                return Database.h2(data);
            }
            return Database.open(db, dbUser, System.getenv().getOrDefault(dbPasswordEnv, ""), 16);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Runs the server until stopped (Ctrl-C).")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        Storage storage = new Storage();

        @Option(names = "--port", description = "TCP port (default: ${DEFAULT-VALUE}; 0: any free port).")
        int port = 8080;

        @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
        String host = "127.0.0.1";

        @Option(names = "--public-url", paramLabel = "URL", description = "The URL hosts reach this server at (default: http://HOST:PORT).")
        String publicUrl;

        @Option(names = "--checkin-interval", paramLabel = "SECONDS", description = "How often hosts check in (default: ${DEFAULT-VALUE}, the agent's"
                + " default --interval); the CVE audit calls a host's state unknown 1.5 intervals after its last check-in.")
        long checkinIntervalSeconds = 3600;

        @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve Prometheus metrics at http://METRICS-HOST:PORT/metrics (default:"
                + " off; 0: any free port). A listener of its own without credentials: aggregate figures only, no host or token.")
        Integer metricsPort;

        @Option(names = "--metrics-host", paramLabel = "ADDRESS", description = "Address the metrics listener binds (default: the --host address).")
        String metricsHost;

        @Option(names = "--host-tool", paramLabel = "klp.jar", description = "Publish the host tool's package (kernel-livepatch-tools) built from"
                + " this klp.jar (klp-cli/target/klp.jar) in every live patching product's repository, for 'zypper install -t pattern lp_sles'.")
        java.nio.file.Path hostTool;

        @Option(names = "--max-connections", paramLabel = "N", description = "Open connections in all (default: ${DEFAULT-VALUE});"
                + " beyond them a new one is closed at once.")
        int maxConnections = org.klp.server.api.HttpLimits.DEFAULT.maxConnections();

        @Option(names = "--max-connections-per-client", paramLabel = "N", description = "Open connections from one address (default:"
                + " ${DEFAULT-VALUE}); raise it for a large fleet behind one NAT address.")
        int maxConnectionsPerClient = org.klp.server.api.HttpLimits.DEFAULT.maxConnectionsPerClient();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            Database db = storage.open();
            KlpServer server;
            try {
                org.klp.server.catalog.SharedDataFolder.checkFolder(db.jdbi(), storage.data);
                String firstToken = firstAdminToken(new AdminTokenStore(db.jdbi()));
                if (checkinIntervalSeconds < 60 || checkinIntervalSeconds > 7 * 86400) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--checkin-interval must be from 60 to 604800 seconds, was "
                            + checkinIntervalSeconds);
                }
                org.klp.server.api.HttpLimits limits;
                try {
                    org.klp.server.api.HttpLimits d = org.klp.server.api.HttpLimits.DEFAULT;
                    limits = new org.klp.server.api.HttpLimits(maxConnections, maxConnectionsPerClient, d.headerDeadline(), d.idleTimeout(),
                            d.bodyDeadline(), d.minBodyBytesPerSecond());
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections and --max-connections-per-client: " + e.getMessage());
                }
                if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--metrics-port must be from 0 to 65535, was " + metricsPort);
                }
                KlpServer.Config config = new KlpServer.Config(host, port, storage.data, db,
                        RpmMdPackageRepository.inDataDir(storage.data, Clock.systemUTC(), 3072), Clock.systemUTC(), publicUrl, 1000,
                        java.time.Duration.ofSeconds(checkinIntervalSeconds)).withHttpLimits(limits);
                if (metricsPort != null) {
                    config = config.withMetrics(metricsHost != null ? metricsHost : host, metricsPort);
                }
                server = KlpServer.start(config);
                out.println("klp-server listening on " + server.url() + " (database: " + db.description() + ")");
                if (hostTool != null) {
                    try {
                        out.println("Host tool: " + server.catalog().publishHostTool(hostTool).getFileName() + " in the live patching repositories");
                    } catch (RuntimeException e) {
                        server.close();
                        throw e;
                    }
                }
                if (firstToken != null) {
                    out.println("Admin token (shown once, stored hashed; create more with 'klp-server admin token create'):");
                    out.println("  " + firstToken);
                }
                out.println("Dashboard: " + server.url() + "/ (log in with an admin token)");
                out.println("API: " + server.url() + "/api/openapi.json");
                if (server.metricsUrl() != null) {
                    out.println("Metrics (Prometheus): " + server.metricsUrl());
                }
                out.flush();
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                db.close();
                stop.countDown();
            }));
            stop.await();
            return 0;
        }
    }

    static String firstAdminToken(AdminTokenStore tokens) {
        return tokens.any() ? null : tokens.create("first start", Clock.systemUTC().instant());
    }

    @Command(name = "demo", mixinStandardHelpOptions = true, description = {
            "Starts a server with a realistic catalog and a fleet of simulated hosts, each running the real",
            "'klp agent'; lets the fleet register, check in and converge; prints progress, a summary and the API URL."})
    static final class DemoCommand implements Callable<Integer> {
        @Option(names = "--hosts", description = "Simulated hosts (default: ${DEFAULT-VALUE}).")
        int hosts = 200;

        @Option(names = "--port", description = "TCP port (default: ${DEFAULT-VALUE}; taken: any free port).")
        int port = 8080;

        @Option(names = "--data", paramLabel = "DIR", description = "Folder for the demo's database, repositories and hosts (default: a new temporary folder).")
        Path data;

        @Option(names = "--exit", description = "Exit after the summary. Without it the API is served until Ctrl-C when run in a terminal;"
                + " without a terminal (scripts, CI) the demo always exits.")
        boolean exit;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (hosts < 1 || hosts > 5000) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--hosts must be from 1 to 5000, was " + hosts);
            }
            Path dir = data != null ? data : java.nio.file.Files.createTempDirectory("klp-demo-");
            Demo.Result r = Demo.run(dir, hosts, port, spec.commandLine().getOut(), !exit && System.console() != null);
            return r.converged() ? 0 : 3;
        }
    }

    @Command(name = "admin", mixinStandardHelpOptions = true, description = "Administration.", subcommands = Admin.Token.class)
    static final class Admin {
        @Command(name = "token", mixinStandardHelpOptions = true, description = "Admin tokens.",
                subcommands = {Admin.Token.Create.class, AccessCommands.TokenList.class, AccessCommands.TokenRevoke.class})
        static final class Token {
            @Command(name = "create", mixinStandardHelpOptions = true, description = {
                    "Creates an admin token in the data folder's database and prints it (once; the server stores its hash).",
                    "With the embedded H2 database, run it while the server is stopped (or use POST /api/v1/admin-tokens).",
                    "'admin token list' and 'admin token revoke ID' work over the API of the running server."})
            static final class Create implements Callable<Integer> {
                @CommandLine.Mixin
                Storage storage = new Storage();

                @Option(names = "--label", description = "What the token is for (default: ${DEFAULT-VALUE}).")
                String label = "cli";

                @Option(names = "--expires-at", paramLabel = "INSTANT", description = "When it stops working, e.g. 2026-12-31T00:00:00Z (default: never).")
                java.time.Instant expiresAt;

                @Option(names = "--json", description = "Print {\"id\": …, \"token\": …, \"label\": …, \"expiresAt\": …}.")
                boolean json;

                @CommandLine.Spec
                CommandLine.Model.CommandSpec spec;

                @Override
                public Integer call() throws Exception {
                    try (Database db = storage.open()) {
                        org.klp.server.service.AdminTokenService.NewToken t = new org.klp.server.service.AdminTokenService(new AdminTokenStore(db.jdbi()))
                                .issue(label, expiresAt, Clock.systemUTC().instant());
                        spec.commandLine().getOut().println(json ? org.klp.server.api.JsonCodec.mapper().writeValueAsString(t) : t.token());
                    } catch (org.klp.server.service.ServiceException e) {
                        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
                    }
                    return 0;
                }
            }
        }
    }
}
