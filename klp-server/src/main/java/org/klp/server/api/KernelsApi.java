package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.LocalDate;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.server.catalog.CatalogService;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.KernelEntry;
import org.klp.server.store.Product;

/** Kernel releases of the catalog: publishing one publishes its initial patch (version 1). */
final class KernelsApi {

    record KernelRequest(String product, String release, String released, String endOfSupport, String initialModule) {
    }

    record KernelView(String release, String product, String arch, LocalDate released, LocalDate endOfSupport, List<Integer> versions) {
    }

    private final CatalogService catalog;
    private final CatalogStore store;
    private final PolicyEngine engine;

    KernelsApi(CatalogService catalog, CatalogStore store, PolicyEngine engine) {
        this.catalog = catalog;
        this.store = store;
        this.engine = engine;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/kernels", Access.ADMIN, 0, this::list),
                new Route(HandlerType.POST, "/api/v1/kernels", Access.ADMIN, Route.PACKAGE_LIMIT, this::add));
    }

    private Reply list(Call call) {
        PolicySnapshot s = engine.snapshot();
        return Reply.ok(store.kernels().stream().map(k -> {
            PolicySnapshot.KernelInfo info = s.kernels().get(k.release().uname());
            return new KernelView(k.release().uname(), store.product(k.productId()).map(Product::triplet).orElse("?"), k.arch(), k.released(),
                    k.endOfSupport(), info == null ? List.of() : info.versions());
        }).toList());
    }

    private Reply add(Call call) {
        KernelRequest req = call.body(KernelRequest.class);
        Product product = catalog.productByTriplet(Fields.required(req.product(), "product"));
        KernelRelease release = Fields.kernel(Fields.required(req.release(), "release"), "release");
        LocalDate released = Fields.date(Fields.required(req.released(), "released"), "released");
        LocalDate eos = req.endOfSupport() == null ? null : Fields.date(req.endOfSupport(), "endOfSupport");
        byte[] module = req.initialModule() == null ? null : Fields.base64(req.initialModule(), "initialModule");
        KernelEntry k = catalog.publishKernel(product.triplet(), release, released, eos, module);
        return Reply.created(new KernelView(k.release().uname(), product.triplet(), k.arch(), k.released(), k.endOfSupport(), List.of(1)));
    }
}
