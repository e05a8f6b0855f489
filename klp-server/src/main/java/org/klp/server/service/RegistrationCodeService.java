package org.klp.server.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.rollout.GroupPolicy;
import org.klp.server.store.Product;
import org.klp.server.store.RegistrationCode;
import org.klp.server.store.RegistrationStore;
import org.klp.server.store.Secrets;

/**
 * Registration codes: made per product (how many systems, until when, into which group), listed,
 * revoked. A code registers a system only while it is neither revoked nor expired and has a seat
 * left; the check is made twice, before a request's body is read and again, under the code's row
 * lock, in the transaction that takes the seat.
 */
public final class RegistrationCodeService {

    public static final int MAX_SYSTEMS = 10_000_000;
    public static final Duration LONGEST = Duration.ofDays(3650);

    /** A code just made: the code itself is in this answer only. */
    public record NewCode(long id, String code, String label, String product, int maxSystems, String group, Instant expiresAt, String note) {
    }

    private final Jdbi jdbi;
    private final RegistrationStore registrations;

    public RegistrationCodeService(Jdbi jdbi, RegistrationStore registrations) {
        this.jdbi = jdbi;
        this.registrations = registrations;
    }

    public NewCode create(Product product, Integer maxSystems, Instant expiresAt, String label, String group, Instant now) {
        int max = maxSystems == null ? 1 : maxSystems;
        if (max < 1 || max > MAX_SYSTEMS) {
            throw new InvalidInput("maxSystems", "maxSystems must be from 1 to " + MAX_SYSTEMS + ", was " + max);
        }
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new InvalidInput("expiresAt", "expiresAt " + expiresAt + " is not in the future (now " + now + "): the code would register nothing");
        }
        if (expiresAt != null && expiresAt.isAfter(now.plus(LONGEST))) {
            throw new InvalidInput("expiresAt", "expiresAt " + expiresAt + " is more than " + LONGEST.toDays() + " days away; leave it out for a"
                    + " code that does not expire");
        }
        String g = group == null ? GroupPolicy.DEFAULT_GROUP : group;
        FleetService.requireGroupName(g);
        String code = Secrets.registrationCode();
        String l = label == null || label.isBlank() ? "…" + code.substring(code.length() - 4) : Labels.require(label, "label");
        long id = jdbi.inTransaction(h -> registrations.addCode(h, code, l, product.id(), max, g, expiresAt, now));
        return new NewCode(id, code, l, product.triplet(), max, g, expiresAt, "the code is shown only now; the server keeps only its hash");
    }

    public List<RegistrationCode> list() {
        return registrations.codes();
    }

    /** Revokes a code: it registers and activates nothing from now on; the systems it registered stay registered. */
    public void revoke(long id, Instant now) {
        if (!registrations.revoke(id, now)) {
            throw new NotFound("no registration code " + id + " (see GET /api/v1/registration-codes)");
        }
    }

    /**
     * The id of this code when it could register a system now (known, not revoked, not expired);
     * checked before a registration's body is read. Empty when unknown; {@link Refused} when it
     * cannot be used.
     */
    public java.util.Optional<Long> check(String code, Instant now) {
        return registrations.code(code).map(rc -> {
            String why = rc.unusableReason(now);
            if (why != null) {
                throw refusal(rc, why);
            }
            return rc.id();
        });
    }

    /**
     * The code, locked for the transaction that takes one of its seats; empty when unknown,
     * {@link Refused} when revoked, expired or used up.
     */
    public java.util.Optional<RegistrationCode> takeSeat(Handle h, String code, Instant now) {
        return registrations.codeForUpdate(h, code).map(rc -> {
            String why = rc.unusableReason(now);
            if (why != null) {
                throw refusal(rc, why);
            }
            return rc;
        });
    }

    private static Refused refusal(RegistrationCode rc, String why) {
        return switch (why) {
            case "revoked" -> new Refused("registration code " + rc.label() + " was revoked on " + rc.revokedAt() + "; ask for a new one");
            case "expired" -> new Refused("registration code " + rc.label() + " expired on " + rc.expiresAt() + "; ask for a new one");
            default -> new Refused("registration code " + rc.label() + " is used up: it registers at most " + rc.maxSystems() + " system"
                    + (rc.maxSystems() == 1 ? "" : "s") + " and all are taken; deregister one or ask for another code");
        };
    }
}
