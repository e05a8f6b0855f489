package org.klp.packaging.rpm;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the "new ASCII" cpio archive ({@code 070701}) an RPM payload holds, entry by entry. Names
 * are as rpm stores them ({@code ./lib/modules/…}); {@link #next()} returns null after the
 * {@code TRAILER!!!} entry. Sizes are checked against {@code maxEntrySize} before any data is read.
 */
public final class CpioReader {

    /** One archive entry; read its data with {@link CpioReader#readData()} before calling {@code next()} again. */
    public record Entry(String name, int mode, long size) {
        public boolean isRegularFile() {
            return (mode & 0170000) == 0100000;
        }

        public boolean isDirectory() {
            return (mode & 0170000) == 0040000;
        }

        /** The absolute path the entry installs to ({@code ./x} becomes {@code /x}). */
        public String path() {
            return name.startsWith("./") ? name.substring(1) : name.startsWith("/") ? name : "/" + name;
        }
    }

    private static final int HEADER = 110;
    private final InputStream in;
    private final long maxEntrySize;
    private final String what;
    private long position;
    private Entry current;
    private boolean dataRead = true;

    public CpioReader(InputStream in, long maxEntrySize, String what) {
        this.in = in;
        this.maxEntrySize = maxEntrySize;
        this.what = what;
    }

    public Entry next() throws IOException {
        if (!dataRead) {
            skip(current.size);
            align();
        }
        byte[] header = readFully(HEADER, "an entry header");
        String magic = new String(header, 0, 6, StandardCharsets.US_ASCII);
        if (!magic.equals("070701") && !magic.equals("070702")) {
            throw new RpmFormatException(what + ": payload is damaged (no cpio entry at byte " + (position - HEADER) + ")");
        }
        int mode = (int) hex(header, 14);
        long size = hex(header, 54);
        int nameSize = (int) hex(header, 94);
        if (nameSize < 1 || nameSize > 4096) {
            throw new RpmFormatException(what + ": payload is damaged (implausible name length " + nameSize + ")");
        }
        byte[] nameBytes = readFully(nameSize, "an entry name");
        String name = new String(nameBytes, 0, nameSize - 1, StandardCharsets.UTF_8);
        align();
        if (name.equals("TRAILER!!!")) {
            current = null;
            dataRead = true;
            return null;
        }
        if (size < 0 || size > maxEntrySize) {
            throw new RpmFormatException(what + ": " + name + " is larger (" + size + " bytes) than allowed (" + maxEntrySize + ")");
        }
        current = new Entry(name, mode, size);
        dataRead = size == 0;
        return current;
    }

    public byte[] readData() throws IOException {
        if (current == null) {
            throw new IllegalStateException("no current entry");
        }
        if (dataRead) {
            return new byte[0];
        }
        byte[] data = readFully((int) current.size, "the data of " + current.name);
        dataRead = true;
        align();
        return data;
    }

    private long hex(byte[] header, int at) {
        long v = 0;
        for (int i = at; i < at + 8; i++) {
            int d = Character.digit(header[i], 16);
            if (d < 0) {
                throw new RpmFormatException(what + ": payload is damaged (bad cpio header field)");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private void align() throws IOException {
        int pad = (int) ((4 - position % 4) % 4);
        if (pad > 0) {
            readFully(pad, "padding");
        }
    }

    private void skip(long n) throws IOException {
        byte[] buffer = new byte[8192];
        while (n > 0) {
            int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
            if (r < 0) {
                throw new RpmFormatException(what + ": payload is truncated");
            }
            n -= r;
            position += r;
        }
    }

    private byte[] readFully(int n, String thing) throws IOException {
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            int r = in.read(out, done, n - done);
            if (r < 0) {
                throw new RpmFormatException(what + ": payload is truncated (ends inside " + thing + ")", new EOFException());
            }
            done += r;
        }
        position += n;
        return out;
    }
}
