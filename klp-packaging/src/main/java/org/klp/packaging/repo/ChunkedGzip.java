package org.klp.packaging.repo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Compresses a metadata document made of per-package fragments as a series of gzip members, one
 * per chunk of consecutive fragments, and reuses the compressed member of every chunk that did not
 * change since the last publish. A gzip file may hold any number of members (RFC 1952 §2.2); zlib's
 * readers (libsolv, zypper, createrepo_c, dnf's librepo), Python and the JDK read them as one stream.
 *
 * <p>Chunk boundaries depend on the fragments alone (a chunk ends after a fragment whose id hashes
 * to 0 mod 128, or at 512 KiB), so adding a package changes the chunk it lands in and leaves the
 * others' members as they were. Chunks hold some 128 packages on average, far more than deflate's
 * 32 KiB window, so the file is hardly bigger (2–4 %) than one compressed as a single member.
 */
final class ChunkedGzip {

    /** One fragment and a string that changes whenever its bytes do (path, size, mtime, package id…). */
    record Part(byte[] bytes, String id) {
    }

    /** The compressed document and what repomd.xml says of its uncompressed form. */
    record Result(byte[] compressed, String openChecksum, long openSize) {
    }

    private static final int MAX_CHUNK = 512 << 10;

    private final Map<String, byte[]> previous;
    private final Map<String, byte[]> used = new ConcurrentHashMap<>();

    ChunkedGzip(Map<String, byte[]> previous) {
        this.previous = previous;
    }

    /** The members used by the documents written so far: what the next publish may reuse. */
    Map<String, byte[]> used() {
        return used;
    }

    Result write(String type, byte[] head, List<Part> parts, byte[] tail) {
        MessageDigest open = sha256();
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + parts.size() * 160);
        long openSize = head.length + tail.length;
        open.update(head);
        out.writeBytes(member(List.of(head)));
        int start = 0;
        int bytes = 0;
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            open.update(p.bytes());
            openSize += p.bytes().length;
            bytes += p.bytes().length;
            if ((p.id().hashCode() & 127) == 0 || bytes >= MAX_CHUNK || i == parts.size() - 1) {
                out.writeBytes(chunk(type, parts.subList(start, i + 1)));
                start = i + 1;
                bytes = 0;
            }
        }
        open.update(tail);
        out.writeBytes(member(List.of(tail)));
        return new Result(out.toByteArray(), HexFormat.of().formatHex(open.digest()), openSize);
    }

    private byte[] chunk(String type, List<Part> parts) {
        MessageDigest ids = sha256();
        ids.update(type.getBytes(StandardCharsets.UTF_8));
        for (Part p : parts) {
            ids.update((byte) 0);
            ids.update(p.id().getBytes(StandardCharsets.UTF_8));
        }
        String key = HexFormat.of().formatHex(ids.digest());
        byte[] member = previous.get(key);
        if (member == null) {
            member = member(parts.stream().map(Part::bytes).toList());
        }
        used.put(key, member);
        return member;
    }

    private static byte[] member(List<byte[]> pieces) {
        int size = 0;
        for (byte[] b : pieces) {
            size += b.length;
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream(size / 6 + 64);
        try (GZIPOutputStream out = new GZIPOutputStream(gz, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }) {
            for (byte[] b : pieces) {
                out.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return gz.toByteArray();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
