package org.klp.packaging.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.klp.packaging.testing.Tools;

class ChunkedGzipTest {

    static List<ChunkedGzip.Part> parts(int n, int insertAt) {
        List<ChunkedGzip.Part> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i == insertAt) {
                out.add(part("inserted"));
            }
            out.add(part("package-" + i));
        }
        return out;
    }

    static ChunkedGzip.Part part(String id) {
        return new ChunkedGzip.Part(("<package name=\"" + id + "\">" + "x".repeat(1500) + "</package>\n").getBytes(StandardCharsets.UTF_8), id);
    }

    static byte[] plain(byte[] head, List<ChunkedGzip.Part> parts, byte[] tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        parts.forEach(p -> out.writeBytes(p.bytes()));
        out.writeBytes(tail);
        return out.toByteArray();
    }

    @Test
    void decompressesToTheWholeDocumentAndStatesItsChecksum() throws Exception {
        byte[] head = "<metadata packages=\"2000\">\n".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "</metadata>\n".getBytes(StandardCharsets.UTF_8);
        List<ChunkedGzip.Part> parts = parts(2000, -1);
        ChunkedGzip.Result r = new ChunkedGzip(Map.of()).write("primary", head, parts, tail);
        byte[] expected = plain(head, parts, tail);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.compressed()))) {
            assertThat(in.readAllBytes()).isEqualTo(expected);
        }
        assertThat(r.openSize()).isEqualTo(expected.length);
        assertThat(r.openChecksum()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected)));
    }

    @Test
    void zcatReadsTheMembersAsOneStream() throws Exception {
        byte[] head = "<a>\n".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "</a>\n".getBytes(StandardCharsets.UTF_8);
        List<ChunkedGzip.Part> parts = parts(500, -1);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("klp-chunked", ".gz");
        try {
            java.nio.file.Files.write(f, new ChunkedGzip(Map.of()).write("other", head, parts, tail).compressed());
            Tools.Run zcat = Tools.run(null, 30, "gzip", "-dc", f.toString()).ok();
            assertThat(zcat.out().getBytes(StandardCharsets.UTF_8)).isEqualTo(plain(head, parts, tail));
            assertThat(Tools.run(null, 30, "gzip", "-t", f.toString()).exit()).isZero();
        } finally {
            java.nio.file.Files.delete(f);
        }
    }

    @Test
    void addingOnePartRecompressesOnlyItsChunk() {
        byte[] head = "<h>\n".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "</h>\n".getBytes(StandardCharsets.UTF_8);
        ChunkedGzip first = new ChunkedGzip(Map.of());
        first.write("primary", head, parts(2000, -1), tail);
        Map<String, byte[]> before = new HashMap<>(first.used());
        assertThat(before.size()).isBetween(8, 40);

        ChunkedGzip second = new ChunkedGzip(before);
        second.write("primary", head, parts(2000, 1234), tail);
        long reused = second.used().entrySet().stream().filter(e -> before.get(e.getKey()) == e.getValue()).count();
        assertThat(second.used().size() - reused).isEqualTo(1);
    }
}
