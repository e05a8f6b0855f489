package org.klp.server.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.KlpServer;
import org.klp.server.TestServer;
import org.klp.server.catalog.CatalogService;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;
import org.klp.server.store.Postgres;
import org.klp.server.store.Secrets;

/**
 * Check-in throughput and latency on loopback: a real server (H2 or PostgreSQL) with
 * {@code --systems} registered systems, and {@code --connections} closed-loop HTTP/1.1 keep-alive
 * clients, each sending a check-in as a random registered system and waiting for the answer.
 * Bounded in time ({@code --seconds}, after {@code --warmup}) and in count ({@code --max}).
 * The clients speak HTTP over plain sockets so that the load generator spends little of the two
 * cores the server needs.
 *
 * <pre>bench/checkin-load.sh [--db h2|postgres] [--systems 100000] [--seconds 20] [--connections 64]</pre>
 */
public final class CheckinLoad {

    /** What a check-in may cost the server's JVM on PostgreSQL with 100,000 registered systems (issue 14). */
    static final int SERVER_BUDGET_MICROS = 150;

    /** Warm-up ends once the JIT compilers take less than this share of the server's CPU over a slice… */
    static final double SETTLED_COMPILER_SHARE = 0.03;
    /** …and a measured window in which they take more than this is no steady state: its figure is refused. */
    static final double STEADY_COMPILER_SHARE = 0.10;
    static final int WARMUP_SLICE_SECONDS = 5;

    public static void main(String[] args) throws Exception {
        String dbKind = "h2";
        int systems = 100_000;
        int seconds = 20;
        int warmup = 10;
        int maxWarmup = 90;
        int connections = 64;
        long max = 5_000_000;
        int top = 25;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--db" -> dbKind = args[++i];
                case "--systems" -> systems = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--max-warmup" -> maxWarmup = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--max" -> max = Long.parseLong(args[++i]);
                case "--top" -> top = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (seconds > 300 || warmup > 120 || maxWarmup > 300 || connections > 1024 || systems > 2_000_000) {
            throw new IllegalArgumentException("bounded: --seconds ≤ 300, --warmup ≤ 120, --max-warmup ≤ 300, --connections ≤ 1024, --systems ≤ 2000000");
        }
        maxWarmup = Math.max(warmup, maxWarmup);
        Path dir = TestServer.tempDir("bench");
        String kernel = "5.14.21-150500.55.83-default";
        Postgres pg = null;
        Database db;
        if (dbKind.equals("postgres")) {
            pg = Postgres.start();
            db = pg.newDatabase("klp_bench");
        } else {
            db = Database.h2(dir.resolve("db"));
        }
        Clock clock = Clock.systemUTC();
        boolean degenerate = false;
        // the fleet is there before the server starts, as when a server restarts
        System.out.printf(Locale.ROOT, "seeding %d systems on %s…%n", systems, db.kind());
        String[] auth = seed(db, systems, kernel);
        // every load connection comes from 127.0.0.1: the per-client limit must not be what the bench measures
        org.klp.server.api.HttpLimits d = org.klp.server.api.HttpLimits.DEFAULT;
        KlpServer server = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir, db, new RpmMdPackageRepository(TestServer.signingKey(), clock),
                clock, null, 0).withHttpLimits(new org.klp.server.api.HttpLimits(Math.max(d.maxConnections(), 2 * connections),
                Math.max(d.maxConnectionsPerClient(), connections + 16), d.headerDeadline(), d.idleTimeout(), d.bodyDeadline(), d.minBodyBytesPerSecond())));
        try {
            CatalogService c = server.catalog();
            c.addProduct("sle-module-live-patching", "15.5", "x86_64", "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", null, false);
            c.publishKernel("sle-module-live-patching/15.5/x86_64", KernelRelease.parse(kernel), java.time.LocalDate.now().minusDays(90), null, null);
            db.jdbi().useHandle(h -> h.execute("insert into activations (system_id, product_id, regcode_id, activated_at)"
                    + " select id, (select min(id) from products), null, registered_at from systems"));
            byte[] body = TestServer.posture(kernel, 1).getBytes(StandardCharsets.UTF_8);
            System.out.printf(Locale.ROOT, "load: %d connections, warm-up %d–%d s (until the JIT compilers take under %.0f%% of the server's CPU for %d s),"
                            + " %d s measured, at most %d check-ins; %d cores%n", connections, warmup, maxWarmup, 100 * SETTLED_COMPILER_SHARE,
                    WARMUP_SLICE_SECONDS, seconds, max, Runtime.getRuntime().availableProcessors());
            double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            int pgPort = pg == null ? 0 : java.net.URI.create(pg.jdbcUrl().substring("jdbc:".length())).getPort();
            Path jfr = Path.of(System.getProperty("java.io.tmpdir"), "klp-checkin-" + db.kind().name().toLowerCase(Locale.ROOT) + "-" + ProcessHandle.current().pid() + ".jfr");
            Result r;
            try (Profile profile = new Profile(jfr)) {
                r = run(new int[] {server.port()}, new Checkins(auth, body), connections, new WarmUp(warmup, maxWarmup), seconds, max, pgPort, profile);
                profile.print(top, thread -> !thread.startsWith("load-"));
            }
            long batches = server.checkins().batches();
            long written = server.checkins().written();
            System.out.printf(Locale.ROOT, "%s, %,d registered systems: %,.0f check-ins/s; latency p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms;"
                            + " %,d measured, %d errors; average commit group %.1f check-ins%n",
                    db.kind(), systems, r.perSecond, r.p50, r.p99, r.p999, r.max, r.count, r.errors, batches == 0 ? 0.0 : (double) written / batches);
            boolean steady = r.compilerShare <= STEADY_COMPILER_SHARE;
            System.out.printf(Locale.ROOT, "warm-up %.0f s; the JIT compilers took %.1f%% of the server's CPU in the measured window%n", r.warmupSeconds,
                    100 * r.compilerShare);
            String verdict = db.kind() != Database.Kind.POSTGRESQL
                    ? "H2 runs inside the server's JVM, so this includes the database's work; the budget of " + SERVER_BUDGET_MICROS + " µs is for PostgreSQL"
                    : "budget on PostgreSQL: " + SERVER_BUDGET_MICROS + " µs" + (!steady ? ", not judged" : r.serverCpuMicros <= SERVER_BUDGET_MICROS ? ", held" : ", exceeded");
            System.out.printf(Locale.ROOT, "CPU a check-in: server %.0f µs (%s), load generator %.0f µs, JVM in all %.0f µs%s;"
                            + " load average %.1f before, %.1f after%n",
                    r.serverCpuMicros, verdict, r.loadCpuMicros, r.cpuMicros,
                    r.postgresCpuMicros < 0 ? "" : String.format(Locale.ROOT, "; PostgreSQL's processes %.0f µs", r.postgresCpuMicros), loadBefore,
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            System.out.println("  the JVM's CPU a check-in by thread (µs, /proc/self/task; at 10 µs or more): " + r.threadsFrom(10));
            // the floor, in the same run on the same server: what any request costs through the HTTP stack
            Result f = run(new int[] {server.port()}, new Health(), connections, new WarmUp(5, 30), Math.min(seconds, 10), max, 0, null);
            System.out.printf(Locale.ROOT, "floor, GET /health through the same stack (no credentials, body or database), %d connections: %,.0f requests/s;"
                            + " server %.0f µs a request (%s); a check-in costs %.2fx the floor, %.0f µs above it%n", connections, f.perSecond,
                    f.serverCpuMicros, f.threadsFrom(5),
                    r.serverCpuMicros / f.serverCpuMicros, r.serverCpuMicros - f.serverCpuMicros);
            if (f.count < 1000 || f.errors > 0) {
                System.out.printf(Locale.ROOT, "refused: the floor measured %d requests with %d errors%n", f.count, f.errors);
                degenerate = true;
            }
            if (!steady) {
                System.out.printf(Locale.ROOT, "refused: no steady state — the JIT compilers took %.0f%% (over %.0f%%) of the server's CPU in the measured"
                        + " window, so these figures measure compilation; raise --max-warmup or run on a quieter machine%n", 100 * r.compilerShare,
                        100 * STEADY_COMPILER_SHARE);
                degenerate = true;
            }
        } finally {
            server.close();
            db.close();
            if (pg != null) {
                pg.close();
            }
        }
        if (degenerate) {
            System.exit(3);
        }
    }

    /**
     * Registers systems straight into the database (the API's registration is tested elsewhere),
     * each as after its first check-in with the posture the load then repeats: the steady state of
     * a fleet whose hosts check in every few minutes. Returns their Basic headers.
     */
    static String[] seed(Database db, int n, String kernel) {
        String[] auth = new String[n];
        Instant now = Instant.now();
        int chunk = 5_000;
        for (int from = 0; from < n; from += chunk) {
            int start = from;
            int end = Math.min(n, from + chunk);
            db.jdbi().useTransaction(h -> {
                PreparedBatch b = h.prepareBatch("insert into systems (login, password_hash, hostname, group_name, registered_at, last_seen,"
                        + " last_checkin, posture_since, checkins, kernel, installed_kernels, installed_patches, loaded_version, transition,"
                        + " transition_seconds, blockers, taint, new_taint, forced, last_target)"
                        + " values (:l, :p, :h, 'default', :now, :now, :now, :now, 1, :k, :k, '', 1, 'ready', 0, 0, 0, 0, false, 0)");
                for (int i = start; i < end; i++) {
                    String login = String.format("SCC_bench%08d", i);
                    String password = "pw-" + i + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
                    b.bind("l", login).bind("p", Secrets.hash(password)).bind("h", "bench-" + i)
                            .bind("now", java.time.OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC)).bind("k", kernel).add();
                    auth[i] = "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
                }
                b.execute();
            });
        }
        return auth;
    }

    /**
     * What a measured window gave. CPU per check-in: {@code cpuMicros} the whole JVM (server and load
     * generator), {@code serverCpuMicros} the JVM without the load generator's threads,
     * {@code loadCpuMicros} those threads, {@code postgresCpuMicros} PostgreSQL's processes (-1: not measured).
     */
    record Result(double perSecond, double p50, double p99, double p999, double max, long count, long errors, double cpuMicros,
                  double serverCpuMicros, double loadCpuMicros, double postgresCpuMicros, Map<String, Double> microsByThreadKind,
                  double warmupSeconds, double compilerShare) {

        /** The thread kinds at {@code minMicros} or more a request, largest first: "klp-http 92, load 36". */
        String threadsFrom(double minMicros) {
            return microsByThreadKind.entrySet().stream().filter(e -> e.getValue() >= minMicros)
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), e.getValue())).collect(java.util.stream.Collectors.joining(", "));
        }
    }

    /** What every load connection sends, request after request. */
    sealed interface Load permits Checkins, Health {
        byte[] next(ThreadLocalRandom rnd);
    }

    /** A check-in as a random registered system. */
    record Checkins(String[] auth, byte[] body) implements Load {
        @Override
        public byte[] next(ThreadLocalRandom rnd) {
            byte[] head = ("POST /connect/systems/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + auth[rnd.nextInt(auth.length)]
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] request = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, request, head.length, body.length);
            return request;
        }
    }

    /**
     * The floor: {@code GET /health} passes the same connector, connection guard, router, security
     * headers, metrics and JSON rendering as a check-in, and nothing else (no credentials, no body,
     * no database).
     */
    record Health() implements Load {
        private static final byte[] REQUEST = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        @Override
        public byte[] next(ThreadLocalRandom rnd) {
            return REQUEST;
        }
    }

    /**
     * How long the load runs before the measured window: at least {@code minSeconds}, then in
     * {@link #WARMUP_SLICE_SECONDS} slices until the JIT compilers settle
     * ({@link #SETTLED_COMPILER_SHARE}), at most {@code maxSeconds}. Compilation is a start-up cost a
     * long-running server pays once; in the window it would be billed to every check-in.
     */
    record WarmUp(int minSeconds, int maxSeconds) {
        static WarmUp fixed(int seconds) {
            return new WarmUp(seconds, seconds);
        }
    }

    /** As below, the connections spread over several servers (connection c talks to {@code ports[c % ports.length]}), not profiled. */
    static Result run(int[] ports, String[] auth, byte[] body, int connections, int warmupSeconds, int seconds, long max) throws Exception {
        return run(ports, new Checkins(auth, body), connections, WarmUp.fixed(warmupSeconds), seconds, max, 0, null);
    }

    /**
     * Runs the closed-loop load; {@code postgresPort} (0: none) names the PostgreSQL whose processes'
     * CPU is accounted, {@code profile} (null: none) records the measured window.
     */
    static Result run(int[] ports, Load load, int connections, WarmUp warmUp, int seconds, long max, int postgresPort,
                      Profile profile) throws Exception {
        AtomicBoolean measuring = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong count = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long[][] latencies = new long[connections][];
        Thread[] threads = new Thread[connections];
        long[] endedCpu = new long[connections];
        long perThread = Math.max(1, max / connections);
        for (int c = 0; c < connections; c++) {
            int id = c;
            threads[c] = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                try (Socket s = new Socket("127.0.0.1", ports[id % ports.length])) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(30_000);
                    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8192);
                    InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (long sent = 0; !stop.get() && sent < perThread; sent++) {
                        byte[] request = load.next(rnd);
                        long t0 = System.nanoTime();
                        out.write(request);
                        out.flush();
                        int status = readResponse(in);
                        long took = System.nanoTime() - t0;
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                        if (measuring.get()) {
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = took;
                            count.incrementAndGet();
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                } finally {
                    endedCpu[id] = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
                }
                latencies[id] = Arrays.copyOf(lat, n);
            }, "load-" + c);
            threads[c].setDaemon(true);
            threads[c].start();
        }
        CpuAccount account = new CpuAccount(threads, endedCpu, postgresPort);
        long warmStart = System.nanoTime();
        Thread.sleep(warmUp.minSeconds() * 1000L);
        while ((System.nanoTime() - warmStart) / 1e9 + WARMUP_SLICE_SECONDS <= warmUp.maxSeconds()) {
            CpuAccount.Snapshot before = account.now();
            Thread.sleep(WARMUP_SLICE_SECONDS * 1000L);
            if (account.now().minus(before).compilerShare() < SETTLED_COMPILER_SHARE) {
                break;
            }
        }
        double warmedSeconds = (System.nanoTime() - warmStart) / 1e9;
        if (profile != null) {
            profile.start();
        }
        CpuAccount.Snapshot cpu0 = account.now();
        long start = System.nanoTime();
        measuring.set(true);
        long deadline = start + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline && count.get() < max) {
            Thread.sleep(50);
        }
        measuring.set(false);
        CpuAccount.Snapshot cpu = account.now().minus(cpu0);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long measured = count.get();
        if (profile != null) {
            profile.stop();
        }
        double per = measured == 0 ? Double.NaN : 1e3 * measured;
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
        }
        long[] all = Arrays.stream(latencies).filter(x -> x != null).flatMapToLong(Arrays::stream).sorted().toArray();
        if (all.length == 0) {
            return new Result(0, 0, 0, 0, 0, 0, errors.get(), 0, 0, 0, -1, Map.of(), warmedSeconds, cpu.compilerShare());
        }
        return new Result(measured / elapsed, pct(all, 0.50), pct(all, 0.99), pct(all, 0.999), all[all.length - 1] / 1e6, measured, errors.get(),
                cpu.processNanos() / per, cpu.serverNanos() / per, cpu.loadNanos() / per, cpu.postgresNanos() < 0 ? -1 : cpu.postgresNanos() / per,
                cpu.byThreadKind().entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue() / per)),
                warmedSeconds, cpu.compilerShare());
    }

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    /** Reads one HTTP/1.1 response (Content-Length or chunked body) and returns its status. */
    static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size = Long.parseLong(line(in).strip(), 16); size > 0; size = Long.parseLong(line(in).strip(), 16)) {
                in.skipNBytes(size);
                line(in);
            }
            line(in);
        } else if (length > 0) {
            in.skipNBytes(length);
        }
        return status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
