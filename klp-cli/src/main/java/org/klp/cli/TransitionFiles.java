package org.klp.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.LivepatchReader;

/**
 * Whether a live patch transition is under way, read from the files {@link LivepatchReader#snapshot()}
 * reads and held to the same rules (those of {@link PatchedFunction} for the folders of patched
 * functions), but without lambdas, streams or regular expressions (their
 * first use costs a short-lived JVM more than the reading itself). Every file must be as the
 * reader requires; on anything else (a missing file, a value that is not 0 or 1, a malformed line
 * of {@code /proc/modules}, an I/O error) the answer is empty and the caller leaves the host to the
 * reader, which says what is wrong. It may refuse more than the reader does, never less.
 */
final class TransitionFiles {

    private TransitionFiles() {
    }

    /** True while a transition runs, false when none does, empty when unsure. */
    static Optional<Boolean> inTransition(Path root) {
        try {
            if (read(root.resolve(LivepatchReader.OSRELEASE)) == null || !isUnsignedLong(read(root.resolve(LivepatchReader.TAINTED)))
                    || !modulesWellFormed(root.resolve(LivepatchReader.MODULES))) {
                return Optional.empty();
            }
            Path livepatch = root.resolve(LivepatchReader.LIVEPATCH);
            if (!Files.isDirectory(livepatch)) {
                return Optional.empty();
            }
            boolean busy = false;
            try (DirectoryStream<Path> patches = Files.newDirectoryStream(livepatch)) {
                for (Path patch : patches) {
                    if (!Files.isDirectory(patch)) {
                        continue;
                    }
                    int transition = patchTransition(patch);
                    if (transition < 0) {
                        return Optional.empty();
                    }
                    busy |= transition == 1;
                }
            }
            return Optional.of(busy);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The patch's transition flag (0 or 1) once all its files check out; -1 when one does not. */
    private static int patchTransition(Path patch) throws IOException {
        int enabled = flag(read(patch.resolve("enabled")));
        int transition = flag(read(patch.resolve("transition")));
        if (enabled < 0 || transition < 0) {
            return -1;
        }
        if (Files.exists(patch.resolve("replace")) && flag(read(patch.resolve("replace"))) < 0) {
            return -1;
        }
        if (Files.exists(patch.resolve("stack_order"))) {
            String order = read(patch.resolve("stack_order"));
            try {
                Integer.parseInt(order == null ? "" : order.strip());
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        try (DirectoryStream<Path> objects = Files.newDirectoryStream(patch)) {
            for (Path object : objects) {
                if (Files.isDirectory(object) && !objectWellFormed(object)) {
                    return -1;
                }
            }
        }
        return transition;
    }

    private static boolean objectWellFormed(Path object) throws IOException {
        if (Files.exists(object.resolve("patched")) && flag(read(object.resolve("patched"))) < 0) {
            return false;
        }
        if (!isObjectName(object.getFileName().toString())) {
            return false;
        }
        try (DirectoryStream<Path> functions = Files.newDirectoryStream(object)) {
            for (Path function : functions) {
                if (Files.isDirectory(function) && !isFunctionFolder(function.getFileName().toString())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** What {@link PatchedFunction} accepts as an object: 1 to 64 of {@code [A-Za-z0-9_-]}. */
    static boolean isObjectName(String name) {
        if (name.isEmpty() || name.length() > 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(isAsciiLetter(c) || isDigit(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * What {@link PatchedFunction#fromSysfs} accepts as a function folder, {@code <symbol>,<sympos>}:
     * a C symbol ({@code [A-Za-z_][A-Za-z0-9_.$]{0,127}}) and a position of digits only (stricter
     * than the parser, which also takes a sign).
     */
    static boolean isFunctionFolder(String folder) {
        int comma = folder.lastIndexOf(',');
        if (comma <= 0 || comma > 128 || comma == folder.length() - 1 || folder.length() - comma > 10) {
            return false;
        }
        char first = folder.charAt(0);
        if (!(isAsciiLetter(first) || first == '_')) {
            return false;
        }
        for (int i = 1; i < comma; i++) {
            char c = folder.charAt(i);
            if (!(isAsciiLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '$')) {
                return false;
            }
        }
        for (int i = comma + 1; i < folder.length(); i++) {
            if (!isDigit(folder.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Each line: name, size, refcount ({@code -} or a number), dependencies, state, and more; or the file is absent. */
    private static boolean modulesWellFormed(Path modules) throws IOException {
        if (!Files.exists(modules)) {
            return true;
        }
        String text = read(modules);
        if (text == null) {
            return false;
        }
        for (String line : text.split("\n")) {
            String[] f = fields(line.strip());
            if (f.length == 0) {
                continue;
            }
            if (f.length < 5) {
                return false;
            }
            try {
                Long.parseLong(f[1]);
                if (!f[2].equals("-")) {
                    Integer.parseInt(f[2]);
                }
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /** The fields of a line split at runs of the characters {@code \s} matches. */
    private static String[] fields(String line) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        int start = -1;
        for (int i = 0; i <= line.length(); i++) {
            boolean space = i == line.length() || " \t\n\u000B\f\r".indexOf(line.charAt(i)) >= 0;
            if (space && start >= 0) {
                out.add(line.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return out.toArray(new String[0]);
    }

    private static boolean isUnsignedLong(String text) {
        if (text == null) {
            return false;
        }
        try {
            Long.parseUnsignedLong(text.strip());
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static int flag(String text) {
        if (text == null) {
            return -1;
        }
        String v = text.strip();
        return v.equals("1") ? 1 : v.equals("0") ? 0 : -1;
    }

    /** This boot's id, as {@link LivepatchReader#bootId()} reads it; throws when the file is there but cannot be read. */
    static Optional<String> bootId(Path root) {
        Path file = root.resolve(LivepatchReader.BOOT_ID);
        String id = read(file);
        if (id == null && Files.exists(file)) {
            throw new IllegalStateException("cannot read " + file);
        }
        return id == null || id.strip().isEmpty() ? Optional.empty() : Optional.of(id.strip());
    }

    /** The file's text in one read from offset 0, as {@code HostRoot} reads kernel files; null when it cannot be read. */
    private static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
