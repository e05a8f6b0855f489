package org.klp.server.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.klp.cli.Klp;
import org.klp.core.kernel.KernelRelease;
import org.klp.kernel.sim.SimulatedKernel;
import org.klp.server.KlpServer;
import org.klp.server.catalog.CatalogService;
import org.klp.server.catalog.RpmMdPackageRepository;
import org.klp.server.store.Database;

/**
 * {@code klp-server demo}: a server with a realistic catalog and a fleet of simulated hosts, each
 * a simulated kernel in its own folder driven by the real host tool ({@code klp register},
 * {@code klp agent --once}) in-process, talking real HTTP to the server.
 *
 * <h2>What the fleet goes through</h2>
 * <ol>
 * <li>Every host registers with a code that puts it in a group, and activates Live Patching.</li>
 * <li>Round 1: hosts move to what their group's policy wants. Groups: {@code default} (latest),
 *     {@code canary} (latest; the canaries of {@code production}), {@code production} (staged,
 *     kernel lock), {@code db} (policy pin), {@code batch} (latest, forces blocked transitions).
 *     One canary has a kernel thread asleep in a function the newest patch replaces: its transition
 *     blocks, is reverted, and the supervisor halts that rollout, saying why. A {@code batch} host
 *     with the same blocker has its transition forced. One host runs a kernel past its end of
 *     support, one a kernel the catalog does not know.</li>
 * <li>The operator pins group {@code db} to N-1 on every kernel (over the API): a downgrade.</li>
 * <li>After the soak time the other rollouts are promoted; round 2 brings {@code production} along.</li>
 * <li>Round 3 checks convergence: every host's check-in changes nothing.</li>
 * </ol>
 */
public final class Demo {

    /** How the demo ended. */
    /** {@code metrics}: a Prometheus scrape of the server at the end, as {@code metricsUrl} serves it. */
    public record Result(boolean converged, int hosts, List<Map<String, Integer>> rounds, Duration took, String url, String adminToken,
                         JsonNode summary, JsonNode rollouts, JsonNode audit, String metricsUrl, String metrics) {
    }

    static final Duration SOAK = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNSUPPORTED_KERNEL = "6.12.0-160000.5-default";

    private Demo() {
    }

    private record HostSpec(int index, String name, String group, String kernel, String stream, boolean blocker) {
    }

    public static Result run(Path dir, int hostCount, int port, PrintWriter out, boolean keepServing) throws Exception {
        long t0 = System.nanoTime();
        Clock clock = Clock.systemUTC();
        Database db = Database.h2(dir.resolve("server"));
        KlpServer server;
        RpmMdPackageRepository packages = RpmMdPackageRepository.inDataDir(dir.resolve("server"), clock, 2048);
        try {
            server = KlpServer.start(new KlpServer.Config("127.0.0.1", port, dir.resolve("server"), db, packages, clock, null, 0)
                    .withMetrics("127.0.0.1", 0));
        } catch (IllegalStateException e) {
            if (port == 0) {
                throw e;
            }
            out.println("port " + port + " is taken; using any free port");
            server = KlpServer.start(new KlpServer.Config("127.0.0.1", 0, dir.resolve("server"), db, packages, clock, null, 0)
                    .withMetrics("127.0.0.1", 0));
        }
        String token = server.tokens().create("demo", clock.instant());
        Api api = new Api(server.url(), token);
        try {
            out.println("klp demo: server at " + server.url() + " (data in " + dir + ")");
            Map<String, String> codes = publishCatalog(server, api, clock, out);
            List<HostSpec> fleet = fleet(hostCount, LocalDate.now(clock));
            out.printf("starting %d simulated hosts, each running the real 'klp agent' in-process%n", fleet.size());
            out.flush();
            ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Math.min(8, Runtime.getRuntime().availableProcessors() * 2)));
            try {
                Path hosts = dir.resolve("hosts");
                Map<String, Integer> reg = forEach(pool, fleet, h -> register(hosts, h, api.base, codes));
                out.printf("registered %d hosts: %s%n", fleet.size(), reg);
                server.supervisor().runOnce();
                Map<String, Integer> r1 = round(pool, hosts, fleet, 1, out);
                server.supervisor().runOnce();
                java.util.Set<String> printed = new java.util.HashSet<>();
                printRollouts(api, out, printed);

                out.println("operator: pin group db to N-1 on every kernel (PUT /api/v1/groups/db/pins/KERNEL {\"back\": 1})");
                for (DemoCatalog.Kernel k : DemoCatalog.kernels(LocalDate.now(clock))) {
                    api.send("PUT", "/api/v1/groups/db/pins/" + k.release().uname(), "{\"back\": 1}");
                }
                out.printf("waiting %d s of soak time for the staged rollouts%n", SOAK.toSeconds());
                out.flush();
                Thread.sleep(SOAK.toMillis() + 200);
                server.supervisor().runOnce();
                printRollouts(api, out, printed);
                Map<String, Integer> r2 = round(pool, hosts, fleet, 2, out);
                server.supervisor().runOnce();
                Map<String, Integer> r3 = round(pool, hosts, fleet, 3, out);
                boolean converged = r3.keySet().stream().allMatch(k -> k.equals("unchanged") || k.equals("unavailable"));
                JsonNode summary = api.get("/api/v1/summary");
                JsonNode audit = api.get("/api/v1/audit/summary?top=5");
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                printSummary(summary, out);
                printAudit(api, audit, out);
                out.printf("%s after 3 rounds in %.1f s%n", converged ? "converged" : "NOT converged", took.toMillis() / 1000.0);
                out.println();
                out.println("Dashboard:    " + server.url() + "/   (log in with the admin token " + token + ")");
                out.println("API:          " + server.url() + "/api/v1/summary   (Authorization: Bearer " + token + ")");
                out.println("              " + server.url() + "/api/v1/systems?state=forced, /api/v1/rollouts, /api/openapi.json");
                out.println("CVE audit:    " + server.url() + "/api/v1/audit/summary, /api/v1/audit/cves/CVE-2024-1086, /api/v1/audit/reboot-plan");
                out.println("              KLP_ADMIN_TOKEN=" + token + " bin/klp-server audit summary --server " + server.url());
                out.println("Repositories: " + server.url() + "/repo/" + DemoCatalog.SP5.extension() + "/");
                out.println("Metrics:      " + server.metricsUrl() + "   (Prometheus text format, no credentials)");
                out.println("A host:       bin/klp --root " + hosts.resolve(fleet.get(0).name()) + " -v patches");
                out.flush();
                if (r1.isEmpty() || r2.isEmpty()) {
                    converged = false;
                }
                Result result = new Result(converged, fleet.size(), List.of(r1, r2, r3), took, server.url(), token, summary,
                        api.get("/api/v1/rollouts"), audit, server.metricsUrl(), scrape(server.metricsUrl()));
                if (keepServing) {
                    out.println("serving the API until Ctrl-C");
                    out.flush();
                    KlpServer s = server;
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        s.close();
                        db.close();
                    }));
                    Thread.currentThread().join();
                }
                return result;
            } finally {
                pool.shutdownNow();
            }
        } finally {
            if (!keepServing) {
                server.close();
                db.close();
            }
        }
    }

    /** What Prometheus would read from the server now. */
    private static String scrape(String metricsUrl) throws Exception {
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(metricsUrl)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + metricsUrl + " answered " + r.statusCode());
        }
        return r.body();
    }

    /**
     * Publishes the demo's catalog (products, kernels, live patches, groups, codes) and its CVE feed into a running server that
     * listens on the loopback (its public URL may be another).
     */
    public static void publishCatalog(KlpServer server, String adminToken, PrintWriter out) throws Exception {
        publishCatalog(server, new Api("http://127.0.0.1:" + server.port(), adminToken), Clock.systemUTC(), out);
    }

    private static Map<String, String> publishCatalog(KlpServer server, Api api, Clock clock, PrintWriter out) throws Exception {
        CatalogService c = server.catalog();
        int versions = 0;
        for (DemoCatalog.Stream s : List.of(DemoCatalog.SP5, DemoCatalog.SP6)) {
            String[] b = s.base().split("/");
            c.addProduct(b[0], b[1], b[2], s.baseName(), null, false);
            String[] e = s.extension().split("/");
            c.addProduct(e[0], e[1], e[2], s.extensionName(), s.base(), false);
        }
        LocalDate today = LocalDate.now(clock);
        List<DemoCatalog.Kernel> kernels = DemoCatalog.kernels(today);
        for (int i = 0; i < kernels.size(); i++) {
            DemoCatalog.Kernel k = kernels.get(i);
            c.publishKernel(k.stream().extension(), k.release(), k.released(), null, null);
            versions++;
            for (int n = 2; n <= k.versions(); n++) {
                // versions a few weeks apart, none after the kernel's end of support
                LocalDate released = k.released().plusDays(25L * (n - 1));
                c.publishLivePatch(k.release(), CatalogService.simulatedModule(k.release(), n, DemoCatalog.functions(n)), "demo module",
                        DemoCatalog.fixes(i, n), released.isAfter(today) ? today : released);
                versions++;
            }
        }
        out.printf("published catalog: 2 products with Live Patching extensions, %d kernels, %d live patch versions (RPMs in signed rpm-md repositories)%n",
                kernels.size(), versions);
        JsonNode imported = api.send("POST", "/api/v1/cves", DemoCatalog.feed());
        out.printf("imported the CVE feed: %d records added, %d updated (made from the live patches' fixes before), %d refused%n",
                imported.path("added").asInt(), imported.path("updated").asInt(), imported.path("refused").size());
        api.send("PUT", "/api/v1/groups/canary", "{\"policy\": \"latest\"}");
        api.send("PUT", "/api/v1/groups/production", "{\"policy\": \"staged\", \"canaryGroup\": \"canary\", \"soakSeconds\": " + SOAK.toSeconds()
                + ", \"kernelLock\": true}");
        api.send("PUT", "/api/v1/groups/db", "{\"policy\": \"pin\"}");
        api.send("PUT", "/api/v1/groups/batch", "{\"policy\": \"latest\", \"onTimeout\": \"force\", \"transitionTimeoutSeconds\": 30}");
        out.println("groups: default (latest), canary (latest), production (staged after canary, soak " + SOAK.toSeconds()
                + " s, kernel lock), db (pin), batch (latest, force blocked transitions)");
        Map<String, String> codes = new ConcurrentHashMap<>();
        for (String group : List.of("default", "canary", "production", "db", "batch")) {
            for (DemoCatalog.Stream s : List.of(DemoCatalog.SP5, DemoCatalog.SP6)) {
                codes.put(group + "|" + s.base(), api.send("POST", "/api/v1/registration-codes", "{\"product\": \"" + s.base()
                        + "\", \"maxSystems\": 100000, \"group\": \"" + group + "\", \"label\": \"" + group + " " + s.base() + "\"}").get("code").asText());
            }
        }
        for (DemoCatalog.Stream s : List.of(DemoCatalog.SP5, DemoCatalog.SP6)) {
            codes.put("lp|" + s.base(), api.send("POST", "/api/v1/registration-codes", "{\"product\": \"" + s.extension()
                    + "\", \"maxSystems\": 100000, \"label\": \"live patching " + s.extension() + "\"}").get("code").asText());
        }
        out.flush();
        return codes;
    }

    /** The fleet: the interesting hosts first, then groups and kernels spread evenly. */
    private static List<HostSpec> fleet(int n, LocalDate today) {
        List<DemoCatalog.Kernel> kernels = DemoCatalog.kernels(today);
        DemoCatalog.Kernel newestSp6 = kernels.get(kernels.size() - 1);
        List<HostSpec> out = new ArrayList<>();
        String[] groups = {"production", "production", "production", "production", "production", "canary", "db", "db", "default", "default",
                "batch", "canary"};
        for (int i = 0; i < n; i++) {
            String name = String.format("host-%04d", i + 1);
            HostSpec h;
            if (i == 0) {
                h = new HostSpec(i, name, "canary", newestSp6.release().uname(), newestSp6.stream().base(), true);
            } else if (i == 1) {
                DemoCatalog.Kernel k = kernels.get(4);
                h = new HostSpec(i, name, "batch", k.release().uname(), k.stream().base(), true);
            } else if (i == 2) {
                h = new HostSpec(i, name, "default", kernels.get(0).release().uname(), kernels.get(0).stream().base(), false);
            } else if (i == 3) {
                h = new HostSpec(i, name, "default", UNSUPPORTED_KERNEL, DemoCatalog.SP6.base(), false);
            } else {
                // groups repeat every 12 hosts: shift the kernel each cycle so that every group spans every kernel
                DemoCatalog.Kernel k = kernels.get((i + i / groups.length) % kernels.size());
                h = new HostSpec(i, name, groups[i % groups.length], k.release().uname(), k.stream().base(), false);
            }
            out.add(h);
        }
        return out;
    }

    private static String register(Path hosts, HostSpec h, String url, Map<String, String> codes) {
        Path root = hosts.resolve(h.name());
        SimulatedKernel sim = SimulatedKernel.create(root, new SimulatedKernel.Spec(KernelRelease.parse(h.kernel()), true, 4, List.of()),
                Clock.systemUTC());
        if (h.blocker()) {
            // a kernel thread never switches patches by itself: asleep in a function the newest patch replaces, it blocks the transition
            sim.startSleepingTask("kworker/1:2-nfs", "", "vmlinux", "tcp_sendmsg", true, false);
        }
        try {
            java.nio.file.Files.createDirectories(root.resolve("etc"));
            java.nio.file.Files.writeString(root.resolve("etc/hostname"), h.name() + "\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        klp(root, "register", "--server", url, "-r", codes.get(h.group() + "|" + h.stream()));
        String ext = h.stream().equals(DemoCatalog.SP5.base()) ? DemoCatalog.SP5.extension() : DemoCatalog.SP6.extension();
        klp(root, "register", "-p", ext, "-r", codes.get("lp|" + h.stream()));
        return "registered";
    }

    private static JsonNode klp(Path root, String... args) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString(), "--json"));
        a.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        try {
            JsonNode n = JSON.readTree(out.toString());
            if (code == 2 || (code == 3 && n != null && n.has("error"))) {
                throw new IllegalStateException(root.getFileName() + ": klp " + String.join(" ", args) + ": " + err.toString().strip());
            }
            return n;
        } catch (IOException e) {
            throw new IllegalStateException(root.getFileName() + ": klp " + String.join(" ", args) + " printed no JSON: " + err.toString().strip(), e);
        }
    }

    private static Map<String, Integer> round(ExecutorService pool, Path hosts, List<HostSpec> fleet, int n, PrintWriter out) throws Exception {
        long t = System.nanoTime();
        Map<String, Integer> tally = forEach(pool, fleet, h -> {
            JsonNode r = klp(hosts.resolve(h.name()), "agent", "--once");
            String result = r == null ? "failed" : r.path("result").asText("failed");
            String action = r == null ? "" : r.path("action").asText("");
            return result.equals("completed") ? (action.equals("downgrade") ? "downgraded" : "updated") : result;
        });
        out.printf("round %d: %d check-ins in %.1f s: %s%n", n, fleet.size(), (System.nanoTime() - t) / 1e9, tally);
        out.flush();
        return tally;
    }

    private interface HostTask {
        String run(HostSpec h) throws Exception;
    }

    private static Map<String, Integer> forEach(ExecutorService pool, List<HostSpec> fleet, HostTask task) throws Exception {
        List<Future<String>> futures = new ArrayList<>();
        for (HostSpec h : fleet) {
            futures.add(pool.submit(() -> {
                try {
                    return task.run(h);
                } catch (RuntimeException e) {
                    return "error: " + e.getMessage();
                }
            }));
        }
        Map<String, Integer> tally = new TreeMap<>();
        for (Future<String> f : futures) {
            tally.merge(f.get(), 1, Integer::sum);
        }
        return tally;
    }

    private static void printRollouts(Api api, PrintWriter out, java.util.Set<String> printed) throws Exception {
        for (JsonNode r : api.get("/api/v1/rollouts")) {
            String key = r.path("group").asText() + r.path("kernel").asText() + r.path("version").asInt() + r.path("status").asText();
            if (!r.path("status").asText().equals("canary") && printed.add(key)) {
                out.printf("  rollout %s v%d → %s: %s: %s%n", r.path("kernel").asText(), r.path("version").asInt(), r.path("group").asText(),
                        r.path("status").asText().toUpperCase(java.util.Locale.ROOT), r.path("reason").asText());
            }
        }
        out.flush();
    }

    private static void printSummary(JsonNode s, PrintWriter out) {
        out.println();
        out.println("FLEET SUMMARY");
        out.printf("  systems %d, checked in %d: newest live patch %d, behind %d, in progress %d, forced %d, last apply failed %d%n",
                s.path("systems").asLong(), s.path("checkedIn").asLong(), s.path("onNewest").asLong(), s.path("behind").asLong(),
                s.path("inProgress").asLong(), s.path("forced").asLong(), s.path("failedApplies").asLong());
        out.printf("  safe from every known CVE %d; made safe by a live patch update %d, by a reboot %d; nothing fixes yet %d; unknown %d%n",
                s.path("safe").asLong(), s.path("fixableByLivePatch").asLong(), s.path("needReboot").asLong(), s.path("noFixYet").asLong(),
                s.path("unknown").asLong());
        out.printf("  kernel support ended %d, ending within 30 days %d, kernel not in the catalog %d%n", s.path("expired").asLong(),
                s.path("expiringWithin30Days").asLong(), s.path("unsupportedKernel").asLong());
        out.println("  hosts by posture (kernel, loaded live patch version / newest):");
        for (JsonNode p : s.path("postures")) {
            out.printf("    %-32s v%d/%s %-9s%s %5d  %s%n", p.path("kernel").asText(), p.path("version").asInt(),
                    p.path("newest").isNull() ? "-" : p.path("newest").asText(), p.path("transition").asText(),
                    p.path("forced").asBoolean() ? " forced" : "", p.path("hosts").asLong(), p.path("status").asText()
                            + (p.path("endOfSupport").isNull() ? "" : " (support until " + p.path("endOfSupport").asText() + ")"));
        }
        for (JsonNode r : s.path("haltedRollouts")) {
            out.printf("  halted rollout: %s v%d to %s: %s%n", r.path("kernel").asText(), r.path("version").asInt(), r.path("group").asText(),
                    r.path("reason").asText());
        }
    }

    private static void printAudit(Api api, JsonNode audit, PrintWriter out) throws Exception {
        out.println();
        out.println("CVE AUDIT (current with the last check-in; klp-server audit …)");
        StringWriter text = new StringWriter();
        org.klp.server.cli.AuditCommand.summaryText(audit, new PrintWriter(text, true));
        text.toString().lines().forEach(l -> out.println("  " + l));
        JsonNode expired = api.get("/api/v1/audit/lifecycle/expired?limit=3");
        JsonNode ending = api.get("/api/v1/audit/lifecycle/ending?days=30&limit=1");
        out.printf("  live patch support: %d hosts past its end (reboot now), %d ending within 30 days%n", expired.path("total").asInt(),
                ending.path("total").asInt());
        for (String id : List.of("CVE-2024-1086", "CVE-2024-50115")) {
            JsonNode cve = api.get("/api/v1/audit/cves/" + id + "?limit=0");
            List<String> counts = new ArrayList<>();
            cve.path("counts").fields().forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    counts.add(e.getKey() + " " + e.getValue().asInt());
                }
            });
            out.println("  " + id + " across the fleet: " + String.join(", ", counts));
        }
        out.flush();
    }

    /** The operator's side: the admin REST API over real HTTP. */
    static final class Api {
        private final String base;
        private final String token;
        private final HttpClient http = HttpClient.newHttpClient();

        Api(String base, String token) {
            this.base = base;
            this.token = token;
        }

        JsonNode get(String path) throws IOException, InterruptedException {
            return send("GET", path, null);
        }

        JsonNode send(String method, String path, String body) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + token);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body().isEmpty() ? null : JSON.readTree(r.body());
        }
    }
}
