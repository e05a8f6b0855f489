package org.klp.server.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The data folder (repositories and signing key) that every server instance on one database
 * shares. The first instance records the folder's id ({@code DATA/.klp-data-id}, made then) and its
 * signing key's fingerprint in the database; an instance with another folder or another key refuses
 * to start, saying which and what to do, since it would serve repositories the others do not, signed
 * with a key hosts do not trust. The folder is meant to be one shared file system (e.g. NFS) mounted
 * on every instance, not a copy.
 *
 * <p>Publications into the folder run {@link #exclusively}: under the lock of the database's
 * record, so instances publish one at a time.
 */
public final class SharedDataFolder {

    public static final String ID_FILE = ".klp-data-id";

    private final Jdbi jdbi;
    private final Path dataDir;

    private SharedDataFolder(Jdbi jdbi, Path dataDir) {
        this.jdbi = jdbi;
        this.dataDir = dataDir;
    }

    /**
     * Checks that {@code dataDir} and the key of {@code keyFingerprint} are those every instance on
     * this database uses, recording them at the first start.
     *
     * @throws IllegalStateException naming the folder, the ids and fingerprints, when they are not
     */
    public static SharedDataFolder verify(Jdbi jdbi, Path dataDir, String keyFingerprint) {
        Optional<String> local = readId(dataDir);
        record Recorded(String folderId, String fingerprint) {
        }
        for (int attempt = 0; ; attempt++) {
            Optional<Recorded> recorded = jdbi.withHandle(h -> h.createQuery("select folder_id, key_fingerprint from shared_data where id = 1")
                    .map((rs, c) -> new Recorded(rs.getString("folder_id"), rs.getString("key_fingerprint"))).findOne());
            if (recorded.isEmpty()) {
                String id = local.orElseGet(() -> writeId(dataDir, UUID.randomUUID().toString()));
                try {
                    jdbi.useTransaction(h -> h.createUpdate("insert into shared_data (id, folder_id, key_fingerprint, created_at)"
                                    + " values (1, :f, :k, :now)").bind("f", id).bind("k", keyFingerprint)
                            .bind("now", java.time.OffsetDateTime.ofInstant(Instant.now(), java.time.ZoneOffset.UTC)).execute());
                    return new SharedDataFolder(jdbi, dataDir);
                } catch (RuntimeException e) {
                    if (attempt > 0) {
                        throw e;
                    }
                    // another instance recorded its folder at the same moment: check against it
                    local = readId(dataDir);
                    continue;
                }
            }
            Recorded r = recorded.get();
            String where = dataDir.toAbsolutePath().normalize().toString();
            if (local.isEmpty()) {
                throw new IllegalStateException("the data folder " + where + " is not the one the server instances on this database share (it has no "
                        + ID_FILE + "; theirs is " + r.folderId() + "): give every instance the same data folder (one shared file system, with"
                        + " the repositories and the signing key) with --data");
            }
            if (!local.get().equals(r.folderId())) {
                throw new IllegalStateException("the data folder " + where + " (" + ID_FILE + " " + local.get() + ") is not the one the server"
                        + " instances on this database share (" + r.folderId() + "): give every instance the same data folder with --data, not a copy");
            }
            if (!keyFingerprint.equalsIgnoreCase(r.fingerprint())) {
                throw new IllegalStateException("the signing key of " + where + " (fingerprint " + keyFingerprint + ") is not the key the server"
                        + " instances on this database sign their repositories with (" + r.fingerprint() + "); hosts trust that one: restore"
                        + " keys/signing-key.asc of the shared data folder");
            }
            return new SharedDataFolder(jdbi, dataDir);
        }
    }

    /**
     * The folder half of {@link #verify}, before a signing key is made in it: a folder that is not
     * the one recorded (when one is) is refused before anything is written into it.
     */
    public static void checkFolder(Jdbi jdbi, Path dataDir) {
        Optional<String> recorded = jdbi.withHandle(h -> h.createQuery("select folder_id from shared_data where id = 1").mapTo(String.class)
                .findOne());
        if (recorded.isPresent() && !readId(dataDir).equals(recorded)) {
            throw new IllegalStateException("the data folder " + dataDir.toAbsolutePath().normalize() + " is not the one the server instances on"
                    + " this database share (" + ID_FILE + " " + readId(dataDir).orElse("missing") + ", theirs is " + recorded.get() + "): give every"
                    + " instance the same data folder (one shared file system, with the repositories and the signing key) with --data");
        }
    }

    /** Runs a publication into the folder while no other instance publishes. */
    public <T> T exclusively(Supplier<T> publication) {
        try (Handle h = jdbi.open()) {
            return h.inTransaction(tx -> {
                tx.createQuery("select id from shared_data where id = 1 for update").mapTo(Integer.class).findOne();
                return publication.get();
            });
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    private static Optional<String> readId(Path dataDir) {
        Path file = dataDir.resolve(ID_FILE);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            String id = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!id.matches("[0-9a-f-]{36}")) {
                throw new IllegalStateException(file + " does not hold a data folder id (a UUID): restore it from the shared data folder");
            }
            return Optional.of(id);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String writeId(Path dataDir, String id) {
        Path file = dataDir.resolve(ID_FILE);
        try {
            Files.createDirectories(dataDir);
            Path tmp = dataDir.resolve(ID_FILE + ".tmp");
            Files.writeString(tmp, id + "\n", StandardCharsets.US_ASCII);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
