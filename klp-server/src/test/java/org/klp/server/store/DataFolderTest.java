package org.klp.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The data folder is its owner's alone: 0700, the database's files 0600, a wider folder narrowed. */
class DataFolderTest {

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void aNewDataFolderAndItsDatabaseFilesAreTheOwnersAlone() throws Exception {
        Path dir = Files.createTempDirectory("klp-data-").resolve("data");
        try (Database db = Database.h2(dir)) {
            db.jdbi().useHandle(h -> h.execute("select 1"));
            assertThat(mode(dir)).isEqualTo("rwx------");
            try (var files = Files.list(dir)) {
                assertThat(files.filter(f -> f.getFileName().toString().startsWith("klp.")).toList()).isNotEmpty()
                        .allSatisfy(f -> assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------"));
            }
        }
    }

    @Test
    void aFolderOthersCouldReadIsNarrowed() throws Exception {
        Path dir = Files.createTempDirectory("klp-data-wide-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path db = dir.resolve("klp.mv.db");
        Files.writeString(db, "");
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));
        DataFolder.prepare(dir);
        DataFolder.ownerOnly(dir, "klp.*");
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(db)).isEqualTo("rw-------");
    }
}
