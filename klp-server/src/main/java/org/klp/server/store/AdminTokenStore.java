package org.klp.server.store;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;

/** Admin tokens, stored hashed. A token found once is remembered by its hash (tokens are never deleted). */
public final class AdminTokenStore {

    private final Jdbi jdbi;
    private final ConcurrentHashMap<String, Boolean> known = new ConcurrentHashMap<>();

    public AdminTokenStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Creates a token and returns it: the only time it is seen in clear. */
    public String create(String label, Instant now) {
        String token = Secrets.adminToken();
        jdbi.useHandle(h -> h.createUpdate("insert into admin_tokens (token_hash, label, created_at) values (:h, :l, :now)")
                .bind("h", Secrets.hash(token)).bind("l", label).bind("now", Sql.ts(now)).execute());
        return token;
    }

    public boolean any() {
        return jdbi.withHandle(h -> h.createQuery("select count(*) from admin_tokens").mapTo(Long.class).one()) > 0;
    }

    public boolean valid(String token) {
        if (token == null || token.isEmpty() || token.length() > 200) {
            return false;
        }
        String hash = Secrets.hash(token);
        if (known.containsKey(hash)) {
            return true;
        }
        boolean found = jdbi.withHandle(h -> h.createQuery("select count(*) from admin_tokens where token_hash = :h").bind("h", hash)
                .mapTo(Long.class).one()) > 0;
        if (found) {
            known.put(hash, true);
        }
        return found;
    }
}
