package org.klp.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Admin tokens, stored hashed, with their label, optional expiry and revocation. Nothing is cached:
 * every admin request looks its token up (one indexed query), so that a revocation or an expiry
 * holds at once on every server instance.
 */
public final class AdminTokenStore {

    /** A token as listed: never its secret, which only its creator saw. */
    public record AdminToken(long id, String label, Instant createdAt, Instant expiresAt, Instant revokedAt) {

        /** {@code active}, {@code expired} or {@code revoked} at {@code now}. */
        public String state(Instant now) {
            if (revokedAt != null) {
                return "revoked";
            }
            return expiresAt != null && !now.isBefore(expiresAt) ? "expired" : "active";
        }

        public boolean works(Instant now) {
            return state(now).equals("active");
        }
    }

    /** A token just created: its id and the secret, shown this once. */
    public record Created(long id, String token) {
    }

    private final Jdbi jdbi;

    public AdminTokenStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Creates a token and returns it: the only time it is seen in clear. */
    public String create(String label, Instant now) {
        return create(label, null, now).token();
    }

    public Created create(String label, Instant expiresAt, Instant now) {
        String token = Secrets.adminToken();
        long id = jdbi.withHandle(h -> h.createUpdate("insert into admin_tokens (token_hash, label, created_at, expires_at) values (:h, :l, :now, :e)")
                .bind("h", Secrets.hash(token)).bind("l", label).bind("now", Sql.ts(now)).bind("e", Sql.ts(expiresAt))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        return new Created(id, token);
    }

    public boolean any() {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from admin_tokens").mapTo(Long.class).one()) > 0;
    }

    public List<AdminToken> list() {
        return jdbi.withHandle(h -> h.createQuery("select * from admin_tokens order by id").map((rs, c) -> token(rs)).list());
    }

    /** The token with this secret, if any (working or not). */
    public Optional<AdminToken> find(String token) {
        if (token == null || token.isEmpty() || token.length() > 200) {
            return Optional.empty();
        }
        return jdbi.withHandle(h -> h.createQuery("select * from admin_tokens where token_hash = :h").bind("h", Secrets.hash(token))
                .map((rs, c) -> token(rs)).findFirst());
    }

    public Optional<AdminToken> find(long id) {
        return jdbi.withHandle(h -> h.createQuery("select * from admin_tokens where id = :id").bind("id", id).map((rs, c) -> token(rs)).findFirst());
    }

    /** Revokes a token unless another working one would not remain; false when none other works (nothing changed). */
    public boolean revokeKeepingAnother(long id, Instant now) {
        return jdbi.inTransaction(h -> {
            // locks every unrevoked token: two operators revoking the last two tokens at once cannot both succeed
            h.createQuery("select id from admin_tokens where revoked_at is null for update").mapTo(Long.class).list();
            long others = h.createQuery("select count(*) from admin_tokens where id <> :id and revoked_at is null"
                    + " and (expires_at is null or expires_at > :now)").bind("id", id).bind("now", Sql.ts(now)).mapTo(Long.class).one();
            if (others == 0) {
                return false;
            }
            h.createUpdate("update admin_tokens set revoked_at = :now where id = :id and revoked_at is null").bind("id", id).bind("now", Sql.ts(now))
                    .execute();
            return true;
        });
    }

    private static AdminToken token(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new AdminToken(rs.getLong("id"), rs.getString("label"), Sql.instant(rs, "created_at"), Sql.instant(rs, "expires_at"),
                Sql.instant(rs, "revoked_at"));
    }
}
