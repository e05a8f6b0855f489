package org.klp.it.realkernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The guest's writable folder: a host directory shared over 9p, mounted at {@value #MOUNT_POINT}
 * in the guest. Tests put files in before a boot (modules, scripts, {@code klp.jar}) and read
 * what the guest left after it. It persists from boot to boot: boot again with the same folder
 * to see what a reboot keeps.
 *
 * <p>Layout, by convention:
 * <ul>
 *   <li>{@code modules/}: the test modules ({@link RealKernelLab#newFolder} copies them)</li>
 *   <li>{@code var/}: the guest's {@code /var} (bind mount), e.g. {@code var/lib/klp}</li>
 *   <li>{@code out/}: what scenarios copy back, e.g. {@code out/fixtures/<name>}</li>
 *   <li>{@code .klp/}: the harness's own files for the current boot (scenario, guest library)</li>
 * </ul>
 */
public final class GuestFolder {

    /** Where the folder is mounted in the guest. */
    public static final String MOUNT_POINT = "/work";

    private final Path root;
    private int boots;

    private GuestFolder(Path root) {
        this.root = root;
    }

    /** A new, empty folder at {@code dir}; whatever was there is deleted. */
    public static GuestFolder createEmpty(Path dir) {
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> walk = Files.walk(dir)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(dir);
            return new GuestFolder(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create guest folder " + dir, e);
        }
    }

    /** The folder on the host. */
    public Path root() {
        return root;
    }

    /** The host path of a file in the folder, e.g. {@code hostPath("var/lib/klp/active")}. */
    public Path hostPath(String relative) {
        Path p = root.resolve(relative).normalize();
        if (!p.startsWith(root)) {
            throw new IllegalArgumentException("Not inside the guest folder: " + relative);
        }
        return p;
    }

    /** The guest path of a file in the folder, e.g. {@code /work/klp.jar}. */
    public String guestPath(String relative) {
        hostPath(relative);
        return MOUNT_POINT + "/" + relative;
    }

    /** Copies a host file into the folder (e.g. {@code put("klp.jar", jar)}); returns this. */
    public GuestFolder put(String relative, Path source) {
        Path target = hostPath(relative);
        try {
            Files.createDirectories(target.getParent());
            Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + source + " into the guest folder as " + relative, e);
        }
    }

    /** Writes a text file (UTF-8) into the folder; returns this. */
    public GuestFolder write(String relative, String content) {
        Path target = hostPath(relative);
        try {
            Files.createDirectories(target.getParent());
            Files.writeString(target, content, StandardCharsets.UTF_8);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + relative + " in the guest folder", e);
        }
    }

    /** The bytes of a file the guest (or the test) left in the folder. */
    public byte[] read(String relative) {
        try {
            return Files.readAllBytes(hostPath(relative));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + relative + " in the guest folder " + root, e);
        }
    }

    /** A file of the folder as UTF-8 text. */
    public String readString(String relative) {
        return new String(read(relative), StandardCharsets.UTF_8);
    }

    /**
     * Extracts a tar archive the guest left (e.g. {@code out/fixtures/v1-active.tar}, written
     * by {@code klp_capture}) into the folder of the same name without {@code .tar}; returns
     * that folder's relative path.
     */
    public String unpack(String tarRelative) {
        if (!tarRelative.endsWith(".tar")) {
            throw new IllegalArgumentException("Not a .tar file: " + tarRelative);
        }
        Path tar = hostPath(tarRelative);
        if (!Files.isRegularFile(tar)) {
            throw new IllegalStateException("The guest left no " + tarRelative + " in " + root);
        }
        String dirRelative = tarRelative.substring(0, tarRelative.length() - ".tar".length());
        Path dir = hostPath(dirRelative);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HostCommand.run(List.of("tar", "-xf", tar.toString(), "-C", dir.toString()), root,
                Duration.ofMinutes(1));
        return dirRelative;
    }

    public boolean exists(String relative) {
        return Files.exists(hostPath(relative));
    }

    /** How many times a guest has booted with this folder. */
    public int boots() {
        return boots;
    }

    int nextBoot() {
        return ++boots;
    }

    @Override
    public String toString() {
        return "GuestFolder[" + root + ", " + boots + " boot(s)]";
    }
}
