package org.klp.cli.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * This host's registration with a klp server: the server's URL, the system's login and password,
 * its id. Kept in {@code etc/klp/credentials} under the root, created readable and writable by its
 * owner only (0600, as SUSEConnect keeps {@code /etc/zypp/credentials.d/SCCcredentials}): the
 * password is never in any other file, and the file never exists with wider permissions.
 */
public record Credentials(String server, String login, String password, long systemId) {

    public static final String FILE = "etc/klp/credentials";

    public static Path file(Path root) {
        return root.resolve(FILE);
    }

    public static Optional<Credentials> read(Path root) {
        Path f = file(root);
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + f + ": " + e.getMessage(), e);
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                v.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        if (!v.containsKey("server") || !v.containsKey("username") || !v.containsKey("password")) {
            throw new IllegalStateException(f + " is damaged (needs server, username and password); run klp register again");
        }
        long id;
        try {
            id = Long.parseLong(v.getOrDefault("system_id", "0"));
        } catch (NumberFormatException e) {
            throw new IllegalStateException(f + " is damaged (system_id is not a number); run klp register again");
        }
        return Optional.of(new Credentials(v.get("server"), v.get("username"), v.get("password"), id));
    }

    public static Credentials require(Path root) {
        return read(root).orElseThrow(() -> new IllegalStateException("this host is not registered; register it first: klp register --server URL -r CODE"));
    }

    /** Writes the file atomically, created 0600 from the start. */
    public void write(Path root) {
        Path f = file(root);
        String text = "# klp registration; written by klp register, readable by root only\n"
                + "server=" + server + "\nusername=" + login + "\npassword=" + password + "\nsystem_id=" + systemId + "\n";
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(".credentials.tmp" + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    public static void delete(Path root) {
        try {
            Files.deleteIfExists(file(root));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + file(root) + ": " + e.getMessage(), e);
        }
    }
}
