package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveExposure;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.CveRisk;
import org.klp.core.audit.Evidence;
import org.klp.core.audit.Finding;
import org.klp.core.audit.FleetSummary;
import org.klp.core.audit.HostFilter;
import org.klp.core.audit.HostIds;
import org.klp.core.audit.HostReport;
import org.klp.core.audit.PostureAudit;
import org.klp.core.audit.RebootPlan;
import org.klp.core.audit.StreamCoverage;
import org.klp.core.audit.SupportEntry;
import org.klp.core.audit.Verdict;
import org.klp.core.audit.VerdictChange;
import org.klp.core.audit.WhatIf;
import org.klp.core.audit.WhatIfReport;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.audit.AuditService;
import org.klp.server.catalog.CatalogService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.store.GroupPolicy;
import org.klp.server.store.Product;
import org.klp.server.store.SystemStore;

/**
 * The CVE audit for operators (admin token): the CVE feed import and the audit's queries, each
 * as JSON or, with {@code format=csv}, as CSV (one row per host, finding, CVE or stream). Every
 * query first waits for the audit to apply what was committed before it (see {@code AuditService.current()}).
 * Filters: {@code group} (a group name) and {@code product} (IDENTIFIER/VERSION/ARCH: the kernels
 * of that product and of the extensions built on it).
 */
final class AuditApi {

    static final int DEFAULT_LISTED = 100;
    static final int MAX_LISTED = 1_000_000;

    private final AuditService audit;
    private final SystemStore systems;
    private final CatalogService catalog;
    private final PolicyEngine engine;

    AuditApi(AuditService audit, SystemStore systems, CatalogService catalog, PolicyEngine engine) {
        this.audit = audit;
        this.systems = systems;
        this.catalog = catalog;
        this.engine = engine;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/audit/status", Access.ADMIN, 0, this::status),
                new Route(HandlerType.GET, "/api/v1/audit/cves/{cve}", Access.ADMIN, 0, this::cve),
                new Route(HandlerType.GET, "/api/v1/audit/systems/{id}", Access.ADMIN, 0, this::host),
                new Route(HandlerType.GET, "/api/v1/audit/summary", Access.ADMIN, 0, this::summary),
                new Route(HandlerType.GET, "/api/v1/audit/what-if", Access.ADMIN, 0, this::whatIf),
                new Route(HandlerType.GET, "/api/v1/audit/lifecycle/ending", Access.ADMIN, 0, this::ending),
                new Route(HandlerType.GET, "/api/v1/audit/lifecycle/expired", Access.ADMIN, 0, this::expired),
                new Route(HandlerType.GET, "/api/v1/audit/reboot-plan", Access.ADMIN, 0, this::rebootPlan),
                new Route(HandlerType.GET, "/api/v1/audit/coverage", Access.ADMIN, 0, this::coverage));
    }

    // ---- queries

    private Reply status(Call call) {
        AuditService.Status s = audit.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ready", s.ready());
        out.put("loadMillis", s.loadMillis());
        out.put("pendingEvents", s.pendingEvents());
        out.put("staleAfterSeconds", s.staleAfter().toSeconds());
        out.put("size", s.size());
        out.put("retainedBytes", s.retainedBytes());
        out.put("failure", s.failure());
        return Reply.ok(out);
    }

    record AffectedView(String stream, String introducedIn, String fixedIn) {
        static AffectedView of(AffectedStream a) {
            return new AffectedView(a.stream(), uname(a.introducedIn()), uname(a.fixedIn()));
        }
    }

    record CveView(String id, double cvss, String vector, String summary, LocalDate published, String category, boolean qualifies,
                   boolean livePatchPossible, List<AffectedView> affected, Map<String, Integer> livePatches) {
    }

    record Listed(long id, String hostname, String group) {
    }

    record VerdictHosts(int count, List<Listed> listed) {
    }

    private Reply cve(Call call) {
        String id = cveId(call.path("cve"));
        Set<Verdict> wanted = verdicts(call.query("verdict"));
        int limit = orDefault(call.queryInt("limit", 0, MAX_LISTED), csv(call) ? MAX_LISTED : DEFAULT_LISTED);
        PostureAudit a = current();
        HostFilter filter = filter(call);
        Instant now = audit.now();
        CveExposure e = a.cve(id, now, filter, limit == 0 ? Set.of() : wanted)
                .orElseThrow(() -> ApiException.notFound("no CVE record " + id + "; import it with the CVE feed (POST /api/v1/cves)"));
        Map<String, Integer> carrying = new LinkedHashMap<>();
        a.livePatchesCarrying(id).forEach((k, v) -> carrying.put(k.uname(), v));
        Map<Verdict, List<Integer>> shown = new LinkedHashMap<>();
        List<Long> ids = new ArrayList<>();
        for (Verdict v : Verdict.values()) {
            if (wanted.contains(v) && limit > 0) {
                HostIds hosts = e.hosts(v);
                List<Integer> first = new ArrayList<>(Math.min(limit, hosts.size()));
                for (int i = 0; i < hosts.size() && i < limit; i++) {
                    first.add(hosts.get(i));
                    ids.add((long) hosts.get(i));
                }
                shown.put(v, first);
            }
        }
        Map<Long, SystemStore.Label> labels = systems.labels(ids);
        if (csv(call)) {
            Csv out = Csv.withHeader("cve", "verdict", "system_id", "hostname", "group");
            shown.forEach((v, list) -> list.forEach(h -> {
                SystemStore.Label l = labels.get((long) h);
                out.row(id, v, h, l == null ? null : l.hostname(), l == null ? null : l.group());
            }));
            return out.reply();
        }
        Map<Verdict, VerdictHosts> listed = new LinkedHashMap<>();
        shown.forEach((v, list) -> listed.put(v, new VerdictHosts(e.count(v), list.stream().map(h -> listed(h, labels)).toList())));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cve", view(e.cve(), carrying));
        out.put("asOf", now);
        out.put("filter", filterView(call));
        out.put("hosts", e.total());
        out.put("atRisk", e.atRisk());
        out.put("counts", counts(e.counts()));
        out.put("systems", listed);
        return Reply.ok(out);
    }

    private Reply host(Call call) {
        long id = call.pathId("id");
        Integer limit = call.queryInt("limit", 1, MAX_LISTED);
        PostureAudit a = current();
        Instant now = audit.now();
        if (id >= Integer.MAX_VALUE) {
            throw ApiException.notFound("no system " + id + " in the audit");
        }
        HostReport r = a.host((int) id, now).orElseThrow(() -> ApiException.notFound("no system " + id
                + " in the audit (unknown, or it has not checked in yet)"));
        List<Finding> findings = limit == null ? r.findings() : r.findings().subList(0, Math.min(limit, r.findings().size()));
        SystemStore.Label label = systems.labels(List.of(id)).get(id);
        if (csv(call)) {
            Csv out = Csv.withHeader("system_id", "hostname", "cve", "cvss", "verdict", "explanation");
            for (Finding f : findings) {
                out.row(id, label == null ? null : label.hostname(), f.cveId(), f.cvss(), f.verdict(), f.evidence().explain());
            }
            return out.reply();
        }
        Map<Verdict, Integer> counts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            counts.put(v, 0);
        }
        r.findings().forEach(f -> counts.merge(f.verdict(), 1, Integer::sum));
        counts.remove(Verdict.NOT_AFFECTED);
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("id", id);
        system.put("hostname", label == null ? null : label.hostname());
        system.put("group", audit.groupName(r.group()));
        system.put("kernel", r.postureClass().posture().kernel().uname());
        system.put("loadedVersion", r.postureClass().posture().loadedVersion());
        system.put("transition", r.postureClass().posture().transition().name().toLowerCase(Locale.ROOT));
        system.put("forced", r.postureClass().posture().forced());
        system.put("pinnedVersion", r.postureClass().pinnedVersion());
        system.put("nextBootKernel", uname(r.nextBootKernel()));
        system.put("lastCheckIn", r.lastCheckIn());
        system.put("staleAfter", r.deadline());
        system.put("stale", r.stale());
        List<Map<String, Object>> list = new ArrayList<>(findings.size());
        for (Finding f : findings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cve", f.cveId());
            m.put("cvss", f.cvss());
            m.put("verdict", f.verdict());
            m.put("rank", f.verdict().rank());
            m.put("explain", f.evidence().explain());
            m.put("evidence", evidence(f.evidence()));
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("system", system);
        out.put("asOf", now);
        out.put("worst", r.worst());
        out.put("counts", counts);
        out.put("total", r.findings().size());
        out.put("findings", list);
        return Reply.ok(out);
    }

    private Reply summary(Call call) {
        int top = orDefault(call.queryInt("top", 0, 1000), 10);
        PostureAudit a = current();
        HostFilter filter = filter(call);
        Instant now = audit.now();
        FleetSummary s = a.summary(now, filter, top);
        if (csv(call)) {
            List<String> header = new ArrayList<>(List.of("cve", "cvss", "hosts_at_risk", "fixable_by_live_patch", "need_reboot"));
            for (Verdict v : Verdict.values()) {
                header.add(v.name().toLowerCase(Locale.ROOT));
            }
            Csv out = Csv.withHeader(header.toArray(String[]::new));
            for (CveRisk r : s.topCves()) {
                List<Object> row = new ArrayList<>(List.of(r.cveId(), r.cvss(), r.hostsAtRisk(), r.fixableByLivePatch(), r.needReboot()));
                for (Verdict v : Verdict.values()) {
                    row.add(r.count(v));
                }
                out.row(row.toArray());
            }
            return out.reply();
        }
        List<Map<String, Object>> topCves = new ArrayList<>();
        for (CveRisk r : s.topCves()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("cve", r.cveId());
            m.put("cvss", r.cvss());
            m.put("hostsAtRisk", r.hostsAtRisk());
            m.put("fixableByLivePatch", r.fixableByLivePatch());
            m.put("needReboot", r.needReboot());
            m.put("counts", counts(r.counts()));
            topCves.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("asOf", now);
        out.put("filter", filterView(call));
        out.put("hosts", s.hosts());
        out.put("hostsAtRisk", s.hostsAtRisk());
        out.put("fixableByLivePatch", s.fixableByLivePatch());
        out.put("needReboot", s.needReboot());
        out.put("hostsByWorstVerdict", counts(s.hostsByWorstVerdict()));
        out.put("topCves", topCves);
        return Reply.ok(out);
    }

    private Reply whatIf(Call call) {
        String group = groupName(required(call.query("group"), "group"));
        String change = required(call.query("change"), "change");
        Integer back = call.queryInt("back", 0, 1000);
        int limit = orDefault(call.queryInt("limit", 0, MAX_LISTED), csv(call) ? MAX_LISTED : DEFAULT_LISTED);
        if (!change.equals("latest") && !change.equals("pin")) {
            throw ApiException.badRequest("change must be latest (the group updates to the newest live patch) or pin"
                    + " (the group is pinned to N-back, back=1 by default), was '" + change + "'");
        }
        if (change.equals("latest") && back != null) {
            throw ApiException.badRequest("back is for change=pin (N-back); change=latest updates to the newest version");
        }
        PostureAudit a = current();
        int g = audit.groupId(group);
        WhatIf scenario = switch (change) {
            case "latest" -> new WhatIf.UpdateToLatest(g);
            default -> new WhatIf.PinBehindLatest(g, back == null ? 1 : back);
        };
        WhatIfReport r = g < 0 ? new WhatIfReport(scenario, 0, HostIds.empty(), List.of()) : a.whatIf(scenario, audit.now());
        List<VerdictChange> changes = r.changes().subList(0, Math.min(limit, r.changes().size()));
        if (csv(call)) {
            Csv out = Csv.withHeader("cve", "from", "to", "hosts");
            changes.forEach(c -> out.row(c.cveId(), c.from(), c.to(), c.hosts()));
            return out.reply();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group", group);
        out.put("change", change);
        out.put("back", scenario instanceof WhatIf.PinBehindLatest p ? p.versionsBehind() : null);
        out.put("hostsConsidered", r.hostsConsidered());
        out.put("hostsChanged", r.hostsChanged().size());
        out.put("exposuresClosed", r.exposuresClosed());
        out.put("exposuresOpened", r.exposuresOpened());
        out.put("totalChanges", r.changes().size());
        out.put("changes", changes.stream().map(c -> Map.of("cve", c.cveId(), "from", c.from(), "to", c.to(), "hosts", c.hosts())).toList());
        return Reply.ok(out);
    }

    private Reply ending(Call call) {
        int days = orDefault(call.queryInt("days", 0, 3650), 30);
        PostureAudit a = current();
        HostFilter filter = filter(call);
        return support(call, a.supportEndingWithin(days, audit.now(), filter), days);
    }

    private Reply expired(Call call) {
        PostureAudit a = current();
        HostFilter filter = filter(call);
        return support(call, a.supportExpired(audit.now(), filter), null);
    }

    private Reply support(Call call, List<SupportEntry> all, Integer days) {
        List<SupportEntry> page = page(call, all);
        Map<Long, SystemStore.Label> labels = systems.labels(page.stream().map(e -> (long) e.hostId()).toList());
        if (csv(call)) {
            Csv out = Csv.withHeader("system_id", "hostname", "group", "kernel", "end_of_support", "days_left");
            for (SupportEntry e : page) {
                SystemStore.Label l = labels.get((long) e.hostId());
                out.row(e.hostId(), l == null ? null : l.hostname(), audit.groupName(e.group()), e.kernel().uname(), e.support().endOfSupport(),
                        e.support().daysLeft());
            }
            return out.reply();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (SupportEntry e : page) {
            SystemStore.Label l = labels.get((long) e.hostId());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.hostId());
            m.put("hostname", l == null ? null : l.hostname());
            m.put("group", audit.groupName(e.group()));
            m.put("kernel", e.kernel().uname());
            m.put("endOfSupport", e.support().endOfSupport());
            m.put("daysLeft", e.support().daysLeft());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        if (days != null) {
            out.put("days", days);
        }
        out.put("total", all.size());
        out.put("systems", list);
        return Reply.ok(out);
    }

    private Reply rebootPlan(Call call) {
        PostureAudit a = current();
        HostFilter filter = filter(call);
        List<RebootPlan> all = a.rebootPlan(audit.now(), filter);
        List<RebootPlan> page = page(call, all);
        Map<Long, SystemStore.Label> labels = systems.labels(page.stream().map(p -> (long) p.hostId()).toList());
        if (csv(call)) {
            Csv out = Csv.withHeader("system_id", "hostname", "group", "running", "reboot_by", "days_left", "move_to", "move_to_installed");
            for (RebootPlan p : page) {
                SystemStore.Label l = labels.get((long) p.hostId());
                out.row(p.hostId(), l == null ? null : l.hostname(), audit.groupName(p.group()), p.running().uname(), p.rebootBy(),
                        p.support() == null ? null : p.support().daysLeft(), uname(p.moveTo()), p.moveToInstalled());
            }
            return out.reply();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (RebootPlan p : page) {
            SystemStore.Label l = labels.get((long) p.hostId());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.hostId());
            m.put("hostname", l == null ? null : l.hostname());
            m.put("group", audit.groupName(p.group()));
            m.put("running", p.running().uname());
            m.put("rebootBy", p.rebootBy());
            m.put("daysLeft", p.support() == null ? null : p.support().daysLeft());
            m.put("overdue", p.overdue());
            m.put("moveTo", uname(p.moveTo()));
            m.put("moveToInstalled", p.moveToInstalled());
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", all.size());
        out.put("systems", list);
        return Reply.ok(out);
    }

    private Reply coverage(Call call) {
        List<StreamCoverage> streams = current().coverage();
        if (csv(call)) {
            Csv out = Csv.withHeader("stream", "qualifying", "live_patched", "share", "median_days_to_live_patch", "not_live_patched");
            streams.forEach(c -> out.row(c.stream(), c.qualifying(), c.livePatched(), String.format(Locale.ROOT, "%.3f", c.share()),
                    c.medianDaysToLivePatch(), c.notLivePatched().size()));
            return out.reply();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (StreamCoverage c : streams) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("stream", c.stream());
            m.put("qualifying", c.qualifying());
            m.put("livePatched", c.livePatched());
            m.put("share", c.share());
            m.put("medianDaysToLivePatch", c.medianDaysToLivePatch());
            m.put("notLivePatched", c.notLivePatched().stream().map(u -> Map.of("cve", u.cveId(), "cvss", u.cvss(), "reason", u.reason(),
                    "detail", u.detail())).toList());
            list.add(m);
        }
        return Reply.ok(Map.of("streams", list));
    }

    /** The audit with everything committed so far applied; 503 while it loads or lags (the client retries). */
    private PostureAudit current() {
        try {
            return audit.current();
        } catch (AuditService.NotCurrent e) {
            throw new ApiException(503, e.getMessage());
        }
    }

    // ---- views

    private static CveView view(CveRecord r, Map<String, Integer> carrying) {
        return new CveView(r.id(), r.cvss(), r.vector(), r.summary(), r.published(), r.category().label(),
                ScopePolicy.DEFAULT.qualifies(r.asFix()), r.livePatchPossible(), r.affected().stream().map(AffectedView::of).toList(), carrying);
    }

    private static Listed listed(int host, Map<Long, SystemStore.Label> labels) {
        SystemStore.Label l = labels.get((long) host);
        return new Listed(host, l == null ? null : l.hostname(), l == null ? null : l.group());
    }

    /** Every verdict with its count, in rank order. */
    private static Map<Verdict, Integer> counts(Map<Verdict, Integer> counts) {
        Map<Verdict, Integer> out = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            out.put(v, counts.getOrDefault(v, 0));
        }
        return out;
    }

    /** Evidence as JSON: its verdict, then its facts, kernels as {@code uname -r} strings. */
    static Map<String, Object> evidence(Evidence e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", e.verdict());
        m.put("kernel", e.kernel().uname());
        if (e instanceof Evidence.PatchedByKernel k) {
            m.put("fixedIn", k.fixedIn().uname());
        } else if (e instanceof Evidence.PatchedByLivePatch p) {
            m.put("loadedVersion", p.loadedVersion());
            m.put("carryingVersion", p.carryingVersion());
            m.put("package", p.carryingPackage());
            m.put("publishedOn", p.publishedOn());
        } else if (e instanceof Evidence.LivePatchInProgress p) {
            m.put("loadedVersion", p.loadedVersion());
            m.put("carryingVersion", p.carryingVersion());
            m.put("package", p.carryingPackage());
            m.put("publishedOn", p.publishedOn());
            m.put("transition", p.transition().name().toLowerCase(Locale.ROOT));
            m.put("forced", p.forced());
        } else if (e instanceof Evidence.LivePatchAvailable p) {
            m.put("loadedVersion", p.loadedVersion());
            m.put("carryingVersion", p.carryingVersion());
            m.put("package", p.carryingPackage());
            m.put("publishedOn", p.publishedOn());
            m.put("pinnedVersion", p.pinnedVersion());
            m.put("heldBackByPin", p.heldBackByPin());
        } else if (e instanceof Evidence.RebootPending p) {
            m.put("installed", p.installed().uname());
        } else if (e instanceof Evidence.RebootRequired r) {
            m.put("fixedIn", r.fixedIn().uname());
            m.put("reason", r.reason());
            m.put("endOfSupport", r.endOfSupport());
        } else if (e instanceof Evidence.Unknown u) {
            m.put("lastCheckIn", u.lastCheckIn());
            m.put("staleAfter", u.deadline());
            m.put("lastKnown", evidence(u.lastKnown()));
        }
        return m;
    }

    // ---- parameters

    private static boolean csv(Call call) {
        String f = call.query("format");
        if (f == null || f.equals("json")) {
            return false;
        }
        if (f.equals("csv")) {
            return true;
        }
        throw ApiException.badRequest("format must be json (the default) or csv, was '" + f + "'");
    }

    private HostFilter filter(Call call) {
        HostFilter f = HostFilter.ALL;
        String group = call.query("group");
        if (group != null) {
            f = HostFilter.group(audit.groupId(groupName(group)));
        }
        String product = call.query("product");
        if (product != null) {
            Product p;
            try {
                p = catalog.productByTriplet(product);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            } catch (NoSuchElementException e) {
                throw ApiException.notFound(e.getMessage());
            }
            Set<String> kernels = engine.snapshot().kernels().values().stream()
                    .filter(k -> k.product().id() == p.id() || Objects.equals(k.product().baseId(), p.id()))
                    .map(k -> k.entry().release().uname()).collect(Collectors.toUnmodifiableSet());
            f = f.and(HostFilter.kernels(k -> kernels.contains(k.uname())));
        }
        return f;
    }

    private static Map<String, String> filterView(Call call) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("group", call.query("group"));
        m.put("product", call.query("product"));
        return m;
    }

    /** {@code verdict}: comma-separated verdicts, {@code at-risk} (the default) or {@code all}. */
    static Set<Verdict> verdicts(String text) {
        EnumSet<Verdict> out = EnumSet.noneOf(Verdict.class);
        if (text == null || text.equals("at-risk")) {
            for (Verdict v : Verdict.values()) {
                if (v.atRisk()) {
                    out.add(v);
                }
            }
            return out;
        }
        if (text.equals("all")) {
            return EnumSet.allOf(Verdict.class);
        }
        for (String part : text.split(",")) {
            try {
                out.add(Verdict.valueOf(part.strip().toUpperCase(Locale.ROOT).replace('-', '_')));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("verdict must be at-risk, all or a comma-separated list of "
                        + java.util.Arrays.stream(Verdict.values()).map(Verdict::name).collect(Collectors.joining(", ")) + "; was '" + part + "'");
            }
        }
        return out;
    }

    private static <T> List<T> page(Call call, List<T> all) {
        int limit = orDefault(call.queryInt("limit", 1, MAX_LISTED), csv(call) ? MAX_LISTED : 1000);
        int offset = orDefault(call.queryInt("offset", 0, Integer.MAX_VALUE), 0);
        return offset >= all.size() ? List.of() : all.subList(offset, Math.min(all.size(), offset + limit));
    }

    private static String cveId(String text) {
        try {
            String id = org.klp.core.patch.Fix.normalizeId(text);
            if (!id.startsWith("CVE-")) {
                throw new IllegalArgumentException("Not a CVE id: '" + text + "' (expected CVE-YYYY-NNNN)");
            }
            return id;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static String groupName(String name) {
        try {
            GroupPolicy.requireName(name);
            return name;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static String required(String value, String name) {
        if (value == null) {
            throw ApiException.badRequest("query parameter " + name + " is required");
        }
        return value;
    }

    private static String uname(KernelRelease k) {
        return k == null ? null : k.uname();
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }
}
