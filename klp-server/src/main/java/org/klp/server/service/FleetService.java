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
import org.klp.server.policy.PolicyEngine;
import org.klp.server.policy.PolicySnapshot;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CheckinWriter;
import org.klp.server.store.GroupPolicy;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.Rollout;
import org.klp.server.store.SystemEvent;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/**
 * Registered systems as operators see and change them. Owns the transactions, and keeps what
 * follows a change in step with it: the credential cache, the CVE audit's group of a host, and the
 * check-in log folded before anything counts check-ins.
 */
public final class FleetService {

    /** A page of systems and how many match in all. */
    public record SystemPage(long total, int limit, long offset, List<SystemRecord> systems) {
    }

    /** A system, the products it activated (IDENTIFIER/VERSION/ARCH) and what the server asks of it now (null before its first check-in). */
    public record SystemDetail(SystemRecord system, List<String> activations, DesiredState desired) {
    }

    /** Hosts of one posture class and where that class stands. */
    public record PostureClass(String kernel, int version, Integer newest, String transition, boolean forced, LocalDate endOfSupport,
                               String status, long hosts) {
    }

    /** The fleet by posture class: counts computed per class, so the cost follows distinct postures, not fleet size. */
    public record FleetStatus(long systems, long checkedIn, long patched, long behind, long inProgress, long forced, long needingReboot,
                              long expiringWithin30Days, long expired, long unsupportedKernel, List<PostureClass> postures,
                              List<SystemStore.GroupCount> groups, List<Rollout> haltedRollouts) {
    }

    private final Jdbi jdbi;
    private final SystemStore systems;
    private final RegistrationStore registrations;
    private final CatalogStore catalog;
    private final PolicyEngine engine;
    private final CheckinWriter checkins;
    private final AuditService audit;
    private final SystemCredentials credentials;

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
    }

    public SystemPage list(SystemStore.Filter filter, int limit, long offset) {
        checkins.sync();
        return new SystemPage(systems.count(filter), limit, offset, systems.list(filter, limit, offset));
    }

    public SystemDetail detail(long id) {
        checkins.sync();
        SystemRecord r = systems.find(id).orElseThrow(() -> noSystem(id));
        List<RegistrationStore.Activation> activations = jdbi.withHandle(h -> registrations.activations(h, id));
        Set<Integer> products = activations.stream().map(RegistrationStore.Activation::productId).collect(Collectors.toSet());
        List<String> triplets = activations.stream().map(a -> catalog.product(a.productId()).map(Product::triplet).orElse("?")).toList();
        return new SystemDetail(r, triplets, r.posture() == null ? null : engine.desired(r.group(), r.posture(), products));
    }

    public List<SystemEvent> history(long id, int limit) {
        systems.find(id).orElseThrow(() -> noSystem(id));
        return systems.events(id, limit);
    }

    /** Moves a system to a group (which needs no policy of its own: without one it follows {@code latest}). */
    public void move(long id, String group, Instant now) {
        requireGroupName(group);
        boolean found = jdbi.inTransaction(h -> {
            boolean f = systems.setGroup(h, id, group);
            if (f) {
                systems.addEvent(h, id, now, "group", "moved to group " + group + " by an operator");
            }
            return f;
        });
        if (!found) {
            throw noSystem(id);
        }
        credentials.forget(id);
        audit.regrouped(id, group);
    }

    /** Deletes a system and its history; its credentials stop working at once. */
    public void delete(long id) {
        if (!jdbi.inTransaction(h -> systems.delete(h, id))) {
            throw noSystem(id);
        }
        credentials.forget(id);
        audit.removed(id);
    }

    /** A system deregisters itself (SUSEConnect's {@code DELETE /connect/systems}). */
    public void deregister(long id, String login) {
        jdbi.useTransaction(h -> systems.delete(h, id));
        credentials.forget(login);
        credentials.forget(id);
        audit.removed(id);
    }

    public FleetStatus status(LocalDate today) {
        checkins.sync();
        PolicySnapshot s = engine.snapshot();
        long patched = 0, behind = 0, inProgress = 0, forced = 0, reboot = 0, expiring = 0, expired = 0, unsupported = 0, checkedIn = 0;
        List<PostureClass> classes = new ArrayList<>();
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
            classes.add(new PostureClass(c.kernel(), c.version(), k == null ? null : k.newest(), c.transition(), c.forced(),
                    k == null ? null : k.entry().endOfSupport(), status, c.hosts()));
        }
        return new FleetStatus(systems.total(), checkedIn, patched, behind, inProgress, forced, reboot, expiring, expired, unsupported, classes,
                systems.groupCounts(), s.rollouts().values().stream().filter(r -> r.status().equals(Rollout.HALTED)).toList());
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
