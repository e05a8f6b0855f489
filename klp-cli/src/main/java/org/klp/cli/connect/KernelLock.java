package org.klp.cli.connect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The package lock that keeps kernel updates off a host while live patches go on: the entry
 * {@code zypper addlock kernel-default} writes to {@code etc/zypp/locks}, under the root. klp adds
 * its entry with a comment line naming it, and removes only that entry, so locks an administrator
 * added stay.
 */
public final class KernelLock {

    static final String FILE = "etc/zypp/locks";
    private static final String MARK = "# klp agent: kernel lock from the klp server's policy";

    private KernelLock() {
    }

    static String entry(String flavor) {
        return MARK + "\ntype: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: kernel-" + flavor + "\n\n";
    }

    public static boolean isLocked(Path root) {
        return read(root).contains(MARK);
    }

    /** Sets or clears klp's lock; returns whether the file changed. */
    public static boolean set(Path root, boolean locked, String flavor) {
        String text = read(root);
        boolean has = text.contains(MARK);
        if (has == locked) {
            return false;
        }
        String next;
        if (locked) {
            next = text + (text.isEmpty() || text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + entry(flavor);
        } else {
            int at = text.indexOf(MARK);
            int end = text.indexOf("\n\n", at);
            next = text.substring(0, at) + (end < 0 ? "" : text.substring(end + 2));
        }
        Path f = root.resolve(FILE);
        org.klp.kernel.files.AtomicFileWriter.under(root).write(f, next);
        return true;
    }

    private static String read(Path root) {
        try {
            return Files.readString(root.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + root.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }
}
