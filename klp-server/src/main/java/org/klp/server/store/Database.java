package org.klp.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The server's database: embedded H2 in a folder by default, PostgreSQL for large fleets (several
 * stateless server instances may share one). Opening migrates the schema with Flyway.
 *
 * <h2>Durability</h2>
 * PostgreSQL commits are fsynced ({@code synchronous_commit=on}): a 2xx survives power loss.
 * H2 is opened with {@code WRITE_DELAY=0}, so every commit is written to the operating system
 * before it returns: a 2xx survives the server process being killed (SIGKILL); against power loss
 * use PostgreSQL. The check-in path commits in groups ({@link CheckinWriter}) so that either costs
 * one commit per batch, not one per check-in.
 */
public final class Database implements AutoCloseable {

    public enum Kind { H2, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Kind kind;
    private final String description;
    private final String url;
    private final String user;
    private final String password;

    private Database(HikariDataSource dataSource, Kind kind, String description, String url, String user, String password) {
        this.dataSource = dataSource;
        this.url = url;
        this.user = user;
        this.password = password;
        this.jdbi = Jdbi.create(dataSource);
        // queries with optional filters bind every parameter and use those their WHERE clause names
        jdbi.getConfig(org.jdbi.v3.core.statement.SqlStatements.class).setUnusedBindingAllowed(true);
        this.kind = kind;
        this.description = description;
    }

    /** The embedded H2 database {@code klp} in {@code dataDir}, created when missing; the folder and the database's files are the owner's alone. */
    public static Database h2(Path dataDir) {
        DataFolder.prepare(dataDir);
        // PAGE_SIZE=2048 (default 16 KiB): every commit rewrites each B-tree page it changed, so small
        // pages cut the bytes written per check-in group; measured, CPU per check-in fell by half.
        String url = "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("klp") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000;DB_CLOSE_ON_EXIT=FALSE;PAGE_SIZE=2048";
        Database db = open(url, "sa", "", 8);
        // H2 makes its files with the process's umask; the folder is 0700 already, the files follow
        DataFolder.ownerOnly(dataDir, "klp.*");
        return db;
    }

    /** A database by JDBC URL ({@code jdbc:h2:…} or {@code jdbc:postgresql://…}). */
    public static Database open(String url, String user, String password, int poolSize) {
        Kind kind;
        if (url.startsWith("jdbc:h2:")) {
            kind = Kind.H2;
        } else if (url.startsWith("jdbc:postgresql:")) {
            kind = Kind.POSTGRESQL;
        } else {
            throw new IllegalArgumentException("Unsupported database URL '" + url + "' (expected jdbc:h2:… or jdbc:postgresql://HOST/DB)");
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("klp-" + kind.name().toLowerCase(java.util.Locale.ROOT));
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalStateException("Cannot open the database " + redact(url) + ": " + root.getMessage()
                    + (kind == Kind.H2 ? " (is another klp server using this data folder?)" : " (is PostgreSQL running and the URL right?)"), e);
        }
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("Cannot migrate the database " + redact(url) + ": " + e.getMessage(), e);
        }
        return new Database(ds, kind, redact(url), url, user, password);
    }

    private static String redact(String url) {
        return url.replaceAll("password=[^&;]*", "password=***");
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public Kind kind() {
        return kind;
    }

    public String description() {
        return description;
    }

    /**
     * Runs {@code onNotify} whenever a transaction that sent {@code NOTIFY channel} commits, on a
     * thread of its own with a connection of its own (not the pool's), reconnecting after a
     * failure; until {@link Listening#close}. On H2, which has no notifications (one instance
     * uses it), nothing is listened to.
     */
    public Listening listen(String channel, Runnable onNotify) {
        if (kind != Kind.POSTGRESQL) {
            return () -> { };
        }
        if (!channel.matches("[a-z_]{1,63}")) {
            throw new IllegalArgumentException("Not a channel name: '" + channel + "'");
        }
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread t = new Thread(() -> {
            while (open.get()) {
                try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, user, password);
                     java.sql.Statement st = c.createStatement()) {
                    st.execute("listen " + channel);
                    org.postgresql.PGConnection pg = c.unwrap(org.postgresql.PGConnection.class);
                    onNotify.run();
                    while (open.get()) {
                        org.postgresql.PGNotification[] n = pg.getNotifications(1000);
                        if (n != null && n.length > 0) {
                            onNotify.run();
                        }
                    }
                } catch (java.sql.SQLException | RuntimeException e) {
                    if (open.get()) {
                        org.slf4j.LoggerFactory.getLogger(Database.class).warn("listening to {} failed ({}); again in 1 s", channel, e.getMessage());
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException stop) {
                            return;
                        }
                    }
                }
            }
        }, "klp-listen-" + channel);
        t.setDaemon(true);
        t.start();
        return () -> {
            open.set(false);
            t.interrupt();
        };
    }

    /** A {@link #listen} subscription. */
    public interface Listening extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public void close() {
        if (kind == Kind.H2) {
            try {
                jdbi.useHandle(h -> h.execute("SHUTDOWN"));
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        dataSource.close();
    }
}
