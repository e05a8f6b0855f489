package org.klp.server.api;

import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.List;
import org.klp.server.catalog.CatalogService;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.store.Product;

/** Registration codes: made per product (shown once), listed without the codes, revoked. */
final class RegistrationCodesApi {

    record CodeRequest(String product, Integer maxSystems, String expiresAt, String label, String group) {
    }

    private final RegistrationCodeService codes;
    private final CatalogService catalog;

    RegistrationCodesApi(RegistrationCodeService codes, CatalogService catalog) {
        this.codes = codes;
        this.catalog = catalog;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.GET, "/api/v1/registration-codes", Access.ADMIN, 0, c -> Reply.ok(codes.list())),
                new Route(HandlerType.POST, "/api/v1/registration-codes", Access.ADMIN, Route.JSON_LIMIT, this::create),
                new Route(HandlerType.DELETE, "/api/v1/registration-codes/{id}", Access.ADMIN, 0, this::revoke));
    }

    private Reply create(Call call) {
        CodeRequest req = call.body(CodeRequest.class);
        Product product = catalog.productByTriplet(Fields.required(req.product(), "product"));
        Instant expires = req.expiresAt() == null ? null : Fields.instant(req.expiresAt(), "expiresAt");
        String group = req.group() == null ? null : Fields.group(req.group(), "group");
        return Reply.created(codes.create(product, req.maxSystems(), expires, req.label(), group, call.now()));
    }

    private Reply revoke(Call call) {
        codes.revoke(call.pathId("id"), call.now());
        return Reply.noContent();
    }
}
