package org.klp.server.store;

import java.time.Instant;

/**
 * A registration code (stored hashed) for one product: how many systems it may register, until
 * when, and the group the systems it registers join.
 */
public record RegistrationCode(long id, String label, int productId, int maxSystems, String group, Instant expiresAt, Instant createdAt, int used) {
}
