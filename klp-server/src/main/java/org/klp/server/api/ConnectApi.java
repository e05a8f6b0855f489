package org.klp.server.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationCode;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemEvent;
import org.klp.server.store.SystemStore;
import org.klp.packaging.xml.XmlText;
import org.klp.server.service.FleetService;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.service.SystemCredentials;

/**
 * What systems call: SCC's v4 API as SUSE's registration proxy (RMT) serves it to SUSEConnect,
 * YaST and zypper — announce, update, deregister, products, activate, upgrade, deactivate,
 * migrations, synchronize, activations, the installer-updates probe, and each product's zypper
 * service index — and klp's check-in. A system authenticates with its login and password and
 * reaches only its own records.
 *
 * <p>Clients of many versions send more fields than a server uses (SUSEConnect sends hardware
 * details, release types, whole product documents): unknown fields are ignored here, while every
 * field used is checked against what storage and the catalog accept. Refusals are SCC's JSON error
 * ({@code error}, {@code localized_error}), which SUSEConnect prints; 422 for what SCC answers 422
 * (RMT's status for a refused activation, deactivation or migration), 401 for credentials.
 */
final class ConnectApi {

    /** SUSEConnect's announce and update body; only the hostname is kept. */
    record SystemRequest(String hostname) {
    }

    /** A product as SCC's clients name it, with the code and e-mail an activation may carry. */
    record ProductRequest(String identifier, String version, String arch, @JsonProperty("release_type") String releaseType, String token,
                          String email) {
    }

    record MigrationsRequest(@JsonProperty("installed_products") List<ProductRequest> installedProducts,
                             @JsonProperty("target_base_product") ProductRequest targetBaseProduct) {
    }

    record SynchronizeRequest(List<ProductRequest> products) {
    }

    /** How many products a migration or synchronize request may name. */
    static final int MAX_PRODUCTS = 100;
    /** How long the service index may be cached by zypper (SCC's and RMT's value). */
    static final int SERVICE_TTL_SECONDS = 86400;

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

    /** SCC's routes and the service indexes answer SCC's error shape. */
    static boolean isSccPath(String path) {
        return path.startsWith("/connect/") || path.startsWith("/services/");
    }

    List<Route> routes() {
        return List.of(
                new Route(HandlerType.POST, "/connect/subscriptions/systems", Access.REGISTRATION_CODE, Route.JSON_LIMIT, this::announce),
                new Route(HandlerType.PUT, "/connect/systems", Access.SYSTEM, Route.JSON_LIMIT, this::update),
                new Route(HandlerType.DELETE, "/connect/systems", Access.SYSTEM, Route.JSON_LIMIT, this::deregister),
                new Route(HandlerType.GET, "/connect/systems/products", Access.SYSTEM, Route.JSON_LIMIT, this::product),
                new Route(HandlerType.POST, "/connect/systems/products", Access.SYSTEM, Route.JSON_LIMIT, this::activate),
                new Route(HandlerType.PUT, "/connect/systems/products", Access.SYSTEM, Route.JSON_LIMIT, this::upgrade),
                new Route(HandlerType.DELETE, "/connect/systems/products", Access.SYSTEM, Route.JSON_LIMIT, this::deactivate),
                new Route(HandlerType.POST, "/connect/systems/products/migrations", Access.SYSTEM, Route.JSON_LIMIT, this::migrations),
                new Route(HandlerType.POST, "/connect/systems/products/offline_migrations", Access.SYSTEM, Route.JSON_LIMIT,
                        this::offlineMigrations),
                new Route(HandlerType.POST, "/connect/systems/products/synchronize", Access.SYSTEM, Route.JSON_LIMIT, this::synchronize),
                new Route(HandlerType.GET, "/connect/systems/activations", Access.SYSTEM, 0, this::activations),
                new Route(HandlerType.GET, "/connect/repositories/installer", Access.PUBLIC, 0, this::installerUpdates),
                new Route(HandlerType.GET, "/services/{id}/repo/repoindex.xml", Access.SYSTEM, 0, this::serviceIndex),
                new Route(HandlerType.GET, "/connect/systems/events", Access.SYSTEM, 0, this::events));
    }

    // ---- systems

    private Reply announce(Call call) {
        String code = ((Caller.WithRegistrationCode) call.caller()).code();
        SystemRequest req = body(call, SystemRequest.class, true);
        String hostname = hostname(req == null ? null : req.hostname());
        String login = Secrets.login();
        String password = Secrets.password();
        String[] product = new String[1];
        long id = jdbi.inTransaction(h -> {
            RegistrationCode rc = usableCode(h, code, call.now());
            product[0] = catalog.product(rc.productId()).map(Product::triplet).orElse(null);
            long sid = systems.register(h, login, Secrets.hash(password), hostname == null ? "" : hostname, rc.group(), call.now());
            systems.addEvent(h, sid, call.now(), "registered", "registered as " + (hostname == null || hostname.isEmpty() ? login : hostname)
                    + " with code " + rc.label() + ", group " + rc.group());
            return sid;
        });
        return Reply.created(new SccViews.Announced(id, login, password, null, product[0]));
    }

    /** SUSEConnect's update and keepalive ({@code SUSEConnect --keepalive}): the system was seen, maybe under a new hostname. */
    private Reply update(Call call) {
        Caller.System sys = call.system();
        SystemRequest req = body(call, SystemRequest.class, true);
        String hostname = hostname(req == null ? null : req.hostname());
        boolean found = jdbi.inTransaction(h -> systems.keepalive(h, sys.id(), hostname, call.now()));
        if (!found) {
            credentials.forget(sys.id());
            throw ApiException.unauthorized("this system is no longer registered; register again (SUSEConnect -r CODE or klp register)");
        }
        return Reply.noContent();
    }

    /** Deregisters: the system, its activations (their codes' seats are free again) and so its services go. */
    private Reply deregister(Call call) {
        Caller.System sys = call.system();
        fleet.deregister(sys.id(), sys.login(), call.now());
        return Reply.noContent();
    }

    // ---- products

    /**
     * A product the system activated, with its extension tree. SUSEConnect up to 1.14 names the
     * product in the query string; later versions send it as a JSON body of the GET.
     */
    private Reply product(Call call) {
        Caller.System sys = call.system();
        ProductRequest named = call.query("identifier") != null || call.body().length == 0
                ? new ProductRequest(call.query("identifier"), call.query("version"), call.query("arch"), null, null, null)
                : body(call, ProductRequest.class, false);
        Product p = known(named);
        Set<Integer> active = activeProducts(sys.id());
        if (!active.contains(p.id())) {
            throw ApiException.unprocessable("The requested product '" + p.name() + "' is not activated on this system; activate it first"
                    + " (SUSEConnect -p " + p.triplet() + " or klp register -p " + p.triplet() + ")");
        }
        return Reply.ok(productView(p, catalog.products(), active));
    }

    private Reply activate(Call call) {
        Caller.System sys = call.system();
        ProductRequest req = body(call, ProductRequest.class, false);
        Product p = known(req);
        String token = optional("token", req.token(), 100);
        optional("email", req.email(), 255);
        optional("release_type", req.releaseType(), 100);
        jdbi.useTransaction(h -> {
            List<RegistrationStore.Activation> active = registrations.activations(h, sys.id());
            requireBaseActivated(p, active);
            Long codeId = null;
            Optional<RegistrationStore.Activation> existing = active.stream().filter(a -> a.productId() == p.id()).findFirst();
            if (!p.free() || p.isBase()) {
                if (token == null) {
                    if (existing.isPresent()) {
                        return; // activating again what the system has: SUSEConnect does it on every registration run
                    }
                    throw ApiException.unprocessable(p.name() + " needs a registration code: SUSEConnect -p " + p.triplet() + " -r CODE"
                            + " (or klp register -p " + p.triplet() + " -r CODE)");
                }
                RegistrationCode rc = registrations.codeForUpdate(h, token)
                        .orElseThrow(() -> ApiException.unprocessable("No subscription found with this registration code; check it, or ask your"
                                + " administrator for one"));
                if (rc.revokedAt() != null) {
                    throw new org.klp.server.service.Refused("registration code " + rc.label() + " was revoked on " + rc.revokedAt()
                            + "; ask for a new one");
                }
                if (rc.productId() != p.id()) {
                    Product other = catalog.product(rc.productId()).orElseThrow();
                    throw ApiException.unprocessable("The subscription with the provided registration code " + rc.label() + " is for "
                            + other.triplet() + ", not for " + p.triplet());
                }
                boolean alreadyCounted = existing.isPresent() && existing.get().regcodeId() != null && existing.get().regcodeId() == rc.id();
                if (!alreadyCounted) {
                    usableCode(h, token, call.now());
                }
                codeId = rc.id();
            }
            registrations.activate(h, sys.id(), p.id(), codeId, call.now());
            systems.addEvent(h, sys.id(), call.now(), "activated", "activated " + p.triplet());
        });
        return Reply.created(service(p, "", true));
    }

    /**
     * Moves the system's activation of a product to another version of it (a service pack
     * migration), keeping the code that paid for it; SUSEConnect also sends the installed version
     * itself, before deregistering, and gets its service back.
     */
    private Reply upgrade(Call call) {
        Caller.System sys = call.system();
        ProductRequest req = body(call, ProductRequest.class, false);
        Product target = known(req);
        optional("release_type", req.releaseType(), 100);
        String[] obsoleted = {""};
        jdbi.useTransaction(h -> {
            List<RegistrationStore.Activation> active = registrations.activations(h, sys.id());
            Map<Integer, Product> products = catalog.products().stream().collect(Collectors.toMap(Product::id, Function.identity()));
            RegistrationStore.Activation current = active.stream()
                    .filter(a -> sameLine(products.get(a.productId()), target))
                    .findFirst()
                    .orElseThrow(() -> ApiException.unprocessable(target.name() + " cannot be upgraded to: no version of "
                            + target.identifier() + "/" + target.arch() + " is activated on this system; activate it with SUSEConnect -p "
                            + target.triplet() + (target.free() && !target.isBase() ? "" : " -r CODE")));
            Product from = products.get(current.productId());
            obsoleted[0] = from.serviceName();
            if (from.id() == target.id()) {
                return;
            }
            List<RegistrationStore.Activation> others = active.stream().filter(a -> a.productId() != from.id()).toList();
            requireBaseActivated(target, others);
            registrations.deactivate(h, sys.id(), from.id());
            registrations.activate(h, sys.id(), target.id(), current.regcodeId(), call.now());
            systems.addEvent(h, sys.id(), call.now(), "upgraded", "upgraded " + from.triplet() + " to " + target.triplet());
        });
        return Reply.created(service(target, obsoleted[0], true));
    }

    /** {@code SUSEConnect -d -p PRODUCT}: an extension's activation goes, its code's seat is free again, its service with it. */
    private Reply deactivate(Call call) {
        Caller.System sys = call.system();
        ProductRequest req = body(call, ProductRequest.class, false);
        Product p = known(req);
        if (p.isBase()) {
            throw ApiException.unprocessable("The product \"" + p.name() + "\" is a base product and cannot be deactivated;"
                    + " deregister the system instead (SUSEConnect -d or klp deregister)");
        }
        jdbi.useTransaction(h -> {
            List<RegistrationStore.Activation> active = registrations.activations(h, sys.id());
            Map<Integer, Product> products = catalog.products().stream().collect(Collectors.toMap(Product::id, Function.identity()));
            List<String> dependents = active.stream().map(a -> products.get(a.productId()))
                    .filter(o -> o != null && o.baseId() != null && o.baseId() == p.id()).map(Product::triplet).toList();
            if (!dependents.isEmpty()) {
                throw ApiException.unprocessable("Cannot deactivate the product \"" + p.name() + "\". Other activated products depend upon it: "
                        + String.join(", ", dependents) + "; deactivate them first");
            }
            if (!registrations.deactivate(h, sys.id(), p.id())) {
                throw ApiException.unprocessable(p.name() + " is not yet activated on the system.");
            }
            systems.addEvent(h, sys.id(), call.now(), "deactivated", "deactivated " + p.triplet());
        });
        return Reply.ok(service(p, "", false));
    }

    /** {@code zypper migration}'s question: to which versions can the installed products move together (online)? */
    private Reply migrations(Call call) {
        MigrationsRequest req = body(call, MigrationsRequest.class, false);
        return Reply.ok(migrationPaths(call.system(), req, false));
    }

    private Reply offlineMigrations(Call call) {
        MigrationsRequest req = body(call, MigrationsRequest.class, false);
        if (req.targetBaseProduct() == null) {
            throw ApiException.unprocessable("Required parameters are missing or empty: target_base_product");
        }
        return Reply.ok(migrationPaths(call.system(), req, true));
    }

    /**
     * The migration paths the catalog really has: for the installed base product, each newer
     * version of it (and, online, the base itself) with, for every installed extension, a version
     * of it that extends that base; newest base first. Without newer versions, none.
     */
    private List<List<SccViews.UpgradePathItem>> migrationPaths(Caller.System sys, MigrationsRequest req, boolean offline) {
        if (req.installedProducts() == null) {
            throw ApiException.unprocessable("Required parameters are missing or empty: installed_products");
        }
        if (req.installedProducts().size() > MAX_PRODUCTS) {
            throw ApiException.badRequest("installed_products names more than " + MAX_PRODUCTS + " products");
        }
        List<Product> all = catalog.products();
        List<Product> installed = new ArrayList<>();
        for (ProductRequest r : req.installedProducts()) {
            if (r == null) {
                throw ApiException.badRequest("installed_products holds a null entry");
            }
            find(r).ifPresent(installed::add); // products the catalog does not know (other vendors') have no migration here
        }
        Set<Integer> active = activeProducts(sys.id());
        List<String> notActivated = installed.stream().filter(p -> !active.contains(p.id())).map(Product::name).toList();
        if (!notActivated.isEmpty()) {
            throw ApiException.unprocessable("The requested products '" + String.join(", ", notActivated) + "' are not activated on the system.");
        }
        List<Product> bases = installed.stream().filter(Product::isBase).distinct().toList();
        if (bases.isEmpty()) {
            throw ApiException.unprocessable("No base product found.");
        }
        if (bases.size() > 1) {
            throw ApiException.unprocessable("Multiple base products found: '" + bases.stream().map(Product::name).collect(Collectors.joining(", ")) + "'.");
        }
        Product base = bases.get(0);
        List<Product> extensions = installed.stream().filter(p -> !p.isBase()).distinct().toList();
        List<Product> targets = new ArrayList<>(successors(base, all));
        if (offline) {
            Product wanted = known(req.targetBaseProduct());
            targets.removeIf(t -> t.id() != wanted.id());
        } else {
            targets.add(base);
        }
        targets.sort(Comparator.comparing(Product::version, ConnectApi::compareVersions).reversed());
        List<List<Product>> paths = new ArrayList<>();
        for (Product b : targets) {
            List<List<Product>> combinations = new ArrayList<>(List.of(List.of(b)));
            for (Product e : extensions) {
                List<Product> options = new ArrayList<>(successors(e, all));
                options.add(e);
                options.removeIf(o -> o.baseId() == null || o.baseId() != b.id());
                List<List<Product>> next = new ArrayList<>();
                for (List<Product> c : combinations) {
                    for (Product o : options) {
                        List<Product> longer = new ArrayList<>(c);
                        longer.add(o);
                        next.add(longer);
                    }
                }
                combinations = next;
            }
            paths.addAll(combinations);
        }
        List<Product> now = new ArrayList<>(List.of(base));
        now.addAll(extensions);
        paths.removeIf(p -> p.equals(now));
        if (paths.isEmpty() && !successors(base, all).isEmpty() && !extensions.isEmpty()) {
            List<Product> stuck = extensions.stream().filter(e -> successors(e, all).isEmpty()).toList();
            throw ApiException.unprocessable("There are activated extensions/modules on this system that cannot be migrated. Deactivate them"
                    + " first, and then try migrating again. The product(s) are '" + stuck.stream().map(Product::name).collect(Collectors.joining(", "))
                    + "'. You can deactivate them with " + stuck.stream().map(p -> "SUSEConnect -d -p " + p.triplet()).collect(Collectors.joining("; ")));
        }
        return paths.stream().map(p -> p.stream().map(ConnectApi::upgradePathItem).toList()).toList();
    }

    /** {@code SUSEConnect --rollback} and zypper-migration after a rollback: activations of products not listed go. */
    private Reply synchronize(Call call) {
        Caller.System sys = call.system();
        SynchronizeRequest req = body(call, SynchronizeRequest.class, false);
        if (req.products() == null) {
            throw ApiException.unprocessable("Required parameters are missing or empty: products");
        }
        if (req.products().size() > MAX_PRODUCTS) {
            throw ApiException.badRequest("products names more than " + MAX_PRODUCTS + " products");
        }
        Set<Integer> listed = new LinkedHashSet<>();
        for (ProductRequest r : req.products()) {
            if (r == null) {
                throw ApiException.badRequest("products holds a null entry");
            }
            find(r).ifPresent(p -> listed.add(p.id()));
        }
        List<Product> all = catalog.products();
        Set<Integer> remaining = jdbi.inTransaction(h -> {
            Set<Integer> kept = new LinkedHashSet<>();
            for (RegistrationStore.Activation a : registrations.activations(h, sys.id())) {
                if (listed.contains(a.productId())) {
                    kept.add(a.productId());
                } else {
                    registrations.deactivate(h, sys.id(), a.productId());
                    systems.addEvent(h, sys.id(), call.now(), "deactivated", "deactivated "
                            + all.stream().filter(p -> p.id() == a.productId()).map(Product::triplet).findFirst().orElse("product " + a.productId())
                            + " (not among the system's products at synchronize)");
                }
            }
            return kept;
        });
        return Reply.ok(all.stream().filter(p -> remaining.contains(p.id())).map(p -> productView(p, all, remaining)).toList());
    }

    private Reply activations(Call call) {
        Caller.System sys = call.system();
        List<SccViews.Activation> out = jdbi.withHandle(h -> {
            List<SccViews.Activation> list = new ArrayList<>();
            for (RegistrationStore.Activation a : registrations.activations(h, sys.id())) {
                Product p = catalog.product(a.productId()).orElseThrow();
                Optional<RegistrationCode> code = a.regcodeId() == null ? Optional.empty() : registrations.code(h, a.regcodeId());
                list.add(new SccViews.Activation(p.id(), sys.id(), service(p, "", true), null, code.map(RegistrationCode::label).orElse(p.name()), "ACTIVE",
                        a.activatedAt(), code.map(RegistrationCode::expiresAt).orElse(null), a.regcodeId() == null ? "free" : "full"));
            }
            return list;
        });
        return Reply.ok(out);
    }

    /**
     * Installer updates of a product (klp has none). SUSEConnect asks it without parameters to tell
     * an up-to-date registration proxy (422) from one that lacks a function it called.
     */
    private Reply installerUpdates(Call call) {
        List<String> missing = new ArrayList<>();
        for (String q : List.of("identifier", "version", "arch")) {
            if (call.query(q) == null) {
                missing.add(q);
            }
        }
        if (!missing.isEmpty()) {
            throw ApiException.unprocessable("Required parameters are missing or empty: " + String.join(", ", missing));
        }
        known(new ProductRequest(call.query("identifier"), call.query("version"), call.query("arch"), null, null, null));
        return Reply.ok(List.of());
    }

    /**
     * The zypper service (RIS) of a product the system activated:
     * {@code <repoindex><repo url alias name enabled autorefresh/></repoindex>}. zypper fetches it
     * with the credentials SUSEConnect wrote for the service.
     */
    private Reply serviceIndex(Call call) {
        Caller.System sys = call.system();
        long id = call.pathId("id");
        Product p = id > Integer.MAX_VALUE ? null : catalog.product((int) id).orElse(null);
        if (p == null || !activeProducts(sys.id()).contains(p.id())) {
            throw ApiException.notFound("Requested service not found: this system has no service " + id + " (activate its product first)");
        }
        StringBuilder x = new StringBuilder(512);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repoindex ttl=\"").append(SERVICE_TTL_SECONDS).append("\">\n");
        String alias = repositoryAlias(p);
        x.append("  <repo url=\"").append(XmlText.escape(policy.repositoryUrl(p.triplet()))).append("\" alias=\"").append(XmlText.escape(alias))
                .append("\" name=\"").append(XmlText.escape(alias)).append("\" autorefresh=\"true\" enabled=\"true\"/>\n");
        x.append("</repoindex>\n");
        return new Reply.Bytes(200, "application/xml", x.toString().getBytes(StandardCharsets.UTF_8));
    }

    // ---- klp's own

    private Reply events(Call call) {
        Caller.System sys = call.system();
        Integer limit = call.queryInt("limit", 1, 1000);
        List<SystemEvent> events = systems.events(sys.id(), limit == null ? 100 : limit);
        return Reply.ok(events);
    }

    // ---- rules and views

    /** The code, if it exists, is neither revoked nor expired and has a seat left; otherwise the refusal says which. */
    private RegistrationCode usableCode(Handle h, String code, Instant now) {
        return codes.takeSeat(h, code, now)
                .orElseThrow(() -> ApiException.unauthorized("Unknown Registration Code: check it, or ask your administrator for one"));
    }

    /**
     * A hostname as a system reports it: stripped, at most 255 characters (the column), no control
     * characters (the dashboard, CSV and log lines show it as text). Null when not given or blank.
     */
    static String hostname(String text) {
        if (text == null || text.isBlank()) {
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

    /** An extension needs its base product activated on the system first. */
    private void requireBaseActivated(Product p, List<RegistrationStore.Activation> active) {
        if (p.baseId() != null && active.stream().noneMatch(a -> a.productId() == p.baseId())) {
            Product base = catalog.product(p.baseId()).orElseThrow();
            throw ApiException.unprocessable("The product you are attempting to activate (" + p.name() + ") requires one of these products"
                    + " to be activated first: " + base.name() + " (SUSEConnect -p " + base.triplet() + " -r CODE)");
        }
    }

    private Set<Integer> activeProducts(long systemId) {
        return jdbi.withHandle(h -> registrations.activations(h, systemId)).stream().map(RegistrationStore.Activation::productId)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** The catalog's product a request names, its fields checked; SCC's 422 "No product found" when it has none. */
    private Product known(ProductRequest r) {
        return find(r).orElseThrow(() -> ApiException.unprocessable("No product found: " + r.identifier() + "/" + r.version() + "/" + r.arch()
                + " is not in this server's catalog; see the available ones with SUSEConnect --list-extensions or klp extensions"));
    }

    private Optional<Product> find(ProductRequest r) {
        String identifier = required("identifier", r.identifier(), 100);
        String version = required("version", r.version(), 20);
        String arch = required("arch", r.arch(), 20);
        return catalog.product(identifier, version, arch);
    }

    private static String required(String name, String value, int max) {
        String v = optional(name, value, max);
        if (v == null) {
            throw ApiException.unprocessable("Required parameters are missing or empty: " + name
                    + " (a product is identifier, version and arch, e.g. sle-module-live-patching, 15.5, x86_64)");
        }
        return v;
    }

    /** A text field: null when absent or blank, else stripped and checked against its column. */
    private static String optional(String name, String value, int max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.length() > max) {
            throw ApiException.badRequest(name + " is longer than " + max + " characters");
        }
        if (v.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ApiException.badRequest(name + " holds control characters");
        }
        return v;
    }

    private static <T> T body(Call call, Class<T> type, boolean optional) {
        if (call.body().length == 0) {
            if (optional) {
                return null;
            }
            throw ApiException.badRequest("the request needs a JSON body");
        }
        return JsonCodec.readIgnoringUnknownFields(call.body(), type);
    }

    /** Newer versions of a product: the same identifier and architecture. */
    private static List<Product> successors(Product p, List<Product> all) {
        return all.stream().filter(o -> sameLine(o, p) && compareVersions(o.version(), p.version()) > 0).toList();
    }

    private static boolean sameLine(Product a, Product b) {
        return a != null && a.identifier().equals(b.identifier()) && a.arch().equals(b.arch());
    }

    /** Versions by their numeric parts (15.10 after 15.9), then as text. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,9}") && q.matches("\\d{1,9}") ? Integer.compare(Integer.parseInt(p), Integer.parseInt(q)) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    /** A product's service; {@code activated}: whether the system has the product after the call. */
    private SccViews.Service service(Product p, String obsoleted, boolean activated) {
        String name = p.serviceName();
        return new SccViews.Service(p.id(), name, policy.baseUrl() + "/services/" + p.id() + "?credentials=" + name, obsoleted,
                productView(p, List.of(), activated ? Set.of(p.id()) : Set.of()));
    }

    private static String repositoryAlias(Product p) {
        return (p.identifier() + "-" + p.version() + "-" + p.arch() + "-Updates").replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** A product in SCC's shape, with its extension tree and whether this system activated each. */
    private SccViews.Product productView(Product p, List<Product> all, Set<Integer> active) {
        List<SccViews.Product> extensions = new ArrayList<>();
        for (Product e : all) {
            if (e.baseId() != null && e.baseId() == p.id()) {
                extensions.add(productView(e, all, active));
            }
        }
        String alias = repositoryAlias(p);
        return new SccViews.Product(p.id(), p.name(), p.identifier(), "", p.version(), null, "released", p.arch(), p.name(), p.identifier(),
                "cpe:/o:klp:" + p.identifier().toLowerCase(java.util.Locale.ROOT) + ":" + p.version(), p.free(), p.name(), "",
                List.of(new SccViews.Repository(p.id(), alias, policy.repositoryUrl(p.triplet()), p.name() + " updates", true, true, false)),
                productType(p), extensions, false, true, active.contains(p.id()));
    }

    private static String productType(Product p) {
        return p.isBase() ? "base" : p.free() ? "module" : "extension";
    }

    private static SccViews.UpgradePathItem upgradePathItem(Product p) {
        return new SccViews.UpgradePathItem(p.name(), p.name(), p.identifier(), p.version(), p.arch(), null, p.isBase(), productType(p), p.free(),
                "released", true);
    }
}
