package org.klp.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.javalin.http.HandlerType;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveExposure;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.Evidence;
import org.klp.core.audit.Finding;
import org.klp.core.audit.FleetSummary;
import org.klp.core.audit.HostFilter;
import org.klp.core.audit.HostIds;
import org.klp.core.audit.HostReport;
import org.klp.core.audit.PostureAudit;
import org.klp.core.audit.RebootPlan;
import org.klp.core.audit.SupportEntry;
import org.klp.core.audit.Verdict;
import org.klp.core.audit.WhatIf;
import org.klp.core.audit.WhatIfReport;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.audit.AuditService;
import org.klp.server.catalog.CatalogService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.NotFound;
import org.klp.server.service.Quote;
import org.klp.server.service.Unavailable;
import org.klp.core.rollout.GroupPolicy;
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

    // ---- views: each has its JSON form, and those with rows their CSV form (Tabular)

    record StatusView(boolean ready, long loadMillis, String instance, long position, long head, long behindEvents, long behindMillis,
                      long reloads, long skippedEvents, long staleAfterSeconds, PostureAudit.AuditSize size, Long retainedBytes,
                      String failure) {
    }

    record AffectedView(String stream, String introducedIn, String fixedIn) {
        static AffectedView of(AffectedStream a) {
            return new AffectedView(a.stream(), uname(a.introducedIn()), uname(a.fixedIn()));
        }
    }

    record CveView(String id, double cvss, String vector, String summary, LocalDate published, String category, boolean qualifies,
                   boolean livePatchPossible, List<AffectedView> affected, Map<String, Integer> livePatches) {
    }

    record FilterView(String group, String product) {
    }

    record Listed(long id, String hostname, String group) {
    }

    record VerdictHosts(int count, List<Listed> listed) {
    }

    /** One CVE across the fleet; as CSV one row per host listed. */
    record CveExposureView(CveView cve, Instant asOf, FilterView filter, int hosts, int atRisk, Map<Verdict, Integer> counts,
                           Map<Verdict, VerdictHosts> systems) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("cve", "verdict", "system_id", "hostname", "group");
        }

        @Override
        public List<List<Object>> rows() {
            List<List<Object>> rows = new ArrayList<>();
            systems.forEach((v, hosts) -> hosts.listed().forEach(h -> rows.add(java.util.Arrays.asList(cve.id(), v, h.id(), h.hostname(), h.group()))));
            return rows;
        }
    }

    record HostView(long id, String hostname, String group, String kernel, int loadedVersion, String transition, boolean forced, int pinnedVersion,
                    String nextBootKernel, Instant lastCheckIn, Instant staleAfter, boolean stale) {
    }

    record FindingView(String cve, double cvss, Verdict verdict, int rank, String explain, Map<String, Object> evidence) {
    }

    /** Every CVE that concerns one host, worst first; as CSV one row per finding. */
    record HostAuditView(HostView system, Instant asOf, Verdict worst, Map<Verdict, Integer> counts, int total, List<FindingView> findings)
            implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("system_id", "hostname", "cve", "cvss", "verdict", "explanation");
        }

        @Override
        public List<List<Object>> rows() {
            return findings.stream().map(f -> java.util.Arrays.<Object>asList(system.id(), system.hostname(), f.cve(), f.cvss(), f.verdict(), f.explain()))
                    .toList();
        }
    }

    record TopCveView(String cve, double cvss, int hostsAtRisk, int fixableByLivePatch, int needReboot, Map<Verdict, Integer> counts) {
    }

    /** The fleet across all CVEs; as CSV one row per top CVE with its count per verdict. */
    record AuditSummaryView(Instant asOf, FilterView filter, int hosts, int hostsAtRisk, int fixableByLivePatch, int needReboot, int noFixYet,
                            Map<Verdict, Integer> hostsByWorstVerdict, org.klp.core.audit.FleetSummary.Exposures exposures, List<TopCveView> topCves)
            implements Tabular {
        @Override
        public List<String> columns() {
            List<String> header = new ArrayList<>(List.of("cve", "cvss", "hosts_at_risk", "fixable_by_live_patch", "need_reboot"));
            for (Verdict v : Verdict.values()) {
                header.add(v.name().toLowerCase(Locale.ROOT));
            }
            return header;
        }

        @Override
        public List<List<Object>> rows() {
            List<List<Object>> rows = new ArrayList<>();
            for (TopCveView r : topCves) {
                List<Object> row = new ArrayList<>(List.of(r.cve(), r.cvss(), r.hostsAtRisk(), r.fixableByLivePatch(), r.needReboot()));
                for (Verdict v : Verdict.values()) {
                    row.add(r.counts().getOrDefault(v, 0));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    record ChangeView(String cve, Verdict from, Verdict to, int hosts) {
    }

    /** The verdicts a policy change would move; as CSV one row per (CVE, from, to). */
    record WhatIfView(String group, String change, Integer back, int hostsConsidered, int hostsChanged, long exposuresClosed, long exposuresOpened,
                      int totalChanges, List<ChangeView> changes) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("cve", "from", "to", "hosts");
        }

        @Override
        public List<List<Object>> rows() {
            return changes.stream().map(c -> List.<Object>of(c.cve(), c.from(), c.to(), c.hosts())).toList();
        }
    }

    record SupportHostView(long id, String hostname, String group, String kernel, LocalDate endOfSupport, long daysLeft) {
    }

    /** Hosts whose kernel's live patch support ends soon or ended; as CSV one row per host. */
    record SupportView(@JsonInclude(JsonInclude.Include.NON_NULL) Integer days, int total, List<SupportHostView> systems) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("system_id", "hostname", "group", "kernel", "end_of_support", "days_left");
        }

        @Override
        public List<List<Object>> rows() {
            return systems.stream().map(h -> java.util.Arrays.<Object>asList(h.id(), h.hostname(), h.group(), h.kernel(), h.endOfSupport(), h.daysLeft()))
                    .toList();
        }
    }

    record RebootHostView(long id, String hostname, String group, String running, LocalDate rebootBy, Long daysLeft, boolean overdue, String moveTo,
                          boolean moveToInstalled) {
    }

    /** When each host must finally reboot and to which kernel; as CSV one row per host. */
    record RebootPlanView(int total, List<RebootHostView> systems) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("system_id", "hostname", "group", "running", "reboot_by", "days_left", "move_to", "move_to_installed");
        }

        @Override
        public List<List<Object>> rows() {
            return systems.stream().map(h -> java.util.Arrays.<Object>asList(h.id(), h.hostname(), h.group(), h.running(), h.rebootBy(), h.daysLeft(),
                    h.moveTo(), h.moveToInstalled())).toList();
        }
    }

    record UnpatchedView(String cve, double cvss, org.klp.core.audit.RebootReason reason, String detail) {
    }

    record StreamView(String stream, int qualifying, int livePatched, double share, Double medianDaysToLivePatch, List<UnpatchedView> notLivePatched) {
    }

    /** Live patch coverage per kernel stream; as CSV one row per stream. */
    record CoverageView(List<StreamView> streams) implements Tabular {
        @Override
        public List<String> columns() {
            return List.of("stream", "qualifying", "live_patched", "share", "median_days_to_live_patch", "not_live_patched");
        }

        @Override
        public List<List<Object>> rows() {
            return streams.stream().map(c -> java.util.Arrays.<Object>asList(c.stream(), c.qualifying(), c.livePatched(),
                    String.format(Locale.ROOT, "%.3f", c.share()), c.medianDaysToLivePatch(), c.notLivePatched().size())).toList();
        }
    }

    // ---- queries

    private Reply status(Call call) {
        AuditService.Status s = audit.status();
        AuditService.Lag lag = s.lag();
        return Reply.ok(new StatusView(s.ready(), s.loadMillis(), lag.instance(), lag.position(), lag.head(), lag.behindEvents(),
                lag.behind().toMillis(), s.reloads(), s.skippedEvents(), s.staleAfter().toSeconds(), s.size(), s.retainedBytes(), s.failure()));
    }

    private Reply cve(Call call) {
        String id = cveId(call.path("cve"));
        Set<Verdict> wanted = verdicts(call.query("verdict"));
        int limit = orDefault(call.queryInt("limit", 0, MAX_LISTED), call.csv() ? MAX_LISTED : DEFAULT_LISTED);
        PostureAudit a = current();
        HostFilter filter = filter(call);
        Instant now = audit.now();
        CveExposure e = a.cve(id, now, filter, limit == 0 ? Set.of() : wanted)
                .orElseThrow(() -> new NotFound("no CVE record " + id + "; import it with the CVE feed (POST /api/v1/cves)"));
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
        Map<Verdict, VerdictHosts> listed = new LinkedHashMap<>();
        shown.forEach((v, list) -> listed.put(v, new VerdictHosts(e.count(v), list.stream().map(h -> listed(h, labels)).toList())));
        return Reply.ok(new CveExposureView(view(e.cve(), carrying), now, filterView(call), e.total(), e.atRisk(), counts(e.counts()), listed));
    }

    private Reply host(Call call) {
        long id = call.pathId("id");
        Integer limit = call.queryInt("limit", 1, MAX_LISTED);
        PostureAudit a = current();
        Instant now = audit.now();
        if (id >= Integer.MAX_VALUE) {
            throw new NotFound("no system " + id + " in the audit");
        }
        HostReport r = a.host((int) id, now).orElseThrow(() -> new NotFound("no system " + id
                + " in the audit (unknown, or it has not checked in yet)"));
        List<Finding> findings = limit == null ? r.findings() : r.findings().subList(0, Math.min(limit, r.findings().size()));
        SystemStore.Label label = systems.labels(List.of(id)).get(id);
        Map<Verdict, Integer> counts = new LinkedHashMap<>();
        for (Verdict v : Verdict.values()) {
            counts.put(v, 0);
        }
        r.findings().forEach(f -> counts.merge(f.verdict(), 1, Integer::sum));
        counts.remove(Verdict.NOT_AFFECTED);
        HostView system = new HostView(id, label == null ? null : label.hostname(), audit.groupName(r.group()),
                r.postureClass().posture().kernel().uname(), r.postureClass().posture().loadedVersion(),
                r.postureClass().posture().transition().name().toLowerCase(Locale.ROOT), r.postureClass().posture().forced(),
                r.postureClass().pinnedVersion(), uname(r.nextBootKernel()), r.lastCheckIn(), r.deadline(), r.stale());
        List<FindingView> list = findings.stream().map(f -> new FindingView(f.cveId(), f.cvss(), f.verdict(), f.verdict().rank(),
                f.evidence().explain(), evidence(f.evidence()))).toList();
        return Reply.ok(new HostAuditView(system, now, r.worst(), counts, r.findings().size(), list));
    }

    private Reply summary(Call call) {
        int top = orDefault(call.queryInt("top", 0, 1000), 10);
        PostureAudit a = current();
        HostFilter filter = filter(call);
        Instant now = audit.now();
        FleetSummary s = a.summary(now, filter, top);
        List<TopCveView> topCves = s.topCves().stream().map(r -> new TopCveView(r.cveId(), r.cvss(), r.hostsAtRisk(), r.fixableByLivePatch(),
                r.needReboot(), counts(r.counts()))).toList();
        return Reply.ok(new AuditSummaryView(now, filterView(call), s.hosts(), s.hostsAtRisk(), s.fixableByLivePatch(), s.needReboot(),
                s.noFixYet(), counts(s.hostsByWorstVerdict()), s.exposures(), topCves));
    }

    private Reply whatIf(Call call) {
        String group = Fields.group(Fields.required(call.query("group"), "group"), "group");
        String change = Fields.required(call.query("change"), "change");
        Integer back = call.queryInt("back", 0, 1000);
        int limit = orDefault(call.queryInt("limit", 0, MAX_LISTED), call.csv() ? MAX_LISTED : DEFAULT_LISTED);
        if (!change.equals("latest") && !change.equals("pin")) {
            throw new InvalidInput("change", "change must be latest (the group updates to the newest live patch) or pin"
                    + " (the group is pinned to N-back, back=1 by default), was '" + Quote.clip(change, 40) + "'");
        }
        if (change.equals("latest") && back != null) {
            throw new InvalidInput("back", "back is for change=pin (N-back); change=latest updates to the newest version");
        }
        PostureAudit a = current();
        int g = audit.groupId(group);
        WhatIf scenario = switch (change) {
            case "latest" -> new WhatIf.UpdateToLatest(g);
            default -> new WhatIf.PinBehindLatest(g, back == null ? 1 : back);
        };
        WhatIfReport r = g < 0 ? new WhatIfReport(scenario, 0, HostIds.empty(), List.of()) : a.whatIf(scenario, audit.now());
        List<ChangeView> changes = r.changes().subList(0, Math.min(limit, r.changes().size())).stream()
                .map(c -> new ChangeView(c.cveId(), c.from(), c.to(), c.hosts())).toList();
        return Reply.ok(new WhatIfView(group, change, scenario instanceof WhatIf.PinBehindLatest p ? p.versionsBehind() : null, r.hostsConsidered(),
                r.hostsChanged().size(), r.exposuresClosed(), r.exposuresOpened(), r.changes().size(), changes));
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
        List<SupportHostView> list = page.stream().map(e -> {
            SystemStore.Label l = labels.get((long) e.hostId());
            return new SupportHostView(e.hostId(), l == null ? null : l.hostname(), audit.groupName(e.group()), e.kernel().uname(),
                    e.support().endOfSupport(), e.support().daysLeft());
        }).toList();
        return Reply.ok(new SupportView(days, all.size(), list));
    }

    private Reply rebootPlan(Call call) {
        PostureAudit a = current();
        HostFilter filter = filter(call);
        List<RebootPlan> all = a.rebootPlan(audit.now(), filter);
        List<RebootPlan> page = page(call, all);
        Map<Long, SystemStore.Label> labels = systems.labels(page.stream().map(p -> (long) p.hostId()).toList());
        List<RebootHostView> list = page.stream().map(p -> {
            SystemStore.Label l = labels.get((long) p.hostId());
            return new RebootHostView(p.hostId(), l == null ? null : l.hostname(), audit.groupName(p.group()), p.running().uname(), p.rebootBy(),
                    p.support() == null ? null : p.support().daysLeft(), p.overdue(), uname(p.moveTo()), p.moveToInstalled());
        }).toList();
        return Reply.ok(new RebootPlanView(all.size(), list));
    }

    private Reply coverage(Call call) {
        List<StreamView> streams = current().coverage().stream().map(c -> new StreamView(c.stream(), c.qualifying(), c.livePatched(), c.share(),
                c.medianDaysToLivePatch(), c.notLivePatched().stream().map(u -> new UnpatchedView(u.cveId(), u.cvss(), u.reason(), u.detail()))
                .toList())).toList();
        return Reply.ok(new CoverageView(streams));
    }

    /** The audit with everything committed so far applied; 503 while it loads or lags (the client retries). */
    private PostureAudit current() {
        try {
            return audit.current();
        } catch (AuditService.NotCurrent e) {
            throw new Unavailable(e.getMessage());
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
            m.put("heldBack", p.heldBack());
            m.put("heldBy", p.heldBack() ? p.heldBy() : null);
        } else if (e instanceof Evidence.RebootPending p) {
            m.put("installed", p.installed().uname());
        } else if (e instanceof Evidence.RebootRequired r) {
            m.put("fixedIn", r.fixedIn().uname());
            m.put("carriedBy", r.carriedBy());
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

    private HostFilter filter(Call call) {
        HostFilter f = HostFilter.ALL;
        String group = call.query("group");
        if (group != null) {
            f = HostFilter.group(audit.groupId(Fields.group(group, "group")));
        }
        String product = call.query("product");
        if (product != null) {
            Product p = catalog.productByTriplet(product);
            Set<String> kernels = engine.snapshot().kernels().values().stream()
                    .filter(k -> k.product().id() == p.id() || Objects.equals(k.product().baseId(), p.id()))
                    .map(k -> k.entry().release().uname()).collect(Collectors.toUnmodifiableSet());
            f = f.and(HostFilter.kernels(k -> kernels.contains(k.uname())));
        }
        return f;
    }

    private static FilterView filterView(Call call) {
        return new FilterView(call.query("group"), call.query("product"));
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
                throw new InvalidInput("verdict", "verdict must be at-risk, all or a comma-separated list of "
                        + java.util.Arrays.stream(Verdict.values()).map(Verdict::name).collect(Collectors.joining(", ")) + "; was '"
                        + Quote.clip(part, 40) + "'");
            }
        }
        return out;
    }

    private static <T> List<T> page(Call call, List<T> all) {
        int limit = orDefault(call.queryInt("limit", 1, MAX_LISTED), call.csv() ? MAX_LISTED : 1000);
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
            throw new InvalidInput("cve", Quote.clip(e.getMessage(), 200));
        }
    }

    private static String uname(KernelRelease k) {
        return k == null ? null : k.uname();
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }
}
