package org.klp.server.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.HostFacts;
import org.klp.core.audit.KernelExposure;
import org.klp.core.audit.MixCheck;
import org.klp.core.audit.NaiveAudit;
import org.klp.core.audit.SyntheticFleet;
import org.klp.core.audit.Transition;
import org.klp.core.audit.Verdict;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.catalog.CatalogService;
import org.klp.server.store.Database;
import org.klp.server.store.Postgres;
import org.klp.server.store.Secrets;

/**
 * The CVE audit at a million hosts, end to end: a synthetic fleet ({@link SyntheticFleet}, the
 * realistic CVE mix) bulk-loaded into PostgreSQL (COPY) or H2 (batched inserts), then the real
 * server started on it as its own process with {@code -Xmx2g}, and measured over its HTTP API: start-up
 * until the audit is loaded, one CVE across the fleet, the fleet summary, one host, a what-if, the
 * reboot plan, coverage, the reflection of a check-in in the next query (alone, and under a
 * background check-in load), and the server's heap. The naive per-host computation runs in this
 * process on the same data for the ratio (sampled and extrapolated: the full run would take hours).
 * Bounded: every wait has a deadline; the server and PostgreSQL are stopped at the end.
 *
 * <pre>bench/audit-load.sh [h2|postgres|both] [--hosts 1000000] [--postures 2000] [--cves 20000]</pre>
 */
public final class AuditLoad {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "bench-password";
    private static final int BENCH_HOST = 0;

    /** The largest difference, in share of hosts, between a verdict's measured and intended share before the bench refuses the fleet. */
    private static final MixCheck MIX = new MixCheck(0.03);
    /** The exit status of a run refused for its workload. */
    private static final int DEGENERATE = 3;

    private final SyntheticFleet fleet;
    private final long shiftDays;
    private final Duration shift;
    private final Instant realNow;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final String token = "klp_bench_" + Long.toHexString(new SplittableRandom().nextLong());
    private final Map<String, String> results = new java.util.LinkedHashMap<>();
    private String base;

    private AuditLoad(SyntheticFleet fleet) {
        this.fleet = fleet;
        this.realNow = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        // Dates move by whole days, so that the synthetic today is today and end of support holds; instants move by the exact
        // difference, so that a host that checked in 10 minutes before the synthetic now checked in 10 minutes before the load
        // (by whole days, hosts were up to a day overdue and the whole fleet UNKNOWN).
        this.shiftDays = ChronoUnit.DAYS.between(LocalDate.ofInstant(fleet.now(), ZoneOffset.UTC), LocalDate.ofInstant(realNow, ZoneOffset.UTC));
        this.shift = Duration.between(fleet.now(), realNow);
    }

    public static void main(String[] args) throws Exception {
        String dbKind = "h2";
        int hosts = 1_000_000;
        int postures = 2_000;
        int cves = 20_000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--db" -> dbKind = args[++i];
                case "--hosts" -> hosts = Integer.parseInt(args[++i]);
                case "--postures" -> postures = Integer.parseInt(args[++i]);
                case "--cves" -> cves = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (hosts > 2_000_000 || cves > 50_000 || postures > 20_000) {
            throw new IllegalArgumentException("bounded: --hosts ≤ 2000000, --cves ≤ 50000, --postures ≤ 20000");
        }
        long t = System.nanoTime();
        SyntheticFleet fleet = SyntheticFleet.generate(new SyntheticFleet.Shape(hosts, postures, cves, 8, 25, 50, 42), SyntheticFleet.Mix.REALISTIC);
        System.out.printf(Locale.ROOT, "generated %,d hosts over %,d postures, %,d CVEs, %d kernels, %,d live patch versions in %.1f s%n", hosts,
                postures, cves, fleet.kernels().size(), fleet.livePatches().size(), (System.nanoTime() - t) / 1e9);
        System.out.println("the intended worst-verdict mix: " + MixCheck.describe(fleet.intendedMix()));
        try {
            new AuditLoad(fleet).run(dbKind);
        } catch (DegenerateWorkload e) {
            System.out.println("REFUSED: " + e.getMessage() + "; no figures are reported for this fleet");
            System.exit(DEGENERATE);
        }
    }

    /** The fleet the server audits is not the one the bench meant to measure. */
    private static final class DegenerateWorkload extends RuntimeException {
        DegenerateWorkload(String why) {
            super(why);
        }
    }

    private void run(String dbKind) throws Exception {
        Path dir = Files.createTempDirectory("klp-audit-bench-");
        Postgres pg = null;
        Process server = null;
        try {
            Database db;
            List<String> dbArgs = new ArrayList<>();
            if (dbKind.equals("postgres")) {
                pg = Postgres.start();
                db = pg.newDatabase("klp_audit");
                dbArgs.addAll(List.of("--db", pg.jdbcUrl().replace("/postgres", "/klp_audit"), "--db-user", "postgres"));
            } else if (dbKind.equals("h2")) {
                db = Database.h2(dir.resolve("data"));
            } else {
                throw new IllegalArgumentException("--db must be h2 or postgres");
            }
            long t = System.nanoTime();
            try (db) {
                load(db);
            }
            result("bulk load (" + dbKind + ")", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - t) / 1e9));
            server = startServer(dir, dbArgs);
            measure(server);
        } finally {
            if (server != null) {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
            if (pg != null) {
                pg.close();
            }
            deleteTree(dir);
        }
        System.out.println();
        System.out.println("RESULTS (" + dbKind + ", " + fleet.shape().hosts() + " hosts, " + fleet.postures().size() + " postures, "
                + fleet.cves().size() + " CVEs; " + Runtime.getRuntime().availableProcessors() + " cores, load average "
                + String.format(Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()) + ")");
        results.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-58s %s%n", k, v));
    }

    private void result(String name, String value) {
        results.put(name, value);
        System.out.printf(Locale.ROOT, "%-60s %s%n", name, value);
    }

    // ---- bulk load

    private LocalDate day(LocalDate d) {
        return d.plusDays(shiftDays);
    }

    private Instant at(Instant i) {
        return i.plus(shift);
    }

    private static String stream(int s) {
        return "sle-module-live-patching/15." + s + "/x86_64";
    }

    private void load(Database db) throws Exception {
        int perStream = fleet.shape().kernelsPerStream();
        Bulk bulk = db.kind() == Database.Kind.POSTGRESQL ? new Copy() : new Batches();
        Instant created = realNow;
        db.jdbi().useHandle(h -> {
            Connection c = h.getConnection();
            c.setAutoCommit(false);
            List<Object[]> products = new ArrayList<>();
            products.add(new Object[] {1001, "SLES", "15", "x86_64", "SUSE Linux Enterprise Server 15 x86_64", null, false});
            for (int s = 0; s < fleet.shape().streams(); s++) {
                products.add(new Object[] {1002 + s, "sle-module-live-patching", "15." + s, "x86_64", "Live Patching " + s, 1001, false});
            }
            bulk.load(c, "products", "id, identifier, version, arch, name, base_id, free", products.iterator());
            List<Object[]> kernels = new ArrayList<>();
            Map<KernelRelease, Integer> kernelIds = new HashMap<>();
            for (int i = 0; i < fleet.kernels().size(); i++) {
                CatalogKernel k = fleet.kernels().get(i);
                kernelIds.put(k.kernel(), i + 1);
                kernels.add(new Object[] {i + 1, 1002 + i / perStream, k.kernel().uname(), k.kernel().flavor(), "x86_64", day(k.released()),
                        day(k.endOfSupport()), created});
            }
            bulk.load(c, "kernels", "id, product_id, release, flavor, arch, released, end_of_support, created_at", kernels.iterator());
            List<Object[]> patches = new ArrayList<>();
            List<Object[]> fixes = new ArrayList<>();
            for (int i = 0; i < fleet.livePatches().size(); i++) {
                LivePatchPackage p = fleet.livePatches().get(i);
                patches.add(new Object[] {i + 1, kernelIds.get(p.kernel()), p.version(), day(p.releaseDate()), CatalogService.moduleName(p.kernel(), p.version()),
                        null, null, created});
                for (Fix f : p.fixes()) {
                    fixes.add(new Object[] {i + 1, f.id(), BigDecimal.valueOf(f.cvss()).setScale(1, RoundingMode.HALF_UP), f.summary(),
                            f.category().label(), f.changesDataStructures()});
                }
            }
            bulk.load(c, "live_patches", "id, kernel_id, version, released, module_name, rpm_file, rpm_sha256, created_at", patches.iterator());
            bulk.load(c, "live_patch_fixes", "live_patch_id, fix_id, cvss, summary, category, changes_data_structures", fixes.iterator());
            System.out.printf(Locale.ROOT, "loaded the catalog: %d kernels, %,d live patch versions, %,d fix rows%n", kernels.size(), patches.size(),
                    fixes.size());
            List<Object[]> cveRows = new ArrayList<>();
            List<Object[]> affected = new ArrayList<>();
            for (CveRecord r : fleet.cves()) {
                cveRows.add(new Object[] {r.id(), BigDecimal.valueOf(r.cvss()).setScale(1, RoundingMode.HALF_UP), r.vector(), r.summary(),
                        day(r.published()), r.category().label(), ScopePolicy.DEFAULT.qualifies(r.asFix()), r.livePatchPossible(), "feed", 1L, created});
                for (AffectedStream a : r.affected()) {
                    affected.add(new Object[] {r.id(), a.stream(), a.introducedIn() == null ? null : a.introducedIn().uname(),
                            a.fixedIn() == null ? null : a.fixedIn().uname(), "feed"});
                }
            }
            bulk.load(c, "cves", "id, cvss, vector, summary, published, category, qualifies, live_patch_possible, source, revision, updated_at",
                    cveRows.iterator());
            bulk.load(c, "cve_affected", "cve_id, stream, introduced_in, fixed_in, origin", affected.iterator());
            // groups g00..g49; the pinned tenth (SyntheticFleet puts its pinned classes there) pins every kernel to N-1
            List<Object[]> groups = new ArrayList<>();
            List<Object[]> pins = new ArrayList<>();
            Map<KernelRelease, Integer> latest = new HashMap<>();
            fleet.livePatches().forEach(p -> latest.merge(p.kernel(), p.version(), Math::max));
            int pinned = Math.max(1, fleet.shape().groups() / 10);
            for (int g = 0; g < fleet.shape().groups(); g++) {
                groups.add(new Object[] {group(g), "latest", null, 86400L, false, "revert", 60L, created});
                if (g < pinned) {
                    for (CatalogKernel k : fleet.kernels()) {
                        pins.add(new Object[] {group(g), k.kernel().uname(), Math.max(1, latest.get(k.kernel()) - 1), created});
                    }
                }
            }
            bulk.load(c, "groups", "name, policy, canary_group, soak_seconds, kernel_lock, on_timeout, transition_timeout_seconds, updated_at",
                    groups.iterator());
            bulk.load(c, "pins", "group_name, kernel_release, version, created_at", pins.iterator());
            bulk.load(c, "admin_tokens", "token_hash, label, created_at", List.<Object[]>of(new Object[] {Secrets.hash(token), "bench", created}).iterator());
            c.commit();
            long t = System.nanoTime();
            String hash = Secrets.hash(PASSWORD);
            int n = fleet.shape().hosts();
            Iterator<Object[]> systems = new Iterator<>() {
                int i;

                public boolean hasNext() {
                    return i < n;
                }

                public Object[] next() {
                    HostFacts f = fleet.host(i);
                    String kernel = f.posture().kernel().uname();
                    String group = i == BENCH_HOST ? "bench" : group(f.group());
                    int v = f.posture().loadedVersion();
                    Object[] row = {(long) i + 1, login(i), hash, String.format("host-%07d", i), group, created, at(f.lastCheckIn()),
                            at(f.lastCheckIn()), at(f.lastCheckIn()), 1L, kernel,
                            String.join(",", f.installedKernels().stream().map(KernelRelease::uname).toList()), "", v == 0 ? null : "klp_" + v,
                            v == 0 ? null : LivePatchPackage.packageName(f.posture().kernel()), v,
                            f.posture().transition() == Transition.IN_PROGRESS ? "in_progress" : "ready", 0L, 0, 0L, 0L, f.posture().forced(),
                            null, 0, null, null, null};
                    i++;
                    return row;
                }
            };
            bulk.load(c, "systems", "id, login, password_hash, hostname, group_name, registered_at, last_seen, last_checkin, posture_since, checkins,"
                    + " kernel, installed_kernels,"
                    + " installed_patches, loaded_patch, loaded_package, loaded_version, transition, transition_seconds, blockers, taint, new_taint, forced,"
                    + " last_operation, last_target, last_result, last_message, last_result_at", systems);
            c.commit();
            h.execute(db.kind() == Database.Kind.POSTGRESQL ? "select setval(pg_get_serial_sequence('systems', 'id'), " + (n + 1) + ")"
                    : "alter table systems alter column id restart with " + (n + 1));
            h.execute("analyze");
            c.commit();
            c.setAutoCommit(true);
            System.out.printf(Locale.ROOT, "loaded %,d systems in %.0f s%n", n, (System.nanoTime() - t) / 1e9);
        });
    }

    private static String group(int g) {
        return String.format("g%02d", g);
    }

    private static String login(int i) {
        return String.format("SCC_bench%07d", i);
    }

    /** Loads rows into a table as fast as the database takes them. */
    private interface Bulk {
        void load(Connection c, String table, String columns, Iterator<Object[]> rows) throws Exception;
    }

    /** PostgreSQL: COPY … FROM STDIN in CSV, 100,000 rows a round. */
    private static final class Copy implements Bulk {
        @Override
        public void load(Connection c, String table, String columns, Iterator<Object[]> rows) throws Exception {
            org.postgresql.copy.CopyManager copy = c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            StringBuilder sb = new StringBuilder(1 << 20);
            int n = 0;
            while (rows.hasNext()) {
                Object[] r = rows.next();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(csv(r[i]));
                }
                sb.append('\n');
                if (++n % 100_000 == 0) {
                    copy.copyIn("copy " + table + " (" + columns + ") from stdin (format csv)", new StringReader(sb.toString()));
                    sb.setLength(0);
                }
            }
            if (sb.length() > 0) {
                copy.copyIn("copy " + table + " (" + columns + ") from stdin (format csv)", new StringReader(sb.toString()));
            }
        }

        /** Unquoted empty is NULL, quoted empty is the empty string. */
        private static String csv(Object v) {
            if (v == null) {
                return "";
            }
            if (v instanceof String s) {
                return '"' + s.replace("\"", "\"\"") + '"';
            }
            if (v instanceof Instant i) {
                return OffsetDateTime.ofInstant(i, ZoneOffset.UTC).toString();
            }
            return v.toString();
        }
    }

    /** H2: one prepared insert, executed in batches of 10,000, committed every 100,000 rows. */
    private static final class Batches implements Bulk {
        @Override
        public void load(Connection c, String table, String columns, Iterator<Object[]> rows) throws Exception {
            int width = columns.split(",").length;
            String marks = String.join(", ", java.util.Collections.nCopies(width, "?"));
            try (PreparedStatement ps = c.prepareStatement("insert into " + table + " (" + columns + ") values (" + marks + ")")) {
                int n = 0;
                while (rows.hasNext()) {
                    Object[] r = rows.next();
                    for (int i = 0; i < r.length; i++) {
                        Object v = r[i] instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : r[i];
                        ps.setObject(i + 1, v);
                    }
                    ps.addBatch();
                    if (++n % 10_000 == 0) {
                        ps.executeBatch();
                    }
                    if (n % 100_000 == 0) {
                        c.commit();
                    }
                }
                ps.executeBatch();
                c.commit();
            }
        }
    }

    // ---- the server

    private Process startServer(Path dir, List<String> dbArgs) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-Dklp.audit.measureHeap=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp", System.getProperty("java.class.path"),
                "org.klp.server.Main", "serve", "--data", dir.resolve("data").toString(), "--port", Integer.toString(port)));
        cmd.addAll(dbArgs);
        Path log = dir.resolve("server.log");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        base = "http://127.0.0.1:" + port;
        long deadline = t0 + TimeUnit.MINUTES.toNanos(15);
        JsonNode status = null;
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                status = get("/api/v1/audit/status");
                if (status.path("ready").asBoolean()) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        if (status == null || !status.path("ready").asBoolean()) {
            System.out.println(Files.readString(log));
            throw new IllegalStateException("the server did not load its audit within 15 minutes (log above)");
        }
        double startup = (System.nanoTime() - t0) / 1e9;
        result("server start-up until the audit is loaded", String.format(Locale.ROOT, "%.1f s (audit load %.1f s of it)", startup,
                status.path("loadMillis").asLong() / 1e3));
        JsonNode size = status.path("size");
        result("audit size", String.format(Locale.ROOT, "%,d hosts, %,d classes, %,d slices, %,d cohorts, %,d CVEs, %d kernels", size.path("hosts").asInt(),
                size.path("classes").asInt(), size.path("slices").asInt(), size.path("cohorts").asInt(), size.path("cves").asInt(),
                size.path("kernels").asInt()));
        result("audit retained heap (used after GC, after minus before the load)", String.format(Locale.ROOT, "%.0f MB",
                status.path("retainedBytes").asLong() / 1e6));
        return p;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private int checkIn(int host, String posture) throws IOException, InterruptedException {
        String basic = "Basic " + Base64.getEncoder().encodeToString((login(host) + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/connect/systems/checkin")).header("Authorization", basic)
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(1)).POST(HttpRequest.BodyPublishers.ofString(posture)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    private static String posture(HostFacts f) {
        String kernel = f.posture().kernel().uname();
        int v = f.posture().loadedVersion();
        List<String> installed = new ArrayList<>(f.installedKernels().stream().map(KernelRelease::uname).toList());
        if (!installed.contains(kernel)) {
            installed.add(0, kernel);
        }
        return "{\"posture\":{\"kernel\":\"" + kernel + "\",\"installedKernels\":[\"" + String.join("\",\"", installed) + "\"],"
                + "\"installedLivePatches\":[],\"loadedPatch\":" + (v == 0 ? "null" : "\"klp_" + v + "\"") + ",\"loadedPackage\":null,\"loadedVersion\":"
                + v + ",\"transition\":\"" + (f.posture().transition() == Transition.IN_PROGRESS ? "in_progress" : "ready") + "\",\"transitionSeconds\":0,"
                + "\"blockers\":0,\"taint\":0,\"forced\":" + f.posture().forced() + ",\"lastApply\":null},\"agent\":\"bench\"}";
    }

    // ---- measurements

    private interface Query {
        void run(int i) throws Exception;
    }

    /** Runs a query {@code warmup} then {@code runs} times; returns the sorted latencies in ms. */
    private static double[] time(int warmup, int runs, Query q) throws Exception {
        for (int i = 0; i < warmup; i++) {
            q.run(i);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            q.run(warmup + i);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static String pct(double[] ms) {
        return String.format(Locale.ROOT, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d runs)", ms[ms.length / 2],
                ms[Math.min(ms.length - 1, (int) Math.ceil(ms.length * 0.99) - 1)], ms[ms.length - 1], ms.length);
    }

    private void measure(Process server) throws Exception {
        // the workload first: figures on a fleet that is not the intended one are not reported
        JsonNode first = get("/api/v1/audit/summary?top=10");
        result("  the synthetic fleet", String.format(Locale.ROOT, "%,d hosts, %,d at risk, %,d fixable by a live patch update, %,d need a reboot",
                first.path("hosts").asInt(), first.path("hostsAtRisk").asInt(), first.path("fixableByLivePatch").asInt(), first.path("needReboot").asInt()));
        Map<Verdict, Integer> byWorst = new java.util.EnumMap<>(Verdict.class);
        first.path("hostsByWorstVerdict").fields().forEachRemaining(e -> byWorst.put(Verdict.valueOf(e.getKey()), e.getValue().asInt()));
        result("  hosts by worst verdict, measured (intended)", MixCheck.describe(byWorst, fleet.intendedMix()));
        java.util.Optional<String> refusal = MIX.refusal(byWorst, fleet.intendedMix(), fleet.shape().hosts());
        if (refusal.isPresent()) {
            throw new DegenerateWorkload(refusal.get());
        }
        SplittableRandom random = new SplittableRandom(7);
        List<CveRecord> cves = fleet.cves();
        double[] cveCounts = time(100, 500, i -> get("/api/v1/audit/cves/" + cves.get(random.nextInt(cves.size())).id() + "?limit=0"));
        result("one CVE across the fleet: counts per verdict", pct(cveCounts));
        double[] cveListed = time(20, 200, i -> get("/api/v1/audit/cves/" + cves.get(random.nextInt(cves.size())).id()));
        result("one CVE: counts + first 100 hosts per at-risk verdict, named", pct(cveListed));
        double[] cveGroup = time(20, 200, i -> get("/api/v1/audit/cves/" + cves.get(random.nextInt(cves.size())).id() + "?limit=0&group=g07"));
        result("one CVE, one group: counts", pct(cveGroup));
        JsonNode[] summary = new JsonNode[1];
        double[] summaries = time(2, 10, i -> summary[0] = get("/api/v1/audit/summary?top=10"));
        result("fleet summary (all CVEs, top 10)", pct(summaries));
        int n = fleet.shape().hosts();
        double[] hostReports = time(10, 100, i -> get("/api/v1/audit/systems/" + (1 + random.nextInt(n)) + "?limit=20"));
        result("one host (every CVE evaluated, 20 listed)", pct(hostReports));
        result("what-if: pinned group g00 updates to latest", pct(time(1, 5, i -> get("/api/v1/audit/what-if?group=g00&change=latest"))));
        result("what-if: group g20 pinned to N-1", pct(time(1, 5, i -> get("/api/v1/audit/what-if?group=g20&change=pin&back=1"))));
        result("reboot plan (whole fleet sorted, first 100 named)", pct(time(1, 5, i -> get("/api/v1/audit/reboot-plan?limit=100"))));
        result("support ending within 30 days (first 100)", pct(time(1, 5, i -> get("/api/v1/audit/lifecycle/ending?days=30&limit=100"))));
        result("coverage per stream", pct(time(1, 5, i -> get("/api/v1/audit/coverage"))));

        Reflection reflection = reflectionProbe();
        result("check-in reflected: from its 2xx to a query showing it", pct(reflection.measure(300)));
        result("  check-in latency itself (same runs)", pct(reflection.ackMs));
        // the same under a background check-in load, and while fleet summaries run
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong background = new AtomicLong();
        List<Thread> load = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            int seed = c;
            Thread th = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(100 + seed);
                long variant = 0;
                while (!stop.get()) {
                    int host = 1 + r.nextInt(n - 1);
                    try {
                        if (checkIn(host, posture(fleet.checkIn(host, variant++))) == 200) {
                            background.incrementAndGet();
                        }
                    } catch (IOException | InterruptedException e) {
                        return;
                    }
                }
            }, "bench-checkins-" + c);
            th.setDaemon(true);
            th.start();
            load.add(th);
        }
        Thread.sleep(3000);
        long b0 = background.get();
        long t0 = System.nanoTime();
        double[] underLoad = reflection.measure(200);
        double[] cveUnderLoad = time(0, 200, i -> get("/api/v1/audit/cves/" + cves.get(random.nextInt(cves.size())).id() + "?limit=0"));
        double rate = (background.get() - b0) / ((System.nanoTime() - t0) / 1e9);
        result("under 8 clients checking in (" + String.format(Locale.ROOT, "%,.0f", rate) + " check-ins/s)", "");
        result("  check-in reflected", pct(underLoad));
        result("  one CVE across the fleet: counts", pct(cveUnderLoad));
        Thread summaryLoop = new Thread(() -> {
            while (!stop.get()) {
                try {
                    get("/api/v1/audit/summary?top=10");
                } catch (IOException | InterruptedException | RuntimeException e) {
                    return;
                }
            }
        }, "bench-summaries");
        summaryLoop.setDaemon(true);
        summaryLoop.start();
        Thread.sleep(1000);
        result("  ... and fleet summaries back to back: check-in reflected", pct(reflection.measure(100)));
        stop.set(true);
        for (Thread th : load) {
            th.join(30_000);
        }
        summaryLoop.join(30_000);
        heap(server);
        naive(cveCounts);
    }

    /** A check-in that changes the verdict of one CVE for the bench host, and a query that tells which it has. */
    private final class Reflection {
        final String cve;
        final String low;
        final String high;
        final String highVerdict;
        final String lowVerdict;
        double[] ackMs = new double[0];
        boolean nextHigh = true;

        Reflection(String cve, String low, String high) {
            this.cve = cve;
            this.low = low;
            this.high = high;
            this.highVerdict = "PATCHED_BY_LIVE_PATCH";
            this.lowVerdict = "LIVE_PATCH_AVAILABLE";
        }

        double[] measure(int runs) throws Exception {
            double[] seen = new double[runs];
            double[] ack = new double[runs];
            for (int i = 0; i < runs; i++) {
                String verdict = nextHigh ? highVerdict : lowVerdict;
                long t0 = System.nanoTime();
                int status = checkIn(BENCH_HOST, nextHigh ? high : low);
                long t1 = System.nanoTime();
                if (status != 200) {
                    throw new IllegalStateException("bench check-in: HTTP " + status);
                }
                int tries = 0;
                while (get("/api/v1/audit/cves/" + cve + "?group=bench&limit=0").at("/counts/" + verdict).asInt() != 1) {
                    if (++tries > 1000) {
                        throw new IllegalStateException("the check-in never showed in " + cve + "'s answer");
                    }
                }
                if (tries > 0) {
                    System.out.println("  (a query did not show the check-in at once: " + tries + " more)");
                }
                seen[i] = (System.nanoTime() - t1) / 1e6;
                ack[i] = (t1 - t0) / 1e6;
                nextHigh = !nextHigh;
            }
            Arrays.sort(seen);
            Arrays.sort(ack);
            ackMs = ack;
            return seen;
        }
    }

    /** A kernel and a CVE a live patch of it carries from version c on: posture c-1 leaves it available, c patches it. */
    private Reflection reflectionProbe() {
        Map<KernelRelease, List<LivePatchPackage>> byKernel = new HashMap<>();
        fleet.livePatches().forEach(p -> byKernel.computeIfAbsent(p.kernel(), k -> new ArrayList<>()).add(p));
        for (CatalogKernel k : fleet.kernels()) {
            List<LivePatchPackage> versions = byKernel.getOrDefault(k.kernel(), List.of());
            for (int v = 1; v < versions.size(); v++) {
                LivePatchPackage before = versions.get(v - 1);
                LivePatchPackage p = versions.get(v);
                for (Fix f : p.fixes()) {
                    boolean fresh = before.fixes().stream().noneMatch(x -> x.id().equals(f.id()));
                    CveRecord r = fleet.cves().stream().filter(c -> c.id().equals(f.id())).findFirst().orElse(null);
                    if (fresh && r != null && r.exposureOf(k.kernel()) == KernelExposure.AFFECTED) {
                        IntFunction<String> at = version -> posture(new HostFacts(BENCH_HOST, 0, org.klp.core.audit.Posture.loaded(k.kernel(), version), 0,
                                List.of(), fleet.now(), Duration.ofHours(1)));
                        return new Reflection(r.id(), at.apply(before.version()), at.apply(p.version()));
                    }
                }
            }
        }
        throw new IllegalStateException("no live patch carries a CVE first in a later version");
    }

    private void heap(Process server) throws Exception {
        long pid = server.pid();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        String info = run(jcmd, Long.toString(pid), "GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
        if (m.find()) {
            result("server heap after a full GC (Runtime used, -Xmx2g)", String.format(Locale.ROOT, "%.0f MB used of %.0f MB committed",
                    Long.parseLong(m.group(2)) / 1e3, Long.parseLong(m.group(1)) / 1e3));
        } else {
            result("server heap after a full GC", "(jcmd said: " + info.strip() + ")");
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    /** The naive per-host computation on the same data: pairs sampled for 10 s, then one CVE over a tenth of the fleet. */
    private void naive(double[] serverCve) {
        NaiveAudit naive = new NaiveAudit(ScopePolicy.DEFAULT, ZoneOffset.UTC, fleet.cves(), fleet.kernels(), fleet.livePatches());
        Instant now = fleet.now();
        int n = fleet.shape().hosts();
        SplittableRandom random = new SplittableRandom(11);
        HostFacts[] sample = new HostFacts[Math.min(n, 100_000)];
        for (int i = 0; i < sample.length; i++) {
            sample[i] = fleet.host(random.nextInt(n));
        }
        List<CveRecord> cves = fleet.cves();
        long sink = 0;
        long pairs = 0;
        long t = System.nanoTime();
        for (int h = 0; System.nanoTime() - t < 10_000_000_000L && h < sample.length; h++) {
            for (CveRecord c : cves) {
                sink += naive.verdict(sample[h], c, now).ordinal();
            }
            pairs += cves.size();
        }
        double nsPerPair = (System.nanoTime() - t) / (double) pairs;
        double summaryS = nsPerPair * n * (double) cves.size() / 1e9;
        t = System.nanoTime();
        CveRecord one = cves.get(0);
        for (HostFacts h : sample) {
            sink += naive.verdict(h, one, now).ordinal();
        }
        double oneCveMs = (System.nanoTime() - t) / 1e6 * n / sample.length;
        double serverSummary = Double.parseDouble(results.get("fleet summary (all CVEs, top 10)").replaceAll("^p50 ([0-9.]+) ms.*", "$1"));
        double serverOne = serverCve[serverCve.length / 2];
        result("naive per-host: ns per (host, CVE) pair", String.format(Locale.ROOT, "%.0f ns (%,d pairs sampled)", nsPerPair, pairs));
        result("naive: one CVE across the fleet (extrapolated from 100,000 hosts)", String.format(Locale.ROOT, "%.0f ms: %.0fx the server's p50 over HTTP",
                oneCveMs, oneCveMs / serverOne));
        result("naive: fleet summary (extrapolated)", String.format(Locale.ROOT, "%.0f s (%.1f h): %,.0fx the server's p50", summaryS, summaryS / 3600,
                summaryS * 1000 / serverSummary));
        if (sink == 42) {
            System.out.println();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
