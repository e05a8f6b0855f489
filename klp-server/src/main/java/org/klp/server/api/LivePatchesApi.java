package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;
import org.klp.server.catalog.CatalogService;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.NotFound;
import org.klp.server.service.Printable;
import org.klp.server.service.Quote;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.LivePatchEntry;

/**
 * Live patch versions of a kernel: listed; published as the next version, built from a module and
 * its (cumulative) fixes, or uploaded as an RPM built by {@code klp-pack rpm} with the server's key.
 */
final class LivePatchesApi {

    static final int MAX_FIXES = 2_000;

    record FixRequest(String id, Double cvss, String summary, String category, Boolean changesDataStructures, List<String> references) {
    }

    record LivePatchRequest(String module, List<FixRequest> fixes, String released) {
    }

    record LivePatchView(String kernel, int version, String packageName, LocalDate released, String moduleName, String rpm, String sha256,
                         List<Fix> fixes) {
        static LivePatchView of(LivePatchEntry e) {
            return new LivePatchView(e.kernel(), e.version(), LivePatchPackage.packageName(KernelRelease.parse(e.kernel())), e.released(),
                    e.moduleName(), e.rpmFile(), e.rpmSha256(), e.fixes());
        }
    }

    private final CatalogService catalog;
    private final CatalogStore store;

    LivePatchesApi(CatalogService catalog, CatalogStore store) {
        this.catalog = catalog;
        this.store = store;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/kernels/{kernel}/live-patches", Access.ADMIN, 0, this::list),
                new Route(HandlerType.POST, "/api/v1/kernels/{kernel}/live-patches", Access.ADMIN, Route.PACKAGE_LIMIT, this::publish),
                new Route(HandlerType.POST, "/api/v1/packages", Access.ADMIN, Route.PACKAGE_LIMIT, this::upload));
    }

    private Reply list(Call call) {
        KernelRelease kernel = call.pathKernel("kernel");
        List<LivePatchEntry> list = store.livePatches(kernel.uname());
        if (list.isEmpty()) {
            throw new NotFound("kernel " + kernel + " is not in the catalog");
        }
        return Reply.ok(list.stream().map(LivePatchView::of).toList());
    }

    private Reply publish(Call call) {
        KernelRelease kernel = call.pathKernel("kernel");
        LivePatchRequest req = call.body(LivePatchRequest.class);
        byte[] module = Fields.base64(Fields.required(req.module(), "module"), "module");
        List<FixRequest> requested = req.fixes() == null ? List.of() : req.fixes();
        if (requested.size() > MAX_FIXES) {
            throw new InvalidInput("fixes", "fixes lists " + requested.size() + " fixes; at most " + MAX_FIXES);
        }
        List<Fix> fixes = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            FixRequest f = requested.get(i);
            String field = "fixes[" + i + "]";
            if (f == null) {
                throw new InvalidInput(field, field + " is null");
            }
            if (f.summary() != null) {
                Printable.require(f.summary(), field + ".summary", 5_000, true);
            }
            Fix fix;
            try {
                fix = new Fix(f.id(), f.cvss() == null ? 0.0 : f.cvss(), f.summary(), f.references(),
                        f.category() == null ? FixCategory.SECURITY : FixCategory.parse(f.category()), Boolean.TRUE.equals(f.changesDataStructures()));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new InvalidInput(field, field + ": " + Quote.clip(String.valueOf(e.getMessage()), 300));
            }
            if (!ids.add(fix.id())) {
                throw new InvalidInput(field, field + ": " + fix.id() + " is listed twice");
            }
            fixes.add(fix);
        }
        LocalDate released = req.released() == null ? null : Fields.date(req.released(), "released");
        return Reply.created(LivePatchView.of(catalog.publishLivePatch(kernel, module, "uploaded module", fixes, released)));
    }

    private Reply upload(Call call) {
        if (call.body().length == 0) {
            throw new InvalidInput("body", "send the live patch RPM as the request body (Content-Type: application/x-rpm)");
        }
        return Reply.created(LivePatchView.of(catalog.publishRpm(call.body())));
    }
}
