package org.klp.packaging.client;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;
import org.klp.packaging.rpm.RpmFormatException;
import org.klp.packaging.rpm.RpmPackage;

/** A live patch package in the cache, verified; {@link #extractTo} puts its module and record under a root. */
public record DownloadedLivePatch(Path file, RpmPackage rpm, PatchRecord record) {

    /** Where the module and record went, and the record (with {@code rpm} set). */
    public record Extracted(Path module, Path record, PatchRecord patchRecord) {
    }

    /**
     * Writes a file under a root: the host tool passes its atomic-file writer, which refuses
     * links leading out of the root.
     */
    @FunctionalInterface
    public interface FileSink {
        void write(Path target, byte[] data);
    }

    /**
     * Writes the module ({@code lib/modules/<kernel>/livepatch/<module>.ko}) and the patch record
     * ({@code usr/share/klp/patches/<package>-<N>.json}) under {@code root}, each checked against
     * its digest in the package header, written to a temporary file, synced and renamed.
     */
    public Extracted extractTo(Path root) {
        return extractTo(root, (target, data) -> {
            try {
                write(target, data);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("Cannot write " + target + ": " + e.getMessage(), e);
            }
        });
    }

    /** As {@link #extractTo(Path)}, each file written by {@code sink}. */
    public Extracted extractTo(Path root, FileSink sink) {
        String modulePath = "/" + record.moduleFile();
        String recordPath = "/" + PatchRecord.recordPath(record.livePatch());
        Map<String, byte[]> files = rpm.extract(p -> p.equals(modulePath) || p.equals(recordPath));
        if (!files.containsKey(modulePath)) {
            throw new RpmFormatException(rpm.source() + " lacks its module " + modulePath);
        }
        if (!files.containsKey(recordPath)) {
            throw new RpmFormatException(rpm.source() + " lacks its patch record " + recordPath);
        }
        Path module = under(root, modulePath);
        sink.write(module, files.get(modulePath));
        PatchRecord withRpm = record.withRpm(rpm.nevra());
        Path rec = under(root, recordPath);
        sink.write(rec, PatchRecordJson.write(withRpm).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new Extracted(module, rec, withRpm);
    }

    private static Path under(Path root, String absolute) {
        Path target = root.resolve(absolute.substring(1)).normalize();
        if (!target.startsWith(root.normalize())) {
            throw new RpmFormatException("refusing to write outside the root: " + absolute);
        }
        return target;
    }

    private static Path write(Path target, byte[] data) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            tmp.toFile().setReadable(true, false);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
