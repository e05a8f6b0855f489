package org.klp.packaging.repo;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@code klp-pack repo publish} remembers between runs, in {@code DIR/.klp-pack/cache}: one
 * {@link PackageEntry} per package file, keyed by its path with its size and modification time.
 * A file whose size and mtime are unchanged is not read again, which makes adding one package to
 * thousands cost a directory listing and the writing of the metadata, not thousands of reads.
 *
 * <p>The cache is an optimisation only: a missing, stale or damaged cache is ignored and rebuilt
 * (format versioned; any read error means "read every package"). It is written atomically,
 * uncompressed: it is read and written on every publish, and a few megabytes of disk are cheaper
 * than inflating them.
 */
final class PublishCache {

    private static final int MAGIC = 0x4B4C5043; // "KLPC"
    private static final int FORMAT = 4;

    private final Map<String, PackageEntry> entries;
    private final Map<String, byte[]> chunks;

    private PublishCache(Map<String, PackageEntry> entries, Map<String, byte[]> chunks) {
        this.entries = entries;
        this.chunks = chunks;
    }

    static PublishCache empty() {
        return new PublishCache(new HashMap<>(), new HashMap<>());
    }

    /** The compressed chunks of the last publish's documents, by chunk key (see {@link ChunkedGzip}). */
    Map<String, byte[]> chunks() {
        return chunks;
    }

    static Path file(Path repo) {
        return repo.resolve(".klp-pack").resolve("cache");
    }

    static PublishCache load(Path repo) {
        Path f = file(repo);
        try (InputStream raw = Files.newInputStream(f);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                return empty();
            }
            int n = in.readInt();
            Map<String, PackageEntry> map = new HashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                PackageEntry e = new PackageEntry(str(in), in.readLong(), in.readLong(), str(in), str(in), in.readLong(), str(in), str(in),
                        str(in), str(in), bytes(in), bytes(in), bytes(in), bytes(in), str(in), str(in), bytes(in));
                map.put(e.location(), e);
            }
            int c = in.readInt();
            Map<String, byte[]> chunks = new HashMap<>(c * 2);
            for (int i = 0; i < c; i++) {
                chunks.put(str(in), bytes(in));
            }
            return new PublishCache(map, chunks);
        } catch (NoSuchFileException e) {
            return empty();
        } catch (IOException | RuntimeException e) {
            return empty();
        }
    }

    /** The cached entry for a file, if its size and mtime are unchanged. */
    PackageEntry lookup(String location, long size, long mtimeMillis) {
        PackageEntry e = entries.get(location);
        return e != null && e.size() == size && e.mtimeMillis() == mtimeMillis ? e : null;
    }

    static void save(Path repo, Iterable<PackageEntry> packages, Map<String, byte[]> chunks) throws IOException {
        Path f = file(repo);
        Files.createDirectories(f.getParent());
        Path tmp = RepositoryPublisher.tempFile(f);
        try {
            int n = 0;
            for (PackageEntry ignored : packages) {
                n++;
            }
            try (OutputStream raw = Files.newOutputStream(tmp);
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
                out.writeInt(MAGIC);
                out.writeInt(FORMAT);
                out.writeInt(n);
                for (PackageEntry e : packages) {
                    str(out, e.location());
                    out.writeLong(e.size());
                    out.writeLong(e.mtimeMillis());
                    str(out, e.pkgid());
                    str(out, e.name());
                    out.writeLong(e.epoch());
                    str(out, e.version());
                    str(out, e.release());
                    str(out, e.arch());
                    str(out, e.sourceRpm());
                    bytes(out, e.primaryXml());
                    bytes(out, e.filelistsXml());
                    bytes(out, e.otherXml());
                    bytes(out, e.recordJson());
                    str(out, e.kernelReleased());
                    str(out, e.updateBasis());
                    bytes(out, e.updateXml());
                }
                out.writeInt(chunks.size());
                for (Map.Entry<String, byte[]> c : chunks.entrySet()) {
                    str(out, c.getKey());
                    bytes(out, c.getValue());
                }
            }
            Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String str(DataInputStream in) throws IOException {
        return new String(bytes(in), StandardCharsets.UTF_8);
    }

    private static byte[] bytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (64 << 20)) {
            throw new EOFException("damaged cache");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static void str(DataOutputStream out, String s) throws IOException {
        bytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void bytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }
}
