package org.klp.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The root directory a host's files are read under: {@code /} on a real host, a folder for a
 * simulated one. Paths are given as on a real host without the leading slash
 * ({@code sys/kernel/livepatch}), and errors name them that way.
 */
public record HostRoot(Path path) {

    public static final HostRoot SYSTEM = new HostRoot(Path.of("/"));

    public static HostRoot of(Path path) {
        if (!Files.isDirectory(path)) {
            throw new KernelStateException("Root " + path + " is not a directory");
        }
        return new HostRoot(path.toAbsolutePath().normalize());
    }

    public Path resolve(String relative) {
        return path.resolve(relative);
    }

    /** How a file is named in messages: as on a real host, under the root. */
    public String show(Path file) {
        Path rel = path.relativize(file);
        return isSystem() ? "/" + rel : path + "/" + rel;
    }

    public boolean isSystem() {
        return path.equals(Path.of("/"));
    }

    /** Reads a small file; empty when it does not exist (a vanished pid, a file older kernels lack). */
    public Optional<String> readIfExists(String relative) {
        return readIfExists(resolve(relative));
    }

    /**
     * Reads a small file with one large {@code read(2)} from offset 0. Not {@code Files.readAllBytes}:
     * procfs reports a size of 0, so that reads one byte first and the rest from offset 1, where
     * numeric sysctls such as {@code /proc/sys/kernel/tainted} answer end-of-file (a real 6.1 kernel's
     * {@code 12288} read as {@code 1}).
     */
    public Optional<String> readIfExists(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (AccessDeniedException e) {
            throw new KernelStateException("Cannot read " + show(file) + ": permission denied (run klp as root)", e);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            throw new KernelStateException("Cannot read " + show(file) + ": " + e.getMessage(), e);
        }
    }

    public String read(Path file) {
        return readIfExists(file).orElseThrow(() -> new KernelStateException("Missing " + show(file)));
    }

    /** Reads a file the kernel fills with 0 or 1. */
    public boolean readFlag(Path file) {
        return flag(file, read(file));
    }

    /** A 0/1 file that may vanish while it is read (a patch whose module the kernel let go): empty when absent. */
    public Optional<Boolean> readFlagIfExists(Path file) {
        return readIfExists(file).map(v -> flag(file, v));
    }

    private boolean flag(Path file, String text) {
        String v = text.strip();
        return switch (v) {
            case "1" -> true;
            case "0" -> false;
            default -> throw new KernelStateException(show(file) + " holds '" + abbreviate(v) + "', expected 0 or 1");
        };
    }

    static String abbreviate(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() > 40 ? one.substring(0, 40) + "…" : one;
    }
}
