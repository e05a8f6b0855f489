package org.klp.it.realkernel;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs: a 110-byte
 * ASCII header of 13 hex fields per entry, the NUL-terminated name, the data, each padded to a
 * multiple of 4 bytes, and a closing {@code TRAILER!!!} entry. Owner root, fixed time: the
 * archive depends only on its entries.
 */
final class CpioNewcWriter implements AutoCloseable {

    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;

    private final OutputStream out;
    private long written;
    private int inode = 1;

    CpioNewcWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String name) throws IOException {
        entry(name, S_IFDIR | 0755, 2, new byte[0]);
    }

    void file(String name, int permissions, byte[] data) throws IOException {
        entry(name, S_IFREG | permissions, 1, data);
    }

    private void entry(String name, int mode, int links, byte[] data) throws IOException {
        if (name.startsWith("/") || name.isEmpty()) {
            throw new IllegalArgumentException("cpio entry names are relative: '" + name + "'");
        }
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String header = "070701" + hex(inode++) + hex(mode) + hex(0) + hex(0) + hex(links) + hex(0)
                + hex(data.length) + hex(0) + hex(0) + hex(0) + hex(0) + hex(nameBytes.length) + hex(0);
        write(header.getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
        write(data);
        pad();
    }

    @Override
    public void close() throws IOException {
        entry("TRAILER!!!", 0, 1, new byte[0]);
        out.close();
    }

    private static String hex(long value) {
        return String.format("%08X", value);
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }
}
