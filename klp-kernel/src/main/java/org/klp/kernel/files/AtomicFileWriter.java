package org.klp.kernel.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one way klp writes its state files under a host root: every file is replaced whole or not
 * at all, survives a power cut once the call returns, and never lands outside the root.
 *
 * <p>A replacement writes a temporary file beside the target (created new, never through a
 * link, with the target's permissions from the start so a secret is never readable by others
 * even for a moment), forces it to disk, renames it over the target and forces the folder, so
 * after a crash the target holds either the old or the new content. An append forces the line
 * before returning and first ends a line a crash left torn, so later lines stay whole.
 *
 * <p>Confinement: a host root is often a mounted image ({@code --root /mnt}) whose absolute
 * symbolic links point into the machine running klp. Every folder on the way to a file is
 * created one at a time; an existing one that resolves outside the root is refused, as is a
 * target that is itself a link leading out. Links that stay inside the root are followed.
 */
public final class AtomicFileWriter {

    /** Who may read a file klp writes. */
    public enum Access {
        /** 0644: records, histories, configuration. */
        PUBLIC("rw-r--r--"),
        /** 0600: credentials, from the moment the file exists. */
        PRIVATE("rw-------");

        private final Set<PosixFilePermission> permissions;

        Access(String mode) {
            this.permissions = PosixFilePermissions.fromString(mode);
        }

        public Set<PosixFilePermission> permissions() {
            return permissions;
        }
    }

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path root;

    private AtomicFileWriter(Path root) {
        this.root = root;
    }

    /** A writer confined to {@code root}, which must exist. */
    public static AtomicFileWriter under(Path root) {
        try {
            return new AtomicFileWriter(root.toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use " + root + " as a root: " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public void write(Path file, String text) {
        write(file, text.getBytes(StandardCharsets.UTF_8), Access.PUBLIC);
    }

    public void write(Path file, String text, Access access) {
        write(file, text.getBytes(StandardCharsets.UTF_8), access);
    }

    public void write(Path file, byte[] content) {
        write(file, content, Access.PUBLIC);
    }

    /** Replaces {@code file} atomically and durably with {@code content}, readable as {@code access} says. */
    public void write(Path file, byte[] content, Access access) {
        replace(file, content, access, true);
    }

    /**
     * Replaces a file that stands for memory, not for a record: a simulated kernel's
     * {@code /sys} and {@code /proc} files, which a real machine loses in a crash too. Readers
     * still see the old or the new content, never half; nothing is forced to disk.
     */
    public void writeVolatile(Path file, String text) {
        replace(file, text.getBytes(StandardCharsets.UTF_8), Access.PUBLIC, false);
    }

    private void replace(Path file, byte[] content, Access access, boolean durable) {
        Path target = inside(file);
        Path folder = directoryOf(target);
        Path tmp = folder.resolve("." + target.getFileName() + ".tmp" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, createNew(), permissions(access))) {
                restrict(tmp, access);
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                if (durable) {
                    ch.force(true);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            if (durable) {
                forceFolder(folder);
            }
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
    }

    /**
     * Appends one line ({@code line} without its newline) and forces it to disk. A last line a
     * crash cut short gets its newline first: it stays one damaged line, and the new one is whole.
     */
    public void appendLine(Path file, String line) {
        Path target = inside(file);
        directoryOf(target);
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(target, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), permissions(Access.PUBLIC))) {
            long size = ch.size();
            ByteBuffer out;
            if (size > 0 && lastByte(ch, size) != '\n') {
                out = ByteBuffer.allocate(bytes.length + 1).put((byte) '\n').put(bytes).flip();
            } else {
                out = ByteBuffer.wrap(bytes);
            }
            long at = size;
            while (out.hasRemaining()) {
                at += ch.write(out, at);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Opens (creating) a lock file for writing, never through a link. The caller closes it. */
    public FileChannel openLockFile(Path file) {
        Path target = inside(file);
        directoryOf(target);
        try {
            return FileChannel.open(target, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    permissions(Access.PUBLIC));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open " + target + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} and the folders above it inside the root; refuses one that leads out of it. */
    public Path directory(Path dir) {
        Path target = inside(dir);
        if (target.equals(root)) {
            return root;
        }
        return createFolders(root.relativize(target));
    }

    /**
     * Checks, before anything irreversible happens, that {@code file} can be written: its folders
     * are (or can be made) inside the root and it is no link leading out. Returns its path.
     */
    public Path requireInside(Path file) {
        Path target = inside(file);
        directoryOf(target);
        return target;
    }

    /** Removes {@code file} if it exists; a link is removed, never what it points to. */
    public void delete(Path file) {
        Path target = inside(file);
        try {
            Files.deleteIfExists(target);
            forceFolder(target.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The file's path under the real root, creating nothing; refuses one outside it, or a link
     * leading out. Readers of klp's own files call it too: a record read through a planted link
     * would be someone else's file.
     */
    public Path inside(Path file) {
        Path absolute = (file.isAbsolute() ? file : root.resolve(file)).normalize();
        Path lexical = lexicallyUnderRoot(absolute);
        if (lexical == null) {
            throw new OutsideRootException(file + " is outside the root " + root);
        }
        if (Files.isSymbolicLink(lexical)) {
            Path real = realOrNull(lexical);
            if (real == null || !real.startsWith(root)) {
                throw new OutsideRootException("refusing to write " + lexical + ": it is a symbolic link leading out of the root " + root);
            }
        }
        return lexical;
    }

    /**
     * The path written under the real root: the caller may name the root by another spelling (a
     * relative or linked path); the part below it is kept as given.
     */
    private Path lexicallyUnderRoot(Path absolute) {
        if (absolute.startsWith(root)) {
            return absolute;
        }
        // the caller's root spelled differently: find the longest prefix that is the root
        for (int i = absolute.getNameCount(); i >= 0; i--) {
            Path prefix = i == 0 ? absolute.getRoot() : absolute.getRoot().resolve(absolute.subpath(0, i));
            Path real = realOrNull(prefix);
            if (real != null && real.equals(root)) {
                return i == absolute.getNameCount() ? root : root.resolve(absolute.subpath(i, absolute.getNameCount()));
            }
        }
        return null;
    }

    private Path directoryOf(Path target) {
        Path parent = target.getParent();
        return parent.equals(root) || !parent.startsWith(root) ? root : createFolders(root.relativize(parent));
    }

    private Path createFolders(Path relative) {
        Path current = root;
        for (Path name : relative) {
            Path next = current.resolve(name);
            if (!Files.exists(next, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(next);
                } catch (FileAlreadyExistsException raced) {
                    // another klp created it meanwhile: check it below like any existing folder
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot create " + next + ": " + e.getMessage(), e);
                }
            }
            Path real = realOrNull(next);
            if (real == null || !real.startsWith(root)) {
                throw new OutsideRootException("refusing to write under " + next + ": it is a symbolic link leading out of the root " + root
                        + (real == null ? "" : " (to " + real + ")"));
            }
            if (!Files.isDirectory(real)) {
                throw new UncheckedIOException(new IOException(next + " is not a folder"));
            }
            current = real;
        }
        return current;
    }

    private static Set<OpenOption> createNew() {
        return Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    private static FileAttribute<?>[] permissions(Access access) {
        return POSIX ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(access.permissions())} : new FileAttribute<?>[0];
    }

    /** The umask may have taken bits off; a public file must still be readable, a private one stays private. */
    private static void restrict(Path file, Access access) throws IOException {
        if (POSIX && !Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS).equals(access.permissions())) {
            Files.setPosixFilePermissions(file, new HashSet<>(access.permissions()));
        }
    }

    private static byte lastByte(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        ch.read(one, size - 1);
        return one.get(0);
    }

    private static void forceFolder(Path folder) {
        try (FileChannel d = FileChannel.open(folder, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot sync a folder; the rename is atomic all the same
        }
    }

    private static Path realOrNull(Path p) {
        try {
            return p.toRealPath();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover temporary file is harmless: the next write uses a new name
        }
    }
}
