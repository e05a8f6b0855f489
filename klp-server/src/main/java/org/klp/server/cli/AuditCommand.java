package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code klp-server audit …}: the fleet CVE audit of a running server, over its API (see
 * {@link ServerClient} for why). Text for people by default; {@code --json} prints the API's
 * document, {@code --csv} its CSV (every row, not a first page).
 */
@Command(name = "audit", mixinStandardHelpOptions = true, description = {
        "The fleet CVE audit of a running server (always current: every check-in and publication is in the next answer).",
        "Talks to the server's API: --server URL (default $KLP_SERVER or http://127.0.0.1:8080), admin token in $KLP_ADMIN_TOKEN or --token."},
        subcommands = {AuditCommand.Cve.class, AuditCommand.Host.class, AuditCommand.Summary.class, AuditCommand.WhatIf.class,
                AuditCommand.Ending.class, AuditCommand.Expired.class, AuditCommand.RebootPlan.class, AuditCommand.Coverage.class,
                AuditCommand.Status.class})
public final class AuditCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    static final class Format {
        @Option(names = "--json", description = "Print the API's JSON document.")
        boolean json;

        @Option(names = "--csv", description = "Print CSV: one row per host, finding, CVE or stream (every row).")
        boolean csv;
    }

    /** One query: its path and parameters, and how to say its answer in text. */
    abstract static class Query implements Callable<Integer> {
        @Mixin
        ServerClient.Options remote = new ServerClient.Options();

        @ArgGroup(exclusive = true)
        Format format = new Format();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        abstract String path();

        abstract Map<String, Object> params();

        abstract void text(JsonNode n, PrintWriter out);

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ServerClient client = remote.client();
            Map<String, Object> params = new java.util.LinkedHashMap<>(params());
            if (format.csv) {
                params.put("format", "csv");
                out.print(client.get(path(), params).body());
            } else {
                JsonNode n = client.json(client.get(path(), params));
                if (format.json) {
                    out.println(PRETTY.writeValueAsString(n));
                } else {
                    text(n, out);
                }
            }
            out.flush();
            return 0;
        }
    }

    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Filters by group and product. */
    static final class Filter {
        @Option(names = "--group", paramLabel = "GROUP", description = "Only hosts of this group.")
        String group;

        @Option(names = "--product", paramLabel = "ID/VERSION/ARCH", description = "Only hosts on kernels of this product (or its extensions).")
        String product;
    }

    @Command(name = "cve", mixinStandardHelpOptions = true, description = "One CVE across the fleet: hosts per verdict, and the hosts at risk.")
    static final class Cve extends Query {
        @Parameters(paramLabel = "CVE-ID")
        String id;

        @Mixin
        Filter filter = new Filter();

        @Option(names = "--verdict", paramLabel = "VERDICTS", description = "List hosts of these verdicts: at-risk (default), all, or a comma-separated list.")
        String verdict;

        @Option(names = "--limit", description = "Hosts listed per verdict (default 100 in text and JSON; CSV lists all).")
        Integer limit;

        String path() {
            return "/api/v1/audit/cves/" + id;
        }

        Map<String, Object> params() {
            return ServerClient.params("group", filter.group, "product", filter.product, "verdict", verdict, "limit", limit);
        }

        void text(JsonNode n, PrintWriter out) {
            JsonNode c = n.path("cve");
            out.printf("%s  CVSS %s  %s%s%s  published %s%n", c.path("id").asText(), c.path("cvss").asText(), c.path("category").asText(),
                    c.path("qualifies").asBoolean() ? ", qualifies for a live patch" : ", does not qualify for a live patch",
                    c.path("livePatchPossible").asBoolean() ? "" : ", not live patchable (changes data structures)", c.path("published").asText());
            if (!c.path("summary").asText().isEmpty()) {
                out.println("  " + c.path("summary").asText());
            }
            if (!c.path("vector").asText().isEmpty()) {
                out.println("  " + c.path("vector").asText());
            }
            List<String> affected = new ArrayList<>();
            c.path("affected").forEach(a -> affected.add(a.path("stream").asText() + (a.path("fixedIn").isNull() ? " (no fix yet)"
                    : " (fixed in " + a.path("fixedIn").asText() + ")")));
            out.println("  affected: " + (affected.isEmpty() ? "none" : String.join(", ", affected)));
            List<String> lps = new ArrayList<>();
            c.path("livePatches").fields().forEachRemaining(e -> lps.add(e.getKey() + " from version " + e.getValue().asInt()));
            out.println("  live patches: " + (lps.isEmpty() ? "none" : String.join(", ", lps)));
            out.printf("%d hosts, %d at risk (as of %s)%n", n.path("hosts").asInt(), n.path("atRisk").asInt(), n.path("asOf").asText());
            n.path("counts").fields().forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    out.printf("  %-24s %8d%n", e.getKey(), e.getValue().asInt());
                }
            });
            n.path("systems").fields().forEachRemaining(e -> {
                JsonNode v = e.getValue();
                if (v.path("count").asInt() == 0) {
                    return;
                }
                List<String> hosts = new ArrayList<>();
                v.path("listed").forEach(h -> hosts.add(h.path("id").asText() + " " + h.path("hostname").asText("?") + " [" + h.path("group").asText("?") + "]"));
                int more = v.path("count").asInt() - hosts.size();
                out.printf("%s: %s%s%n", e.getKey(), String.join(", ", hosts), more > 0 ? " … and " + more + " more" : "");
            });
        }
    }

    @Command(name = "host", mixinStandardHelpOptions = true, description = "One host: every CVE that concerns it, worst first, with evidence.")
    static final class Host extends Query {
        @Parameters(paramLabel = "SYSTEM-ID")
        long id;

        @Option(names = "--limit", description = "Findings listed (default: all).")
        Integer limit;

        String path() {
            return "/api/v1/audit/systems/" + id;
        }

        Map<String, Object> params() {
            return ServerClient.params("limit", limit);
        }

        void text(JsonNode n, PrintWriter out) {
            JsonNode s = n.path("system");
            out.printf("system %d %s [%s]: kernel %s, live patch version %d%s%s%s%n", s.path("id").asLong(), s.path("hostname").asText("?"),
                    s.path("group").asText(), s.path("kernel").asText(), s.path("loadedVersion").asInt(),
                    s.path("transition").asText().equals("complete") ? "" : ", transition " + s.path("transition").asText(),
                    s.path("forced").asBoolean() ? ", forced" : "", s.path("pinnedVersion").asInt() == 0 ? "" : ", pinned to " + s.path("pinnedVersion").asInt());
            out.printf("  last check-in %s%s; next boot %s%n", s.path("lastCheckIn").asText(), s.path("stale").asBoolean() ? " (STALE)" : "",
                    s.path("nextBootKernel").isNull() ? "the running kernel" : s.path("nextBootKernel").asText());
            out.printf("worst: %s; %d CVEs concern it%n", n.path("worst").asText(), n.path("total").asInt());
            for (JsonNode f : n.path("findings")) {
                out.printf("  %-22s %-16s %4s  %s%n", f.path("verdict").asText(), f.path("cve").asText(), f.path("cvss").asText(), f.path("explain").asText());
            }
        }
    }

    @Command(name = "summary", mixinStandardHelpOptions = true, description = "The fleet across all CVEs: hosts at risk, top CVEs, live patch vs reboot.")
    static final class Summary extends Query {
        @Mixin
        Filter filter = new Filter();

        @Option(names = "--top", description = "CVEs listed (default ${DEFAULT-VALUE}).")
        int top = 10;

        String path() {
            return "/api/v1/audit/summary";
        }

        Map<String, Object> params() {
            return ServerClient.params("group", filter.group, "product", filter.product, "top", top);
        }

        void text(JsonNode n, PrintWriter out) {
            summaryText(n, out);
        }
    }

    /** The summary in words; the demo prints it too. */
    public static void summaryText(JsonNode n, PrintWriter out) {
        int hosts = n.path("hosts").asInt();
        out.printf("%d hosts audited, %d at risk%s: %d would be safe after a live patch update, %d after a reboot, %d have a CVE nothing"
                        + " fixes yet%n", hosts,
                n.path("hostsAtRisk").asInt(), hosts == 0 ? "" : String.format(Locale.ROOT, " (%.0f%%)", 100.0 * n.path("hostsAtRisk").asInt() / hosts),
                n.path("fixableByLivePatch").asInt(), n.path("needReboot").asInt(), n.path("noFixYet").asInt());
        JsonNode x = n.path("exposures");
        if (!x.isMissingNode()) {
            out.printf("  exposures (host x CVE): %d closed by a live patch update, %d by a reboot, %d by nothing yet, %d unknown%n",
                    x.path("livePatchUpdate").asLong(), x.path("reboot").asLong(), x.path("noFixYet").asLong(), x.path("unknown").asLong());
        }
        List<String> worst = new ArrayList<>();
        n.path("hostsByWorstVerdict").fields().forEachRemaining(e -> {
            if (e.getValue().asInt() > 0) {
                worst.add(e.getKey() + " " + e.getValue().asInt());
            }
        });
        out.println("  hosts by worst verdict: " + String.join(", ", worst));
        if (n.path("topCves").size() > 0) {
            out.printf("  %-16s %4s %8s %12s %8s%n", "top CVEs", "CVSS", "at risk", "live patch", "reboot");
            for (JsonNode c : n.path("topCves")) {
                out.printf("  %-16s %4s %8d %12d %8d%n", c.path("cve").asText(), c.path("cvss").asText(), c.path("hostsAtRisk").asInt(),
                        c.path("fixableByLivePatch").asInt(), c.path("needReboot").asInt());
            }
        }
    }

    @Command(name = "what-if", mixinStandardHelpOptions = true, description = "The verdicts that would change if a group updated to the latest live patch, or were pinned to N-back.")
    static final class WhatIf extends Query {
        @Option(names = "--group", required = true, paramLabel = "GROUP")
        String group;

        static final class Change {
            @Option(names = "--latest", required = true, description = "The group updates to the newest live patch of each kernel.")
            boolean latest;

            @Option(names = "--pin-back", required = true, paramLabel = "N", description = "The group is pinned N versions below the newest (1: N-1).")
            Integer back;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Change change;

        @Option(names = "--limit", description = "Changes listed (default 100; CSV lists all).")
        Integer limit;

        String path() {
            return "/api/v1/audit/what-if";
        }

        Map<String, Object> params() {
            return ServerClient.params("group", group, "change", change.latest ? "latest" : "pin", "back", change.latest ? null : change.back,
                    "limit", limit);
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("if group %s %s: %d of its %d hosts (checking in on time) change; %d exposures closed, %d opened%n", n.path("group").asText(),
                    n.path("change").asText().equals("latest") ? "updated to the latest live patch" : "were pinned to N-" + n.path("back").asInt(),
                    n.path("hostsChanged").asInt(), n.path("hostsConsidered").asInt(), n.path("exposuresClosed").asLong(),
                    n.path("exposuresOpened").asLong());
            for (JsonNode c : n.path("changes")) {
                out.printf("  %-16s %-22s → %-22s %6d hosts%n", c.path("cve").asText(), c.path("from").asText(), c.path("to").asText(), c.path("hosts").asInt());
            }
            int more = n.path("totalChanges").asInt() - n.path("changes").size();
            if (more > 0) {
                out.printf("  … and %d more changes (--limit, --csv)%n", more);
            }
        }
    }

    /** Lifecycle reports share their options and their table. */
    abstract static class Lifecycle extends Query {
        @Mixin
        Filter filter = new Filter();

        @Option(names = "--limit", description = "Systems listed (default 1000; CSV lists all).")
        Integer limit;

        Map<String, Object> params() {
            return ServerClient.params("group", filter.group, "product", filter.product, "limit", limit);
        }

        void rows(JsonNode n, PrintWriter out) {
            for (JsonNode s : n.path("systems")) {
                out.printf("  %8d %-24s %-12s %-32s %s (%d days)%n", s.path("id").asLong(), s.path("hostname").asText("?"), s.path("group").asText(),
                        s.path("kernel").asText(), s.path("endOfSupport").asText(), s.path("daysLeft").asLong());
            }
            int more = n.path("total").asInt() - n.path("systems").size();
            if (more > 0) {
                out.printf("  … and %d more (--limit, --csv)%n", more);
            }
        }
    }

    @Command(name = "ending", mixinStandardHelpOptions = true, description = "Hosts whose kernel's live patch support ends within N days.")
    static final class Ending extends Lifecycle {
        @Option(names = "--days", description = "Days ahead (default ${DEFAULT-VALUE}).")
        int days = 30;

        String path() {
            return "/api/v1/audit/lifecycle/ending";
        }

        @Override
        Map<String, Object> params() {
            Map<String, Object> p = new java.util.LinkedHashMap<>(super.params());
            p.put("days", days);
            return p;
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("%d hosts run a kernel whose live patch support ends within %d days%n", n.path("total").asInt(), n.path("days").asInt());
            rows(n, out);
        }
    }

    @Command(name = "expired", mixinStandardHelpOptions = true, description = "Hosts whose kernel's live patch support has ended.")
    static final class Expired extends Lifecycle {
        String path() {
            return "/api/v1/audit/lifecycle/expired";
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("%d hosts run a kernel past the end of its live patch support: they get no more live patches%n", n.path("total").asInt());
            rows(n, out);
        }
    }

    @Command(name = "reboot-plan", mixinStandardHelpOptions = true, description = "Every host: the date by which it must reboot, and the kernel to move to.")
    static final class RebootPlan extends Lifecycle {
        String path() {
            return "/api/v1/audit/reboot-plan";
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("%d hosts, earliest deadline first%n", n.path("total").asInt());
            for (JsonNode s : n.path("systems")) {
                String by = s.path("rebootBy").isNull() ? "no date (kernel not in the catalog)"
                        : s.path("rebootBy").asText() + (s.path("overdue").asBoolean() ? " OVERDUE" : "");
                String to = s.path("moveTo").isNull() ? "(newest of its stream)" : s.path("moveTo").asText() + (s.path("moveToInstalled").asBoolean() ? " (installed)" : "");
                out.printf("  %8d %-24s %-12s %-32s reboot by %s into %s%n", s.path("id").asLong(), s.path("hostname").asText("?"),
                        s.path("group").asText(), s.path("running").asText(), by, to);
            }
            int more = n.path("total").asInt() - n.path("systems").size();
            if (more > 0) {
                out.printf("  … and %d more (--limit, --csv)%n", more);
            }
        }
    }

    @Command(name = "coverage", mixinStandardHelpOptions = true, description = "Per kernel stream: share of qualifying fixes released as live patches, median days to a live patch.")
    static final class Coverage extends Query {
        String path() {
            return "/api/v1/audit/coverage";
        }

        Map<String, Object> params() {
            return Map.of();
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode s : n.path("streams")) {
                out.printf("%s: %d of %d qualifying CVEs live patched (%.0f%%), median %s days from publication to live patch%n",
                        s.path("stream").asText(), s.path("livePatched").asInt(), s.path("qualifying").asInt(), 100 * s.path("share").asDouble(),
                        s.path("medianDaysToLivePatch").isNull() ? "-" : s.path("medianDaysToLivePatch").asText());
                for (Iterator<JsonNode> it = s.path("notLivePatched").elements(); it.hasNext(); ) {
                    JsonNode u = it.next();
                    out.printf("  not live patched: %-16s %4s %s: %s%n", u.path("cve").asText(), u.path("cvss").asText(), u.path("reason").asText(),
                            u.path("detail").asText());
                }
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Whether the audit is loaded, how big it is, events pending.")
    static final class Status extends Query {
        String path() {
            return "/api/v1/audit/status";
        }

        Map<String, Object> params() {
            return Map.of();
        }

        @Override
        public Integer call() throws Exception {
            if (format.csv) {
                throw new CommandLine.ParameterException(spec.commandLine(), "status has no CSV form; use --json");
            }
            return super.call();
        }

        void text(JsonNode n, PrintWriter out) {
            JsonNode s = n.path("size");
            out.printf("%s (loaded in %d ms), instance %s at event %d of %d: %d behind for %d ms; hosts are stale %d s after their last check-in%n",
                    n.path("ready").asBoolean() ? "ready" : "loading", n.path("loadMillis").asLong(), n.path("instance").asText(),
                    n.path("position").asLong(), n.path("head").asLong(), n.path("behindEvents").asLong(), n.path("behindMillis").asLong(),
                    n.path("staleAfterSeconds").asLong());
            if (!s.isMissingNode() && !s.isNull()) {
                out.printf("%d hosts in %d posture classes (%d slices, %d cohorts); %d CVEs; %d kernels%n", s.path("hosts").asInt(),
                        s.path("classes").asInt(), s.path("slices").asInt(), s.path("cohorts").asInt(), s.path("cves").asInt(), s.path("kernels").asInt());
            }
        }
    }
}
