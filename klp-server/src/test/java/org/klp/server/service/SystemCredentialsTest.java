package org.klp.server.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.server.store.Database;
import org.klp.server.store.Secrets;
import org.klp.server.store.SystemStore;

class SystemCredentialsTest {

    @TempDir
    Path dir;

    private static void register(Database db, String login, String password) {
        db.jdbi().useHandle(h -> h.createUpdate("insert into systems (login, password_hash, hostname, group_name, registered_at, last_seen, checkins,"
                        + " installed_kernels, installed_patches, loaded_version, transition, transition_seconds, blockers, taint, new_taint, forced, last_target)"
                        + " values (:l, :p, :l, 'default', :now, :now, 0, '', '', 0, 'ready', 0, 0, 0, 0, false, 0)")
                .bind("l", login).bind("p", Secrets.hash(password)).bind("now", OffsetDateTime.now(ZoneOffset.UTC)).execute());
    }

    @Test
    void preloadedCredentialsServeTheCheckInWithoutAQueryButNotOtherRoutes() {
        try (Database db = Database.h2(dir.resolve("db"))) {
            register(db, "SCC_a", "pw-a");
            register(db, "SCC_b", "pw-b");
            register(db, "SCC_c", "pw-c");
            SystemCredentials credentials = new SystemCredentials(new SystemStore(db.jdbi()));

            assertThat(credentials.preload()).isEqualTo(3);
            assertThat(credentials.preload()).as("a second preload keeps what is cached").isZero();
            // gone from the database behind the cache's back (another instance deleted it)
            db.jdbi().useHandle(h -> h.execute("delete from systems where login = 'SCC_b'"));

            assertThat(credentials.verify("SCC_b", "pw-b", true)).as("the check-in's own write finds the deletion").isPresent();
            assertThat(credentials.verify("SCC_b", "pw-b", false)).as("other routes read the database").isEmpty();
            assertThat(credentials.verify("SCC_a", "pw-b", true)).as("another system's password").isEmpty();
            assertThat(credentials.verify("SCC_c", "pw-c", false)).hasValueSatisfying(c -> assertThat(c.group()).isEqualTo("default"));
        }
    }
}
