package org.klp.server.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.klp.server.store.AdminTokenStore;

/**
 * Operators' admin tokens: made with a label and an optional expiry, listed without their secrets,
 * revoked. A revocation or an expiry holds from the next request on, on every server instance:
 * tokens are looked up, not cached. The last working token cannot be revoked (nobody could make
 * another over the API); make another first.
 */
public final class AdminTokenService {

    /** The longest a token may be made for: a token that outlives its operator's memory is a leak waiting. */
    public static final Duration LONGEST = Duration.ofDays(3650);

    /** A token just made: the secret is in this answer only. */
    public record NewToken(long id, String token, String label, Instant expiresAt, String note) {
    }

    private final AdminTokenStore tokens;

    public AdminTokenService(AdminTokenStore tokens) {
        this.tokens = tokens;
    }

    /** A token without expiry (first start, tests, the demo). */
    public String create(String label, Instant now) {
        return issue(label, null, now).token();
    }

    public NewToken issue(String label, Instant expiresAt, Instant now) {
        String l = Labels.require(label == null ? "api" : label, "label");
        if (expiresAt != null) {
            if (!expiresAt.isAfter(now)) {
                throw new InvalidInput("expiresAt", "expiresAt " + expiresAt + " is not in the future (now " + now + "); a token must work when it is made");
            }
            if (expiresAt.isAfter(now.plus(LONGEST))) {
                throw new InvalidInput("expiresAt", "expiresAt " + expiresAt + " is more than " + LONGEST.toDays() + " days away; leave it out for a"
                        + " token that does not expire");
            }
        }
        AdminTokenStore.Created c = tokens.create(l, expiresAt, now);
        return new NewToken(c.id(), c.token(), l, expiresAt, "the token is shown only now; the server keeps only its hash");
    }

    public List<AdminTokenStore.AdminToken> list() {
        return tokens.list();
    }

    /** The id of the working token with this secret; empty when it is unknown, expired or revoked. */
    public Optional<Long> verify(String token, Instant now) {
        return tokens.find(token).filter(t -> t.works(now)).map(AdminTokenStore.AdminToken::id);
    }

    /** Revokes a token; revoking one already revoked changes nothing. */
    public void revoke(long id, Instant now) {
        AdminTokenStore.AdminToken t = tokens.find(id).orElseThrow(() -> new NotFound("no admin token " + id + " (see GET /api/v1/admin-tokens)"));
        if (t.revokedAt() != null) {
            return;
        }
        if (!tokens.revokeKeepingAnother(id, now)) {
            throw new Refused("admin token " + id + " is the last one that works; create another first"
                    + " (POST /api/v1/admin-tokens or klp-server admin token create), then revoke this one");
        }
    }
}
