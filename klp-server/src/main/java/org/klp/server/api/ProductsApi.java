package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.util.List;
import org.klp.server.catalog.CatalogService;
import org.klp.server.service.Printable;
import org.klp.server.store.CatalogStore;

/** Products and extensions as SCC names them (IDENTIFIER/VERSION/ARCH), each with its repository. */
final class ProductsApi {

    record ProductRequest(String identifier, String version, String arch, String name, String base, Boolean free) {
    }

    private final CatalogService catalog;
    private final CatalogStore store;

    ProductsApi(CatalogService catalog, CatalogStore store) {
        this.catalog = catalog;
        this.store = store;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/products", Access.ADMIN, 0, c -> Reply.ok(store.products())),
                new Route(HandlerType.POST, "/api/v1/products", Access.ADMIN, Route.JSON_LIMIT, this::add));
    }

    private Reply add(Call call) {
        ProductRequest req = call.body(ProductRequest.class);
        String name = Printable.require(Fields.required(req.name(), "name").strip(), "name", 200, false);
        return Reply.created(catalog.addProduct(req.identifier(), req.version(), req.arch(), name, req.base(), Boolean.TRUE.equals(req.free())));
    }
}
