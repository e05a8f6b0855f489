package org.klp.server.service;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemStore;

/**
 * Systems' credentials by login, cached so that authenticating a check-in seldom reads the
 * database. The cache holds only the password's hash. Passwords never change, so an entry can
 * only go stale by its system being deleted: services that delete or move a system forget it here
 * at once; a deletion through another server instance is found by the check-in's write itself
 * (its row is gone), which then forgets it too. Routes other than the check-in, which have no such
 * write, take entries at most {@link #FRESH_NANOS} old.
 *
 * <p>Bounded: beyond {@link #MAX_CACHED} logins the cache starts over (a miss costs one indexed
 * query).
 */
public final class SystemCredentials {

    public static final long FRESH_NANOS = 60_000_000_000L;
    static final int MAX_CACHED = 2_000_000;

    private record Cached(SystemStore.Credentials credentials, long loadedAt) {
    }

    private final SystemStore systems;
    private final ConcurrentHashMap<String, Cached> byLogin = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, String> loginById = new ConcurrentHashMap<>();

    public SystemCredentials(SystemStore systems) {
        this.systems = systems;
    }

    /**
     * The system with this login and password, empty when there is none or the password does not
     * match. {@code checkedByWrite}: the caller's own write will find a deleted system (the
     * check-in), so a cached entry of any age will do.
     */
    public Optional<SystemStore.Credentials> verify(String login, String password, boolean checkedByWrite) {
        Cached c = byLogin.get(login);
        if (c == null || (!checkedByWrite && System.nanoTime() - c.loadedAt > FRESH_NANOS)) {
            Optional<SystemStore.Credentials> found = systems.credentials(login);
            if (found.isEmpty()) {
                forget(login);
                return Optional.empty();
            }
            if (byLogin.size() >= MAX_CACHED) {
                byLogin.clear();
                loginById.clear();
            }
            c = new Cached(found.get(), System.nanoTime());
            byLogin.put(login, c);
            loginById.put(c.credentials.id(), login);
        }
        return Secrets.matches(password, c.credentials.passwordHash()) ? Optional.of(c.credentials) : Optional.empty();
    }

    /**
     * Reads every system's credentials into the cache at once (one streamed query), so that after
     * a start the fleet's check-ins do not each cost a query until every host has come by once.
     * The entries count as old: they serve the check-in (whose own write finds a system deleted
     * meanwhile), while other routes still read the database, so a system deleted while this ran
     * is never let in by them. Entries already cached are kept. Returns how many were added.
     */
    public int preload() {
        long old = System.nanoTime() - FRESH_NANOS - 1;
        int[] added = new int[1];
        systems.eachCredentials(MAX_CACHED - byLogin.size(), (login, credentials) -> {
            if (byLogin.putIfAbsent(login, new Cached(credentials, old)) == null) {
                loginById.putIfAbsent(credentials.id(), login);
                added[0]++;
            }
        });
        return added[0];
    }

    /** Forgets a system (deleted, deregistered, moved): its next request reads the database. */
    public void forget(long systemId) {
        String login = loginById.remove(systemId);
        if (login != null) {
            byLogin.remove(login);
        }
    }

    public void forget(String login) {
        Cached c = byLogin.remove(login);
        if (c != null) {
            loginById.remove(c.credentials.id());
        }
    }
}
