package org.klp.server.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.HandlerType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationCode;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemEvent;
import org.klp.server.store.SystemStore;
import org.klp.server.service.FleetService;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.service.SystemCredentials;

/**
 * What systems call: the subset of SUSE Customer Center's v4 API that SUSEConnect speaks
 * (announce, activate, products, activations, keepalive, deregister) and klp's check-in. A system
 * authenticates with its login and password and reaches only its own records.
 */
final class ConnectApi {

    /** SUSEConnect's announce body; hwinfo and instance data are accepted and not kept. */
    record AnnounceRequest(String hostname, JsonNode hwinfo, @JsonProperty("distro_target") String distroTarget,
                           @JsonProperty("instance_data") String instanceData, String namespace, @JsonProperty("online_at") JsonNode onlineAt) {
    }

    /** SCC's reply, and the product the code registers (klp's addition: the host need not know its product). */
    record AnnounceReply(long id, String login, String password, String product) {
    }

    record ActivateRequest(String identifier, String version, String arch, String token, String email) {
    }

    record KeepaliveRequest(String hostname, JsonNode hwinfo, @JsonProperty("distro_target") String distroTarget,
                            @JsonProperty("online_at") JsonNode onlineAt, String namespace) {
    }

    private final Jdbi jdbi;
    private final SystemStore systems;
    private final RegistrationStore registrations;
    private final CatalogStore catalog;
    private final PolicyEngine policy;
    private final RegistrationCodeService codes;
    private final FleetService fleet;
    private final SystemCredentials credentials;

    ConnectApi(Jdbi jdbi, SystemStore systems, RegistrationStore registrations, CatalogStore catalog, PolicyEngine policy,
               RegistrationCodeService codes, FleetService fleet, SystemCredentials credentials) {
        this.jdbi = jdbi;
        this.systems = systems;
        this.registrations = registrations;
        this.catalog = catalog;
        this.policy = policy;
        this.codes = codes;
        this.fleet = fleet;
        this.credentials = credentials;
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.POST, "/connect/subscriptions/systems", Access.REGISTRATION_CODE, Route.JSON_LIMIT, this::announce),
                new Route(HandlerType.POST, "/connect/systems/products", Access.SYSTEM, Route.JSON_LIMIT, this::activate),
                new Route(HandlerType.GET, "/connect/systems/products", Access.SYSTEM, 0, this::product),
                new Route(HandlerType.GET, "/connect/systems/activations", Access.SYSTEM, 0, this::activations),
                new Route(HandlerType.PUT, "/connect/systems", Access.SYSTEM, Route.JSON_LIMIT, this::keepalive),
                new Route(HandlerType.DELETE, "/connect/systems", Access.SYSTEM, 0, this::deregister),
                new Route(HandlerType.GET, "/connect/systems/events", Access.SYSTEM, 0, this::events));
    }

    private Reply announce(Call call) {
        String code = ((Caller.WithRegistrationCode) call.caller()).code();
        AnnounceRequest req = call.optionalBody(AnnounceRequest.class);
        String hostname = hostname(req == null ? null : req.hostname());
        String hostnameOrEmpty = hostname == null ? "" : hostname;
        String login = Secrets.login();
        String password = Secrets.password();
        String[] product = new String[1];
        long id = jdbi.inTransaction(h -> {
            RegistrationCode rc = usableCode(h, code, call.now());
            product[0] = catalog.product(rc.productId()).map(Product::triplet).orElse(null);
            long sid = systems.register(h, login, Secrets.hash(password), hostnameOrEmpty, rc.group(), call.now());
            systems.addEvent(h, sid, call.now(), "registered", "registered as " + (hostnameOrEmpty.isEmpty() ? login : hostnameOrEmpty) + " with code "
                    + rc.label() + ", group " + rc.group());
            return sid;
        });
        return Reply.created(new AnnounceReply(id, login, password, product[0]));
    }

    /** The code, if it exists, is neither revoked nor expired and has a seat left; otherwise the refusal says which. */
    private RegistrationCode usableCode(org.jdbi.v3.core.Handle h, String code, Instant now) {
        return codes.takeSeat(h, code, now)
                .orElseThrow(() -> ApiException.unauthorized("unknown registration code; check it, or ask your administrator for one"));
    }

    /**
     * A hostname as a system reports it: stripped, at most 255 characters (the column), no control
     * characters (the dashboard, CSV and log lines show it as text). Null when not given.
     */
    static String hostname(String text) {
        if (text == null) {
            return null;
        }
        String h = text.strip();
        if (h.length() > SystemStore.Columns.HOSTNAME) {
            throw new InvalidInput("hostname", "hostname is longer than " + SystemStore.Columns.HOSTNAME + " characters");
        }
        if (h.chars().anyMatch(c -> Character.isISOControl(c) || Character.isSurrogate((char) c))) {
            throw new InvalidInput("hostname", "hostname holds a control character or broken UTF-16; send it as printable text");
        }
        return h;
    }

    private Reply activate(Call call) {
        Caller.System sys = call.system();
        ActivateRequest req = call.body(ActivateRequest.class);
        if (req.identifier() == null || req.version() == null || req.arch() == null) {
            throw ApiException.badRequest("identifier, version and arch are required (e.g. sle-module-live-patching, 15.5, x86_64)");
        }
        Product p = catalog.product(req.identifier(), req.version(), req.arch())
                .orElseThrow(() -> ApiException.notFound("no product " + req.identifier() + "/" + req.version() + "/" + req.arch()
                        + "; see the available ones with 'klp extensions'"));
        jdbi.useTransaction(h -> {
            List<RegistrationStore.Activation> active = registrations.activations(h, sys.id());
            if (p.baseId() != null && active.stream().noneMatch(a -> a.productId() == p.baseId())) {
                Product base = catalog.product(p.baseId()).orElseThrow();
                throw ApiException.unprocessable(p.name() + " extends " + base.name() + ", which this system has not activated;"
                        + " activate it first: klp register -p " + base.triplet() + " -r CODE");
            }
            Long codeId = null;
            if (!p.free() || p.isBase()) {
                if (req.token() == null || req.token().isBlank()) {
                    if (active.stream().anyMatch(a -> a.productId() == p.id())) {
                        return;
                    }
                    throw ApiException.unprocessable(p.name() + " needs a registration code: klp register -p " + p.triplet() + " -r CODE");
                }
                RegistrationCode rc = registrations.codeForUpdate(h, req.token().strip())
                        .orElseThrow(() -> ApiException.unauthorized("unknown registration code; check it, or ask your administrator for one"));
                if (rc.revokedAt() != null) {
                    throw new org.klp.server.service.Refused("registration code " + rc.label() + " was revoked on " + rc.revokedAt() + "; ask for a new one");
                }
                if (rc.productId() != p.id()) {
                    Product other = catalog.product(rc.productId()).orElseThrow();
                    throw ApiException.forbidden("registration code " + rc.label() + " is for " + other.triplet() + ", not for " + p.triplet());
                }
                boolean alreadyCounted = active.stream().anyMatch(a -> a.productId() == p.id() && rc.id() == (a.regcodeId() == null ? -1 : a.regcodeId()));
                if (!alreadyCounted) {
                    usableCode(h, req.token().strip(), call.now());
                }
                codeId = rc.id();
            }
            registrations.activate(h, sys.id(), p.id(), codeId, call.now());
            systems.addEvent(h, sys.id(), call.now(), "activated", "activated " + p.triplet());
        });
        return Reply.created(service(p));
    }

    private Map<String, Object> service(Product p) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", p.id());
        s.put("name", p.triplet());
        s.put("url", policy.repositoryUrl(p.triplet()));
        s.put("obsoleted_service_name", null);
        s.put("product", productJson(p, List.of(), false));
        return s;
    }

    private Reply product(Call call) {
        Caller.System sys = call.system();
        String identifier = call.query("identifier");
        String version = call.query("version");
        String arch = call.query("arch");
        if (identifier == null || version == null || arch == null) {
            throw ApiException.badRequest("query parameters identifier, version and arch are required");
        }
        Product p = catalog.product(identifier, version, arch)
                .orElseThrow(() -> ApiException.notFound("no product " + identifier + "/" + version + "/" + arch));
        List<Integer> active = jdbi.withHandle(h -> registrations.activations(h, sys.id())).stream()
                .map(RegistrationStore.Activation::productId).toList();
        return Reply.ok(productJson(p, catalog.products(), active.contains(p.id()), active));
    }

    private Map<String, Object> productJson(Product p, List<Product> all, boolean activated) {
        return productJson(p, all, activated, List.of());
    }

    /** A product in SCC's shape, with its extension tree and whether this system activated each. */
    private Map<String, Object> productJson(Product p, List<Product> all, boolean activated, List<Integer> active) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("identifier", p.identifier());
        m.put("version", p.version());
        m.put("arch", p.arch());
        m.put("name", p.name());
        m.put("friendly_name", p.name());
        m.put("product_type", p.isBase() ? "base" : "extension");
        m.put("free", p.free());
        m.put("available", true);
        m.put("activated", activated);
        List<Map<String, Object>> extensions = new ArrayList<>();
        for (Product e : all) {
            if (e.baseId() != null && e.baseId() == p.id()) {
                extensions.add(productJson(e, all, active.contains(e.id()), active));
            }
        }
        m.put("extensions", extensions);
        return m;
    }

    private Reply activations(Call call) {
        Caller.System sys = call.system();
        List<RegistrationStore.Activation> list = jdbi.withHandle(h -> registrations.activations(h, sys.id()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegistrationStore.Activation a : list) {
            Product p = catalog.product(a.productId()).orElseThrow();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", a.productId());
            m.put("system_id", sys.id());
            m.put("status", "ACTIVE");
            m.put("type", a.regcodeId() == null ? "free" : "full");
            m.put("starts_at", a.activatedAt().toString());
            m.put("service", service(p));
            out.add(m);
        }
        return Reply.ok(out);
    }

    private Reply keepalive(Call call) {
        Caller.System sys = call.system();
        KeepaliveRequest req = call.optionalBody(KeepaliveRequest.class);
        String hostname = hostname(req == null ? null : req.hostname());
        boolean found = jdbi.inTransaction(h -> systems.keepalive(h, sys.id(), hostname, call.now()));
        if (!found) {
            credentials.forget(sys.id());
            throw ApiException.unauthorized("this system is no longer registered; register again with klp register");
        }
        return Reply.noContent();
    }

    private Reply deregister(Call call) {
        Caller.System sys = call.system();
        fleet.deregister(sys.id(), sys.login());
        return Reply.noContent();
    }

    private Reply events(Call call) {
        Caller.System sys = call.system();
        Integer limit = call.queryInt("limit", 1, 1000);
        List<SystemEvent> events = systems.events(sys.id(), limit == null ? 100 : limit);
        return Reply.ok(events);
    }
}
