package org.klp.server.service;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.fleet.DesiredState;
import org.klp.server.audit.AuditService;
import org.klp.server.audit.FleetOverviewService;
import org.klp.server.audit.SystemListing;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CheckinWriter;
import org.klp.core.rollout.GroupPolicy;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.SystemEvent;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/**
 * Registered systems as operators see and change them. Owns the transactions, and keeps what
 * follows a change in step with it: the credential cache, and the check-ins still queued written
 * before anything counts them. The CVE audit follows the fleet feed the stores append to.
 */
public final class FleetService {

    /** A page of systems and how many match in all. */
    public record SystemPage(long total, int limit, long offset, List<SystemListing.Listed> systems) {
    }

    /** A system, the products it activated (IDENTIFIER/VERSION/ARCH) and what the server asks of it now (null before its first check-in). */
    public record SystemDetail(SystemListing.Listed system, List<String> activations, DesiredState desired) {
    }

    private final Jdbi jdbi;
    private final SystemStore systems;
    private final RegistrationStore registrations;
    private final CatalogStore catalog;
    private final PolicyEngine engine;
    private final CheckinWriter checkins;
    private final AuditService audit;
    private final SystemCredentials credentials;
    private final SystemListing listing;
    private final FleetOverviewService overview;

    public FleetService(Jdbi jdbi, SystemStore systems, RegistrationStore registrations, CatalogStore catalog, PolicyEngine engine,
                        CheckinWriter checkins, AuditService audit, SystemCredentials credentials) {
        this.jdbi = jdbi;
        this.systems = systems;
        this.registrations = registrations;
        this.catalog = catalog;
        this.engine = engine;
        this.checkins = checkins;
        this.audit = audit;
        this.credentials = credentials;
        this.listing = new SystemListing(systems, audit, engine);
        this.overview = new FleetOverviewService(audit, engine, systems);
    }

    /** A page of systems in an order, each with its worst verdict, end of support and check-in age from the CVE audit. */
    public SystemPage list(SystemStore.Filter filter, SystemListing.Sort sort, boolean descending, int limit, long offset) {
        checkins.sync();
        SystemListing.Page page;
        try {
            page = listing.list(filter, sort, descending, limit, offset);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("sort", e.getMessage());
        }
        return new SystemPage(page.total(), limit, offset, page.systems());
    }

    public SystemDetail detail(long id) {
        checkins.sync();
        SystemRecord r = systems.find(id).orElseThrow(() -> noSystem(id));
        List<RegistrationStore.Activation> activations = jdbi.withHandle(h -> registrations.activations(h, id));
        Set<Integer> products = activations.stream().map(RegistrationStore.Activation::productId).collect(Collectors.toSet());
        List<String> triplets = activations.stream().map(a -> catalog.product(a.productId()).map(Product::triplet).orElse("?")).toList();
        return new SystemDetail(listing.one(r), triplets, r.posture() == null ? null : engine.desired(r.group(), r.posture(), products));
    }

    public List<SystemEvent> history(long id, int limit) {
        systems.find(id).orElseThrow(() -> noSystem(id));
        return systems.events(id, limit);
    }

    /** Moves a system to a group (which needs no policy of its own: without one it follows {@code latest}). */
    public void move(long id, String group, Instant now) {
        requireGroupName(group);
        boolean found = jdbi.inTransaction(h -> {
            boolean f = systems.setGroup(h, id, group, now);
            if (f) {
                systems.addEvent(h, id, now, "group", "moved to group " + group + " by an operator");
            }
            return f;
        });
        if (!found) {
            throw noSystem(id);
        }
        credentials.forget(id);
    }

    /** Deletes a system and its history; its credentials stop working at once. */
    public void delete(long id, Instant now) {
        if (!jdbi.inTransaction(h -> systems.delete(h, id, now))) {
            throw noSystem(id);
        }
        credentials.forget(id);
    }

    /** A system deregisters itself (SUSEConnect's {@code DELETE /connect/systems}). */
    public void deregister(long id, String login, Instant now) {
        jdbi.useTransaction(h -> systems.delete(h, id, now));
        credentials.forget(login);
        credentials.forget(id);
    }

    /** The fleet overview: every figure from one read of the audit, so that no two contradict (see {@link FleetOverviewService}). */
    public FleetOverviewService.View overview(int topCves) {
        checkins.sync();
        return overview.compute(topCves);
    }

    static NotFound noSystem(long id) {
        return new NotFound("no system " + id);
    }

    static void requireGroupName(String group) {
        try {
            GroupPolicy.requireName(group);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("group", e.getMessage());
        }
    }
}
