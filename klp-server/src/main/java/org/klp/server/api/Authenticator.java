package org.klp.server.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.klp.server.store.AdminTokenStore;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemStore;

/**
 * Checks the credentials a route's {@link Access} asks for. System credentials are cached by
 * login for {@link #TTL_NANOS} (the check-in path must not read the database to authenticate);
 * the cache holds only the password's hash, and the write of a check-in itself finds a system
 * deleted meanwhile (on this or another server instance), so a stale entry grants nothing.
 */
final class Authenticator {

    static final long TTL_NANOS = 60_000_000_000L;
    private static final int MAX_CACHED = 2_000_000;

    private record Cached(SystemStore.Credentials credentials, long loadedAt) {
    }

    private final SystemStore systems;
    private final AdminTokenStore tokens;
    private final ConcurrentHashMap<String, Cached> cache = new ConcurrentHashMap<>();

    Authenticator(SystemStore systems, AdminTokenStore tokens) {
        this.systems = systems;
        this.tokens = tokens;
    }

    Caller authenticate(Access access, String authorization) {
        return authenticate(access, authorization, false);
    }

    Caller authenticate(Access access, String authorization, boolean deferSystems) {
        return switch (access) {
            case PUBLIC -> new Caller.Anonymous();
            case ADMIN -> admin(authorization);
            case SYSTEM -> system(authorization, deferSystems);
            case REGISTRATION_CODE -> registrationCode(authorization);
        };
    }

    /** Remembers credentials the check-in writer verified. */
    void remember(String login, SystemStore.Credentials credentials) {
        if (cache.size() > MAX_CACHED) {
            cache.clear();
        }
        cache.put(login, new Cached(credentials, System.nanoTime()));
    }

    private Caller admin(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("this endpoint needs an admin token: send 'Authorization: Bearer TOKEN'"
                    + " (the token printed at first start, or one from 'klp-server admin token create')");
        }
        if (!tokens.valid(authorization.substring(7).strip())) {
            throw ApiException.unauthorized("invalid admin token");
        }
        return new Caller.Admin();
    }

    private Caller registrationCode(String authorization) {
        String prefix = "Token token=";
        if (authorization == null || !authorization.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw ApiException.unauthorized("registering a system needs a registration code: send 'Authorization: Token token=CODE'");
        }
        String code = authorization.substring(prefix.length()).strip();
        if (code.startsWith("\"") && code.endsWith("\"") && code.length() >= 2) {
            code = code.substring(1, code.length() - 1);
        }
        if (code.isEmpty() || code.length() > 100) {
            throw ApiException.unauthorized("a registration code must be 1 to 100 characters");
        }
        return new Caller.WithRegistrationCode(code);
    }

    private Caller system(String authorization, boolean defer) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw ApiException.unauthorized("this endpoint is for registered systems: send HTTP Basic credentials (login and password"
                    + " from registration; klp keeps them in /etc/klp/credentials)");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.unauthorized("malformed Basic credentials (not base64)");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || decoded.length() > 300) {
            throw ApiException.unauthorized("malformed Basic credentials (expected login:password)");
        }
        String login = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        Cached c = cache.get(login);
        if (defer && (c == null || System.nanoTime() - c.loadedAt > TTL_NANOS)) {
            return new Caller.UnverifiedSystem(login, password);
        }
        if (c == null || System.nanoTime() - c.loadedAt > TTL_NANOS) {
            Optional<SystemStore.Credentials> found = systems.credentials(login);
            if (found.isEmpty()) {
                cache.remove(login);
                throw ApiException.unauthorized("unknown system or wrong password (deregistered? register again with klp register)");
            }
            if (cache.size() > MAX_CACHED) {
                cache.clear();
            }
            c = new Cached(found.get(), System.nanoTime());
            cache.put(login, c);
        }
        if (!Secrets.matches(password, c.credentials.passwordHash())) {
            throw ApiException.unauthorized("unknown system or wrong password (deregistered? register again with klp register)");
        }
        return new Caller.System(c.credentials, login);
    }

    /** Forgets a system's cached credentials (deregistered, deleted, moved to another group). */
    void forget(long systemId) {
        cache.entrySet().removeIf(e -> e.getValue().credentials.id() == systemId);
    }

    void forget(String login) {
        cache.remove(login);
    }
}
