package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.server.catalog.CatalogService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.policy.RolloutSupervisor;
import org.klp.server.store.AdminTokenStore;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.GroupPolicy;
import org.klp.server.store.KernelEntry;
import org.klp.server.store.LivePatchEntry;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.Rollout;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/** The operators' REST API under {@code /api/v1} (admin token): fleet, groups and policies, catalog, publishing, codes. */
final class AdminApi {

    record GroupRequest(String policy, String canaryGroup, Long soakSeconds, Boolean kernelLock, String onTimeout, Long transitionTimeoutSeconds) {
    }

    record PinRequest(Integer version, Integer back) {
    }

    record SetGroupRequest(String group) {
    }

    record HaltRequest(String reason) {
    }

    record ProductRequest(String identifier, String version, String arch, String name, String base, Boolean free) {
    }

    record KernelRequest(String product, String release, String released, String endOfSupport, String initialModule) {
    }

    record FixRequest(String id, Double cvss, String summary, String category, Boolean changesDataStructures, List<String> references) {
    }

    record LivePatchRequest(String module, List<FixRequest> fixes, String released) {
    }

    record CodeRequest(String product, Integer maxSystems, String expiresAt, String label, String group) {
    }

    record TokenRequest(String label) {
    }

    record SystemView(long id, String login, String hostname, String group, Instant registeredAt, Instant lastSeen, long checkins,
                      HostPosture posture, long newTaint) {
        static SystemView of(SystemRecord r) {
            return new SystemView(r.id(), r.login(), r.hostname(), r.group(), r.registeredAt(), r.lastSeen(), r.checkins(), r.posture(), r.newTaint());
        }
    }

    record KernelView(String release, String product, String arch, LocalDate released, LocalDate endOfSupport, List<Integer> versions) {
    }

    record LivePatchView(String kernel, int version, String packageName, LocalDate released, String moduleName, String rpm, String sha256,
                         List<Fix> fixes) {
        static LivePatchView of(LivePatchEntry e) {
            return new LivePatchView(e.kernel(), e.version(), org.klp.core.patch.LivePatchPackage.packageName(KernelRelease.parse(e.kernel())),
                    e.released(), e.moduleName(), e.rpmFile(), e.rpmSha256(), e.fixes());
        }
    }

    private final Jdbi jdbi;
    private final SystemStore systems;
    private final RegistrationStore registrations;
    private final CatalogStore catalog;
    private final PolicyStore policies;
    private final AdminTokenStore tokens;
    private final CatalogService publishing;
    private final PolicyEngine engine;
    private final RolloutSupervisor supervisor;
    private final Authenticator auth;
    private final java.time.Clock clock;
    private final org.klp.server.store.CheckinWriter checkins;
    private final org.klp.server.audit.AuditService audit;

    AdminApi(Jdbi jdbi, SystemStore systems, RegistrationStore registrations, CatalogStore catalog, PolicyStore policies, AdminTokenStore tokens,
             CatalogService publishing, PolicyEngine engine, RolloutSupervisor supervisor, Authenticator auth, java.time.Clock clock,
             org.klp.server.store.CheckinWriter checkins, org.klp.server.audit.AuditService audit) {
        this.checkins = checkins;
        this.audit = audit;
        this.jdbi = jdbi;
        this.systems = systems;
        this.registrations = registrations;
        this.catalog = catalog;
        this.policies = policies;
        this.tokens = tokens;
        this.publishing = publishing;
        this.engine = engine;
        this.supervisor = supervisor;
        this.auth = auth;
        this.clock = clock;
    }

    List<Route> routes() {
        int json = Route.JSON_LIMIT;
        return List.of(
                new Route(HandlerType.GET, "/api/v1/summary", Access.ADMIN, 0, this::summary),
                new Route(HandlerType.GET, "/api/v1/systems", Access.ADMIN, 0, this::listSystems),
                new Route(HandlerType.GET, "/api/v1/systems/{id}", Access.ADMIN, 0, this::system),
                new Route(HandlerType.GET, "/api/v1/systems/{id}/history", Access.ADMIN, 0, this::history),
                new Route(HandlerType.PUT, "/api/v1/systems/{id}/group", Access.ADMIN, json, this::setGroup),
                new Route(HandlerType.DELETE, "/api/v1/systems/{id}", Access.ADMIN, 0, this::deleteSystem),
                new Route(HandlerType.GET, "/api/v1/groups", Access.ADMIN, 0, this::groups),
                new Route(HandlerType.GET, "/api/v1/groups/{name}", Access.ADMIN, 0, this::group),
                new Route(HandlerType.PUT, "/api/v1/groups/{name}", Access.ADMIN, json, this::putGroup),
                new Route(HandlerType.DELETE, "/api/v1/groups/{name}", Access.ADMIN, 0, this::deleteGroup),
                new Route(HandlerType.GET, "/api/v1/pins", Access.ADMIN, 0, this::pins),
                new Route(HandlerType.PUT, "/api/v1/groups/{name}/pins/{kernel}", Access.ADMIN, json, this::putGroupPin),
                new Route(HandlerType.DELETE, "/api/v1/groups/{name}/pins/{kernel}", Access.ADMIN, 0, this::deleteGroupPin),
                new Route(HandlerType.PUT, "/api/v1/pins/{kernel}", Access.ADMIN, json, this::putFleetPin),
                new Route(HandlerType.DELETE, "/api/v1/pins/{kernel}", Access.ADMIN, 0, this::deleteFleetPin),
                new Route(HandlerType.GET, "/api/v1/rollouts", Access.ADMIN, 0, this::rollouts),
                new Route(HandlerType.POST, "/api/v1/rollouts/{group}/{kernel}/{version}/promote", Access.ADMIN, 0, this::promote),
                new Route(HandlerType.POST, "/api/v1/rollouts/{group}/{kernel}/{version}/halt", Access.ADMIN, json, this::halt),
                new Route(HandlerType.GET, "/api/v1/products", Access.ADMIN, 0, this::products),
                new Route(HandlerType.POST, "/api/v1/products", Access.ADMIN, json, this::addProduct),
                new Route(HandlerType.GET, "/api/v1/kernels", Access.ADMIN, 0, this::kernels),
                new Route(HandlerType.POST, "/api/v1/kernels", Access.ADMIN, Route.PACKAGE_LIMIT, this::addKernel),
                new Route(HandlerType.GET, "/api/v1/kernels/{kernel}/live-patches", Access.ADMIN, 0, this::livePatches),
                new Route(HandlerType.POST, "/api/v1/kernels/{kernel}/live-patches", Access.ADMIN, Route.PACKAGE_LIMIT, this::addLivePatch),
                new Route(HandlerType.POST, "/api/v1/packages", Access.ADMIN, Route.PACKAGE_LIMIT, this::uploadRpm),
                new Route(HandlerType.GET, "/api/v1/registration-codes", Access.ADMIN, 0, this::codes),
                new Route(HandlerType.POST, "/api/v1/registration-codes", Access.ADMIN, json, this::addCode),
                new Route(HandlerType.POST, "/api/v1/admin-tokens", Access.ADMIN, json, this::addToken));
    }

    // ---- fleet

    private Reply listSystems(Call call) {
        checkins.sync();
        SystemStore.Filter f = filter(call);
        int limit = orDefault(call.queryInt("limit", 1, 10_000), 100);
        long offset = orDefault(call.queryInt("offset", 0, Integer.MAX_VALUE), 0);
        List<SystemView> items = systems.list(f, limit, offset).stream().map(SystemView::of).toList();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("total", systems.count(f));
        out.put("limit", limit);
        out.put("offset", offset);
        out.put("systems", items);
        return Reply.ok(out);
    }

    private SystemStore.Filter filter(Call call) {
        String kernel = call.query("kernel");
        if (kernel != null) {
            kernel = release(kernel).uname();
        }
        String group = call.query("group");
        if (group != null) {
            GroupPolicy.requireName(group);
        }
        Integer product = null;
        if (call.query("product") != null) {
            product = productOf(call.query("product")).id();
        }
        String state = call.query("state");
        if (state != null && !SystemStore.Filter.STATES.contains(state)) {
            throw ApiException.badRequest("state must be one of " + String.join(", ", SystemStore.Filter.STATES) + ", was '" + state + "'");
        }
        return new SystemStore.Filter(kernel, call.queryInt("version", 0, 100_000), group, product, state, call.queryInstant("seenBefore"),
                call.queryInstant("seenAfter"));
    }

    private Reply system(Call call) {
        checkins.sync();
        long id = call.pathId("id");
        SystemRecord r = systems.find(id).orElseThrow(() -> ApiException.notFound("no system " + id));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("system", SystemView.of(r));
        List<RegistrationStore.Activation> activations = jdbi.withHandle(h -> registrations.activations(h, id));
        out.put("activations", activations.stream().map(a -> catalog.product(a.productId()).map(Product::triplet).orElse("?")).toList());
        out.put("desired", r.posture() == null ? null : engine.desired(r.group(), r.posture(),
                activations.stream().map(RegistrationStore.Activation::productId).collect(java.util.stream.Collectors.toSet())));
        return Reply.ok(out);
    }

    private Reply history(Call call) {
        long id = call.pathId("id");
        systems.find(id).orElseThrow(() -> ApiException.notFound("no system " + id));
        return Reply.ok(systems.events(id, orDefault(call.queryInt("limit", 1, 10_000), 100)));
    }

    private Reply setGroup(Call call) {
        long id = call.pathId("id");
        SetGroupRequest req = call.body(SetGroupRequest.class);
        try {
            GroupPolicy.requireName(req.group());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        boolean found = jdbi.inTransaction(h -> {
            boolean f = systems.setGroup(h, id, req.group());
            if (f) {
                systems.addEvent(h, id, call.now(), "group", "moved to group " + req.group() + " by an operator");
            }
            return f;
        });
        if (!found) {
            throw ApiException.notFound("no system " + id);
        }
        auth.forget(id);
        audit.regrouped(id, req.group());
        return Reply.ok(Map.of("id", id, "group", req.group()));
    }

    private Reply deleteSystem(Call call) {
        long id = call.pathId("id");
        if (!jdbi.inTransaction(h -> systems.delete(h, id))) {
            throw ApiException.notFound("no system " + id);
        }
        auth.forget(id);
        audit.removed(id);
        return Reply.noContent();
    }

    /** Hosts by posture class with their status; computed per class, so its cost follows distinct postures, not fleet size. */
    private Reply summary(Call call) {
        checkins.sync();
        PolicySnapshot s = engine.snapshot();
        LocalDate today = LocalDate.now(clock);
        long patched = 0, behind = 0, inProgress = 0, forced = 0, reboot = 0, expiring = 0, expired = 0, unsupported = 0, checkedIn = 0;
        List<Map<String, Object>> classes = new ArrayList<>();
        for (SystemStore.PostureCount c : systems.postureCounts()) {
            checkedIn += c.hosts();
            PolicySnapshot.KernelInfo k = s.kernels().get(c.kernel());
            String status;
            if (k == null) {
                status = "unsupported-kernel";
                unsupported += c.hosts();
                reboot += c.hosts();
            } else {
                boolean isExpired = today.isAfter(k.entry().endOfSupport());
                if (isExpired) {
                    expired += c.hosts();
                    reboot += c.hosts();
                } else if (!k.entry().endOfSupport().isAfter(today.plusDays(30))) {
                    expiring += c.hosts();
                }
                if (c.forced()) {
                    forced += c.hosts();
                    if (!isExpired) {
                        reboot += c.hosts();
                    }
                }
                if ("in_progress".equals(c.transition())) {
                    status = "in-progress";
                    inProgress += c.hosts();
                } else if (c.version() >= k.newest()) {
                    status = isExpired ? "expired" : "patched";
                    patched += c.hosts();
                } else {
                    status = isExpired ? "expired" : "behind";
                    behind += c.hosts();
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kernel", c.kernel());
            m.put("version", c.version());
            m.put("newest", k == null ? null : k.newest());
            m.put("transition", c.transition());
            m.put("forced", c.forced());
            m.put("endOfSupport", k == null ? null : k.entry().endOfSupport());
            m.put("status", status);
            m.put("hosts", c.hosts());
            classes.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("systems", systems.total());
        out.put("checkedIn", checkedIn);
        out.put("patched", patched);
        out.put("behind", behind);
        out.put("inProgress", inProgress);
        out.put("forced", forced);
        out.put("needingReboot", reboot);
        out.put("expiringWithin30Days", expiring);
        out.put("expired", expired);
        out.put("unsupportedKernel", unsupported);
        out.put("postures", classes);
        out.put("groups", systems.groupCounts());
        out.put("haltedRollouts", s.rollouts().values().stream().filter(r -> r.status().equals(Rollout.HALTED)).toList());
        return Reply.ok(out);
    }

    // ---- groups, pins, rollouts

    private Reply groups(Call call) {
        return Reply.ok(jdbi.withHandle(policies::groups));
    }

    private Reply group(Call call) {
        checkins.sync();
        String name = groupName(call.path("name"));
        GroupPolicy g = jdbi.withHandle(h -> policies.group(h, name)).orElse(GroupPolicy.latest(name));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group", g);
        out.put("systems", systems.count(new SystemStore.Filter(null, null, name, null, null, null, null)));
        out.put("pins", jdbi.withHandle(policies::pins).stream().filter(p -> p.group().equals(name)).toList());
        return Reply.ok(out);
    }

    private Reply putGroup(Call call) {
        String name = groupName(call.path("name"));
        GroupRequest req = call.body(GroupRequest.class);
        GroupPolicy g;
        try {
            g = new GroupPolicy(name, req.policy() == null ? "latest" : req.policy(), req.canaryGroup(),
                    req.soakSeconds() == null ? null : Duration.ofSeconds(req.soakSeconds()), Boolean.TRUE.equals(req.kernelLock()),
                    req.onTimeout(), req.transitionTimeoutSeconds() == null ? null : Duration.ofSeconds(req.transitionTimeoutSeconds()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        jdbi.useTransaction(h -> policies.putGroup(h, g, call.now()));
        engine.invalidate();
        return Reply.ok(g);
    }

    private Reply deleteGroup(Call call) {
        String name = groupName(call.path("name"));
        boolean found = jdbi.inTransaction(h -> policies.deleteGroup(h, name));
        engine.invalidate();
        if (!found) {
            throw ApiException.notFound("no group " + name + " (a group without a policy of its own follows 'latest')");
        }
        return Reply.noContent();
    }

    private Reply pins(Call call) {
        return Reply.ok(jdbi.withHandle(policies::pins));
    }

    private Reply putGroupPin(Call call) {
        return pin(call, groupName(call.path("name")));
    }

    private Reply putFleetPin(Call call) {
        return pin(call, PolicyStore.EVERY_GROUP);
    }

    /** Pins a version, given outright or as N minus {@code back} (a fleet-wide downgrade is {@code {"back": 1}}). */
    private Reply pin(Call call, String group) {
        KernelRelease kernel = release(call.path("kernel"));
        PinRequest req = call.body(PinRequest.class);
        PolicySnapshot.KernelInfo info = engine.snapshot().kernels().get(kernel.uname());
        if (info == null) {
            throw ApiException.notFound("kernel " + kernel + " is not in the catalog");
        }
        if ((req.version() == null) == (req.back() == null)) {
            throw ApiException.badRequest("give either version (e.g. {\"version\": 3}) or back (e.g. {\"back\": 1} for N-1)");
        }
        int version = req.version() != null ? req.version() : info.newest() - req.back();
        if (!info.versions().contains(version)) {
            throw ApiException.badRequest("kernel " + kernel + " has no live patch version " + version + " (published: " + info.versions() + ")");
        }
        PolicyStore.Pin pin = new PolicyStore.Pin(group, kernel.uname(), version);
        jdbi.useTransaction(h -> policies.putPin(h, pin, call.now()));
        engine.invalidate();
        return Reply.ok(pin);
    }

    private Reply deleteGroupPin(Call call) {
        return unpin(groupName(call.path("name")), release(call.path("kernel")));
    }

    private Reply deleteFleetPin(Call call) {
        return unpin(PolicyStore.EVERY_GROUP, release(call.path("kernel")));
    }

    private Reply unpin(String group, KernelRelease kernel) {
        boolean found = jdbi.inTransaction(h -> policies.deletePin(h, group, kernel.uname()));
        engine.invalidate();
        if (!found) {
            throw ApiException.notFound("no pin of " + kernel + " for " + (group.equals(PolicyStore.EVERY_GROUP) ? "the whole fleet" : "group " + group));
        }
        return Reply.noContent();
    }

    private Reply rollouts(Call call) {
        return Reply.ok(jdbi.withHandle(policies::rollouts));
    }

    private Reply promote(Call call) {
        Rollout r = rollout(call);
        supervisor.setStatus(r, Rollout.PROMOTED, "promoted by an operator", call.now());
        return Reply.ok(jdbi.withHandle(h -> policies.rollout(h, r.group(), r.kernel(), r.version())).orElseThrow());
    }

    private Reply halt(Call call) {
        Rollout r = rollout(call);
        HaltRequest req = call.optionalBody(HaltRequest.class);
        String reason = req == null || req.reason() == null || req.reason().isBlank() ? "halted by an operator" : "halted by an operator: " + req.reason();
        supervisor.setStatus(r, Rollout.HALTED, reason, call.now());
        return Reply.ok(jdbi.withHandle(h -> policies.rollout(h, r.group(), r.kernel(), r.version())).orElseThrow());
    }

    private Rollout rollout(Call call) {
        String group = groupName(call.path("group"));
        KernelRelease kernel = release(call.path("kernel"));
        long version = call.pathId("version");
        return jdbi.withHandle(h -> policies.rollout(h, group, kernel.uname(), (int) version))
                .orElseThrow(() -> ApiException.notFound("no rollout of version " + version + " of " + kernel + " to group " + group));
    }

    // ---- catalog and publishing

    private Reply products(Call call) {
        return Reply.ok(catalog.products());
    }

    private Reply addProduct(Call call) {
        ProductRequest req = call.body(ProductRequest.class);
        require(req.identifier(), "identifier", "[A-Za-z0-9._-]{1,100}");
        require(req.version(), "version", "[0-9A-Za-z._-]{1,20}");
        require(req.arch(), "arch", "[A-Za-z0-9_]{1,20}");
        if (req.name() == null || req.name().isBlank() || req.name().length() > 200) {
            throw ApiException.badRequest("name is required, at most 200 characters (e.g. SUSE Linux Enterprise Live Patching 15 SP5 x86_64)");
        }
        if (req.base() != null) {
            productOf(req.base());
        }
        try {
            return Reply.created(publishing.addProduct(req.identifier(), req.version(), req.arch(), req.name().strip(), req.base(),
                    Boolean.TRUE.equals(req.free())));
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private Reply kernels(Call call) {
        return Reply.ok(kernelViews());
    }

    private List<KernelView> kernelViews() {
        PolicySnapshot s = engine.snapshot();
        return catalog.kernels().stream().map(k -> {
            PolicySnapshot.KernelInfo info = s.kernels().get(k.release().uname());
            return new KernelView(k.release().uname(), catalog.product(k.productId()).map(Product::triplet).orElse("?"), k.arch(), k.released(),
                    k.endOfSupport(), info == null ? List.of() : info.versions());
        }).toList();
    }

    private Reply addKernel(Call call) {
        KernelRequest req = call.body(KernelRequest.class);
        Product product = productOf(required(req.product(), "product"));
        KernelRelease release = release(required(req.release(), "release"));
        LocalDate released = date(required(req.released(), "released"), "released");
        LocalDate eos = req.endOfSupport() == null ? null : date(req.endOfSupport(), "endOfSupport");
        byte[] module = req.initialModule() == null ? null : base64(req.initialModule(), "initialModule");
        KernelEntry k;
        try {
            k = publishing.publishKernel(product.triplet(), release, released, eos, module);
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        engine.invalidate();
        return Reply.created(new KernelView(k.release().uname(), product.triplet(), k.arch(), k.released(), k.endOfSupport(), List.of(1)));
    }

    private Reply livePatches(Call call) {
        KernelRelease kernel = release(call.path("kernel"));
        List<LivePatchEntry> list = jdbi.withHandle(h -> catalog.livePatches(h, kernel.uname()));
        if (list.isEmpty()) {
            throw ApiException.notFound("kernel " + kernel + " is not in the catalog");
        }
        return Reply.ok(list.stream().map(LivePatchView::of).toList());
    }

    private Reply addLivePatch(Call call) {
        KernelRelease kernel = release(call.path("kernel"));
        LivePatchRequest req = call.body(LivePatchRequest.class);
        byte[] module = base64(required(req.module(), "module"), "module");
        List<Fix> fixes = new ArrayList<>();
        for (FixRequest f : req.fixes() == null ? List.<FixRequest>of() : req.fixes()) {
            try {
                fixes.add(new Fix(f.id(), f.cvss() == null ? 0.0 : f.cvss(), f.summary(), f.references(),
                        f.category() == null ? FixCategory.SECURITY : FixCategory.parse(f.category()), Boolean.TRUE.equals(f.changesDataStructures())));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("fix " + f.id() + ": " + e.getMessage());
            }
        }
        LocalDate released = req.released() == null ? null : date(req.released(), "released");
        try {
            LivePatchEntry e = publishing.publishLivePatch(kernel, module, "uploaded module", fixes, released);
            engine.invalidate();
            return Reply.created(LivePatchView.of(e));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private Reply uploadRpm(Call call) {
        if (call.body().length == 0) {
            throw ApiException.badRequest("send the live patch RPM as the request body (Content-Type: application/x-rpm)");
        }
        try {
            LivePatchEntry e = publishing.publishRpm(call.body());
            engine.invalidate();
            return Reply.created(LivePatchView.of(e));
        } catch (org.klp.packaging.pgp.SignatureException e) {
            throw ApiException.badRequest(e.getMessage() + "; hosts verify every package against the repository's key, so sign it with the"
                    + " server's key (klp-pack rpm --key DATA/keys/signing-key.asc)");
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        } catch (IllegalStateException e) {
            throw ApiException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    // ---- registration codes and tokens

    private Reply codes(Call call) {
        return Reply.ok(registrations.codes());
    }

    private Reply addCode(Call call) {
        CodeRequest req = call.body(CodeRequest.class);
        Product product = productOf(required(req.product(), "product"));
        int max = req.maxSystems() == null ? 1 : req.maxSystems();
        if (max < 1 || max > 10_000_000) {
            throw ApiException.badRequest("maxSystems must be from 1 to 10000000, was " + max);
        }
        Instant expires = null;
        if (req.expiresAt() != null) {
            try {
                expires = Instant.parse(req.expiresAt());
            } catch (DateTimeParseException e) {
                throw ApiException.badRequest("expiresAt must be an ISO-8601 instant such as 2026-12-31T00:00:00Z, was '" + req.expiresAt() + "'");
            }
        }
        String group = req.group() == null ? GroupPolicy.DEFAULT_GROUP : groupName(req.group());
        String code = Secrets.registrationCode();
        String label = req.label() == null || req.label().isBlank() ? "…" + code.substring(code.length() - 4) : req.label().strip();
        if (label.length() > 100) {
            throw ApiException.badRequest("label is longer than 100 characters");
        }
        Instant exp = expires;
        long id = jdbi.inTransaction(h -> registrations.addCode(h, code, label, product.id(), max, group, exp, call.now()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("code", code);
        out.put("label", label);
        out.put("product", product.triplet());
        out.put("maxSystems", max);
        out.put("group", group);
        out.put("expiresAt", exp);
        out.put("note", "the code is shown only now; the server keeps only its hash");
        return Reply.created(out);
    }

    private Reply addToken(Call call) {
        TokenRequest req = call.optionalBody(TokenRequest.class);
        String label = req == null || req.label() == null ? "api" : req.label();
        if (label.length() > 100) {
            throw ApiException.badRequest("label is longer than 100 characters");
        }
        return Reply.created(Map.of("token", tokens.create(label, call.now()), "note", "the token is shown only now; the server keeps only its hash"));
    }

    // ---- parameters

    private static String groupName(String name) {
        try {
            GroupPolicy.requireName(name);
            return name;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    static KernelRelease release(String text) {
        try {
            return KernelRelease.parseAny(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private Product productOf(String triplet) {
        try {
            return publishing.productByTriplet(triplet);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage());
        }
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest(field + " is required");
        }
        return value;
    }

    private static void require(String value, String field, String pattern) {
        if (value == null || !value.matches(pattern)) {
            throw ApiException.badRequest(field + " is required and must match " + pattern + ", was '" + value + "'");
        }
    }

    private static LocalDate date(String text, String field) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest(field + " must be a date such as 2024-11-05, was '" + text + "'");
        }
    }

    private static byte[] base64(String text, String field) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(field + " must be base64: " + e.getMessage());
        }
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }
}
