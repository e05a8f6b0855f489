package org.klp.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's data folder (database, signing key, repositories) is its owner's alone: the folder
 * {@code 0700}, the database's files {@code 0600}. A folder made with a wider mode (by hand, or by
 * an older server) is narrowed, and the log says so. The repositories are public all the same: the
 * server serves them over HTTP, and a mirror reads a copy.
 */
public final class DataFolder {

    private static final Logger LOG = LoggerFactory.getLogger(DataFolder.class);
    static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private DataFolder() {
    }

    /** Makes {@code dir} (and missing parents) or narrows it to its owner; returns it. */
    public static Path prepare(Path dir) {
        try {
            boolean made = !Files.isDirectory(dir);
            if (made) {
                Files.createDirectories(dir);
            }
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            if (view == null) {
                return dir;
            }
            Set<PosixFilePermission> now = view.readAttributes().permissions();
            if (!now.equals(FOLDER)) {
                view.setPermissions(FOLDER);
                if (!made) {
                    LOG.warn("the data folder {} was {}; it is now {} (its owner's alone)", dir, PosixFilePermissions.toString(now),
                            PosixFilePermissions.toString(FOLDER));
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make the data folder " + dir + " its owner's alone: " + e.getMessage()
                    + " (is it yours? run the server as its owner)", e);
        }
    }

    /** Narrows the files of {@code dir} whose names match {@code glob} to their owner ({@code 0600}). */
    public static void ownerOnly(Path dir, String glob) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
            for (Path f : files) {
                PosixFileAttributeView view = Files.getFileAttributeView(f, PosixFileAttributeView.class);
                if (view != null && Files.isRegularFile(f) && !view.readAttributes().permissions().equals(FILE)) {
                    view.setPermissions(FILE);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot make the files " + glob + " of " + dir + " their owner's alone: " + e.getMessage(), e);
        }
    }
}
