package org.klp.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Registration codes (hashed) and product activations. */
public final class RegistrationStore {

    /** A product activated on a system, with the code that paid for it (null for a free extension). */
    public record Activation(long systemId, int productId, Long regcodeId, Instant activatedAt) {
    }

    private final Jdbi jdbi;

    public RegistrationStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public long addCode(Handle h, String code, String label, int productId, int maxSystems, String group, Instant expiresAt, Instant now) {
        return h.createUpdate("insert into registration_codes (code_hash, label, product_id, max_systems, group_name, expires_at, created_at)"
                        + " values (:h, :l, :p, :m, :g, :e, :now)")
                .bind("h", Secrets.hash(code)).bind("l", label).bind("p", productId).bind("m", maxSystems).bind("g", group).bind("e", Sql.ts(expiresAt))
                .bind("now", Sql.ts(now)).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    private static final String CODE_SELECT = "select c.*, (select count(*) from activations a where a.regcode_id = c.id) as used"
            + " from registration_codes c";

    public List<RegistrationCode> codes() {
        return jdbi.withHandle(h -> h.createQuery(CODE_SELECT + " order by c.id").map((rs, c) -> code(rs)).list());
    }

    /** The code whose hash matches, locked for update so that two registrations cannot both take its last seat. */
    public Optional<RegistrationCode> codeForUpdate(Handle h, String code) {
        Optional<Long> id = h.createQuery("select id from registration_codes where code_hash = :h for update").bind("h", Secrets.hash(code))
                .mapTo(Long.class).findFirst();
        return id.flatMap(i -> h.createQuery(CODE_SELECT + " where c.id = :id").bind("id", i).map((rs, c) -> code(rs)).findFirst());
    }

    /** The code whose hash matches, without a lock (checking a caller's code before reading its request). */
    public Optional<RegistrationCode> code(String code) {
        return jdbi.withHandle(h -> h.createQuery(CODE_SELECT + " where c.code_hash = :h").bind("h", Secrets.hash(code)).map((rs, c) -> code(rs))
                .findFirst());
    }

    public Optional<RegistrationCode> code(long id) {
        return jdbi.withHandle(h -> h.createQuery(CODE_SELECT + " where c.id = :id").bind("id", id).map((rs, c) -> code(rs)).findFirst());
    }

    /** Revokes a code: it registers and activates nothing from now on; systems it registered stay. False when there is no such code. */
    public boolean revoke(long id, Instant now) {
        return jdbi.withHandle(h -> {
            int n = h.createUpdate("update registration_codes set revoked_at = :now where id = :id and revoked_at is null").bind("id", id)
                    .bind("now", Sql.ts(now)).execute();
            return n > 0 || h.createQuery("select count(*) from registration_codes where id = :id").bind("id", id).mapTo(Long.class).one() > 0;
        });
    }

    private static RegistrationCode code(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new RegistrationCode(rs.getLong("id"), rs.getString("label"), rs.getInt("product_id"), rs.getInt("max_systems"),
                rs.getString("group_name"), Sql.instant(rs, "expires_at"), Sql.instant(rs, "created_at"), rs.getInt("used"),
                Sql.instant(rs, "revoked_at"));
    }

    public List<Activation> activations(Handle h, long systemId) {
        return h.createQuery("select * from activations where system_id = :s order by activated_at, product_id").bind("s", systemId)
                .map((rs, c) -> new Activation(rs.getLong("system_id"), rs.getInt("product_id"),
                        rs.getObject("regcode_id") == null ? null : rs.getLong("regcode_id"), Sql.instant(rs, "activated_at"))).list();
    }

    public void activate(Handle h, long systemId, int productId, Long regcodeId, Instant now) {
        h.createUpdate("delete from activations where system_id = :s and product_id = :p").bind("s", systemId).bind("p", productId).execute();
        h.createUpdate("insert into activations (system_id, product_id, regcode_id, activated_at) values (:s, :p, :c, :now)")
                .bind("s", systemId).bind("p", productId).bind("c", regcodeId).bind("now", Sql.ts(now)).execute();
    }

    /** Removes a product's activation from a system, which frees its code's seat; false when it was not activated. */
    public boolean deactivate(Handle h, long systemId, int productId) {
        return h.createUpdate("delete from activations where system_id = :s and product_id = :p").bind("s", systemId).bind("p", productId)
                .execute() > 0;
    }

    /** The code an activation used (expiry and label for the system's status), if it still exists. */
    public Optional<RegistrationCode> code(Handle h, long codeId) {
        return h.createQuery(CODE_SELECT + " where c.id = :id").bind("id", codeId).map((rs, c) -> code(rs)).findFirst();
    }
}
