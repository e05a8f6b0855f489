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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.KlpServer;
import org.klp.server.TestServer;
import org.klp.server.catalog.CatalogService;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;
import org.klp.server.store.FleetFeed;
import org.klp.server.store.Postgres;

/**
 * Several instances on one PostgreSQL, measured in one run:
 * <ol>
 *   <li><b>Throughput</b>: check-ins per second and latency with {@code --connections} closed-loop
 *       clients against one instance, then the same clients spread over two instances on the same
 *       database (and the same machine): the ratio says what the second instance costs or brings.</li>
 *   <li><b>Reflection</b>: under an open-loop load of {@code --rate} check-ins per second through
 *       instance A, a probe host checks in through A with a changed posture every
 *       {@code --probe-millis}; the bench measures how long after A's acknowledgement B's follower
 *       (no query asking) has applied it, and how long a query on B takes to answer with it.</li>
 * </ol>
 * It refuses to report a reflection figure when the load it really produced is under 90% of the
 * rate asked for, or when fewer than 100 probes completed.
 *
 * <pre>bench/multi-instance.sh [--systems 100000] [--seconds 20] [--connections 64] [--rate 1000] [--reflect-seconds 30]</pre>
 */
public final class MultiInstanceLoad {

    public static void main(String[] args) throws Exception {
        int systems = 100_000;
        int seconds = 20;
        int warmup = 5;
        int connections = 64;
        int rate = 1_000;
        int reflectSeconds = 30;
        int probeMillis = 50;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--systems" -> systems = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--connections" -> connections = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--reflect-seconds" -> reflectSeconds = Integer.parseInt(args[++i]);
                case "--probe-millis" -> probeMillis = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (seconds > 300 || warmup > 120 || connections > 1024 || systems > 2_000_000 || rate > 50_000 || reflectSeconds > 300
                || probeMillis < 5 || probeMillis > 10_000) {
            throw new IllegalArgumentException("bounded: --seconds ≤ 300, --warmup ≤ 120, --connections ≤ 1024, --systems ≤ 2000000, --rate ≤ 50000,"
                    + " --reflect-seconds ≤ 300, 5 ≤ --probe-millis ≤ 10000");
        }
        Path dir = TestServer.tempDir("bench-multi");
        Postgres pg = Postgres.start();
        Database dbA = pg.newDatabase("klp_multi");
        Database dbB = pg.open("klp_multi");
        Clock clock = Clock.systemUTC();
        KlpServer a = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir, dbA, new RpmMdPackageRepository(TestServer.signingKey(), clock),
                clock, null, 0));
        KlpServer b = null;
        try {
            String kernel = "5.14.21-150500.55.83-default";
            CatalogService c = a.catalog();
            c.addProduct("sle-module-live-patching", "15.5", "x86_64", "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", null, false);
            c.publishKernel("sle-module-live-patching/15.5/x86_64", KernelRelease.parse(kernel), java.time.LocalDate.now().minusDays(90), null, null);
            System.out.printf(Locale.ROOT, "seeding %d systems on PostgreSQL…%n", systems);
            String[] auth = CheckinLoad.seed(dbA, systems, kernel);
            dbA.jdbi().useHandle(h -> h.execute("insert into activations (system_id, product_id, regcode_id, activated_at)"
                    + " select id, (select min(id) from products), null, registered_at from systems"));
            b = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir, dbB, new RpmMdPackageRepository(TestServer.signingKey(), clock),
                    clock, null, 0));
            awaitLoaded(a);
            awaitLoaded(b);
            byte[] body = TestServer.posture(kernel, 1).getBytes(StandardCharsets.UTF_8);
            System.out.printf(Locale.ROOT, "throughput: %d closed-loop connections, %d s measured per phase after %d s of warm-up each: one instance,"
                    + " two, one again (so that the JIT and the caches favour neither); %d cores%n", connections, seconds, warmup,
                    Runtime.getRuntime().availableProcessors());
            // both instances' code paths warm, not measured
            CheckinLoad.run(new int[] {a.port(), b.port()}, auth, body, connections, 0, Math.max(5, warmup * 2), 50_000_000);
            CheckinLoad.Result one = CheckinLoad.run(new int[] {a.port()}, auth, body, connections, warmup, seconds, 50_000_000);
            print("one instance ", one);
            CheckinLoad.Result two = CheckinLoad.run(new int[] {a.port(), b.port()}, auth, body, connections, warmup, seconds, 50_000_000);
            print("two instances", two);
            CheckinLoad.Result again = CheckinLoad.run(new int[] {a.port()}, auth, body, connections, warmup, seconds, 50_000_000);
            print("one instance ", again);
            double onePerSecond = (one.perSecond() + again.perSecond()) / 2;
            double oneP99 = (one.p99() + again.p99()) / 2;
            System.out.printf(Locale.ROOT, "two instances / one (mean of both runs): %.2fx the check-ins per second, p99 %.2fx; load average %.1f%n",
                    two.perSecond() / onePerSecond, two.p99() / oneP99,
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            reflection(a, b, auth, body, kernel, rate, reflectSeconds, probeMillis);
        } finally {
            if (b != null) {
                b.close();
            }
            a.close();
            dbB.close();
            dbA.close();
            pg.close();
        }
    }

    private static void print(String label, CheckinLoad.Result r) {
        System.out.printf(Locale.ROOT, "  %s: %,.0f check-ins/s; latency p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms; %,d measured, %d errors;"
                        + " CPU (servers, PostgreSQL excluded, and load generator) %.0f µs a check-in%n",
                label, r.perSecond(), r.p50(), r.p99(), r.p999(), r.count(), r.errors(), r.cpuMicros());
    }

    private static void awaitLoaded(KlpServer s) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!s.audit().status().ready()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the audit did not load within 120 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * The paced load through A ({@code rate} a second, from 8 threads on keep-alive sockets) and,
     * meanwhile, probes: a host checks in through A with another loaded version each time; after
     * A's answer the bench reads the committed head, then waits for B's follower to reach it (no
     * query), then asks B's API for the host and checks it shows the new version.
     */
    private static void reflection(KlpServer a, KlpServer b, String[] auth, byte[] body, String kernel, int rate, int seconds, int probeMillis)
            throws Exception {
        int threads = 8;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                double perThread = rate / (double) threads;
                long n = 0;
                try (Socket s = new Socket("127.0.0.1", a.port())) {
                    s.setTcpNoDelay(true);
                    s.setSoTimeout(30_000);
                    OutputStream out = new BufferedOutputStream(s.getOutputStream(), 8192);
                    InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        long due = start + (long) (n / perThread * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        String h = auth[rnd.nextInt(auth.length - 1) + 1];
                        out.write(("POST /connect/systems/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + h
                                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(body);
                        out.flush();
                        if (CheckinLoad.readResponse(in) != 200) {
                            errors.incrementAndGet();
                        }
                        sent.incrementAndGet();
                        n++;
                    }
                } catch (IOException | InterruptedException e) {
                    errors.incrementAndGet();
                }
            }, "paced-" + t);
            th.setDaemon(true);
            th.start();
            load.add(th);
        }
        Thread.sleep(3000);
        long measuredFrom = sent.get();
        long t0 = System.nanoTime();
        List<Long> follower = new ArrayList<>();
        List<Long> query = new ArrayList<>();
        // the probe is system 1 (auth[0]), kept out of the paced load
        String probe = auth[0];
        long probeId = a.database().jdbi().withHandle(h -> h.createQuery("select min(id) from systems").mapTo(Long.class).one());
        int version = 1;
        long deadline = t0 + seconds * 1_000_000_000L;
        try (Socket sa = new Socket("127.0.0.1", a.port()); Socket sb = new Socket("127.0.0.1", b.port())) {
            sa.setSoTimeout(30_000);
            sb.setSoTimeout(30_000);
            OutputStream outA = new BufferedOutputStream(sa.getOutputStream());
            InputStream inA = new BufferedInputStream(sa.getInputStream());
            OutputStream outB = new BufferedOutputStream(sb.getOutputStream());
            InputStream inB = new BufferedInputStream(sb.getInputStream());
            String token = b.tokens().create("bench", Clock.systemUTC().instant());
            for (int i = 0; System.nanoTime() < deadline; i++) {
                version = version == 1 ? 0 : 1;
                byte[] p = TestServer.posture(kernel, version).getBytes(StandardCharsets.UTF_8);
                outA.write(("POST /connect/systems/checkin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + probe
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + p.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                outA.write(p);
                outA.flush();
                if (CheckinLoad.readResponse(inA) != 200) {
                    throw new IllegalStateException("the probe's check-in through A failed");
                }
                long acked = System.nanoTime();
                if (i % 2 == 0) {
                    // B's follower, with nobody asking B anything
                    long head = a.database().jdbi().withHandle(FleetFeed::head);
                    while (b.audit().position() < head) {
                        Thread.onSpinWait();
                        if (System.nanoTime() - acked > 10_000_000_000L) {
                            throw new IllegalStateException("B's follower did not apply A's check-in within 10 s");
                        }
                    }
                    follower.add(System.nanoTime() - acked);
                } else {
                    // a query on B at once: it catches up with the feed before it answers
                    outB.write(("GET /api/v1/audit/systems/" + probeId + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                            + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    outB.flush();
                    String answer = responseBody(inB);
                    query.add(System.nanoTime() - acked);
                    if (!answer.contains("\"loadedVersion\":" + version)) {
                        throw new IllegalStateException("B answered without A's check-in (loaded version " + version + "): " + answer);
                    }
                }
                Thread.sleep(probeMillis);
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double achieved = (sent.get() - measuredFrom) / elapsed;
        stop.set(true);
        for (Thread th : load) {
            th.join(30_000);
        }
        System.out.printf(Locale.ROOT, "reflection: paced load through A asked %d check-ins/s, achieved %,.0f/s (%d errors); %d follower probes,"
                + " %d query probes%n", rate, achieved, errors.get(), follower.size(), query.size());
        if (achieved < 0.9 * rate || follower.size() < 100 || query.size() < 100) {
            System.out.printf(Locale.ROOT, "REFUSED: the workload was degenerate (achieved %.0f of %d check-ins/s, %d probes); no reflection figure%n",
                    achieved, rate, follower.size());
            return;
        }
        long[] f = follower.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] q = query.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT, "  B's follower applied A's acknowledged check-in (no query): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                pct(f, 0.5), pct(f, 0.99), f[f.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "  a query on B answered with it (from A's acknowledgement): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                pct(q, 0.5), pct(q, 0.99), q[q.length - 1] / 1e6);
    }

    /** One HTTP/1.1 response with a Content-Length body: the body, or an exception naming the status. */
    private static String responseBody(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        int status = -1;
        long length = 0;
        while (true) {
            String line = line(in);
            if (status < 0) {
                status = Integer.parseInt(line.substring(9, 12));
            } else if (line.isEmpty()) {
                break;
            } else if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring(15).strip());
            }
            head.append(line).append('\n');
        }
        String body = new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
        if (status != 200) {
            throw new IllegalStateException("B answered " + status + ": " + body);
        }
        return body;
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

    private static double pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
