package org.klp.server.store;

import java.time.Instant;

/**
 * A registration code (stored hashed) for one product: how many systems it may register, until
 * when, the group the systems it registers join, and when an operator revoked it (null: never).
 */
public record RegistrationCode(long id, String label, int productId, int maxSystems, String group, Instant expiresAt, Instant createdAt, int used,
                               Instant revokedAt) {

    /** Why the code registers no system at {@code now} ({@code revoked}, {@code expired}, {@code used up}), or null when it does. */
    public String unusableReason(Instant now) {
        if (revokedAt != null) {
            return "revoked";
        }
        if (expiresAt != null && !now.isBefore(expiresAt)) {
            return "expired";
        }
        return used >= maxSystems ? "used up" : null;
    }
}
