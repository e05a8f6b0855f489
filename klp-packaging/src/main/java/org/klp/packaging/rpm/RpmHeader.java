package org.klp.packaging.rpm;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One header structure of an RPM file (the signature header or the main header), decoded into
 * tag → value: {@code String}, {@code String[]}, {@code long[]} for all integer types, or
 * {@code byte[]} for binary data.
 *
 * <p>Layout (rpm's {@code hdrblob}): 8 bytes magic and reserved, the entry count {@code il}, the
 * store size {@code dl}, {@code il} index entries of 16 bytes (tag, type, offset, count), then the
 * store. Every offset and count is checked against the store before it is used: a damaged or
 * hostile file fails with a message instead of an exception from deep inside.
 */
public final class RpmHeader {

    /** The magic and version byte that start every header: 8E AD E8 01. */
    static final byte[] MAGIC = {(byte) 0x8E, (byte) 0xAD, (byte) 0xE8, 0x01};
    private static final int MAX_ENTRIES = 0xFFFF;
    private static final int MAX_STORE = 256 << 20;

    private final Map<Integer, Object> values;
    private final int length;

    private RpmHeader(Map<Integer, Object> values, int length) {
        this.values = values;
        this.length = length;
    }

    /**
     * Decodes the header that starts at {@code buffer}'s position.
     *
     * @param what names the header in error messages (e.g. "the signature header of x.rpm")
     */
    static RpmHeader read(ByteBuffer buffer, String what) {
        int start = buffer.position();
        if (buffer.remaining() < 16) {
            throw new RpmFormatException(what + " is truncated (" + buffer.remaining() + " bytes left where a header starts)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (buffer.get(start + i) != MAGIC[i]) {
                throw new RpmFormatException(what + " is damaged: no header magic at byte " + start);
            }
        }
        int entries = buffer.getInt(start + 8);
        int storeSize = buffer.getInt(start + 12);
        if (entries < 1 || entries > MAX_ENTRIES || storeSize < 0 || storeSize > MAX_STORE) {
            throw new RpmFormatException(what + " is damaged: implausible size (" + entries + " entries, " + storeSize + " bytes)");
        }
        long total = 16L + 16L * entries + storeSize;
        if (total > buffer.remaining()) {
            throw new RpmFormatException(what + " is truncated: needs " + total + " bytes, the file has " + buffer.remaining() + " left");
        }
        int index = start + 16;
        int store = index + 16 * entries;
        Map<Integer, Object> values = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            int at = index + 16 * i;
            int tag = buffer.getInt(at);
            int type = buffer.getInt(at + 4);
            int offset = buffer.getInt(at + 8);
            int count = buffer.getInt(at + 12);
            if (offset < 0 || offset > storeSize || count < 0 || count > storeSize + 16) {
                throw new RpmFormatException(what + " is damaged: tag " + tag + " points outside the header");
            }
            values.put(tag, value(buffer, store + offset, store + storeSize, type, count, tag, what));
        }
        buffer.position((int) (start + total));
        return new RpmHeader(Collections.unmodifiableMap(values), (int) total);
    }

    private static Object value(ByteBuffer b, int at, int end, int type, int count, int tag, String what) {
        switch (type) {
            case 0: // NULL
                return new long[0];
            case 1: // CHAR
            case 2: // INT8
            case 3: // INT16
            case 4: // INT32
            case 5: { // INT64
                int size = type == 5 ? 8 : type == 4 ? 4 : type == 3 ? 2 : 1;
                if ((long) at + (long) size * count > end) {
                    throw new RpmFormatException(what + " is damaged: tag " + tag + " runs past the header");
                }
                long[] out = new long[count];
                for (int i = 0; i < count; i++) {
                    int p = at + i * size;
                    out[i] = switch (size) {
                        case 1 -> Byte.toUnsignedLong(b.get(p));
                        case 2 -> Short.toUnsignedLong(b.getShort(p));
                        case 4 -> Integer.toUnsignedLong(b.getInt(p));
                        default -> b.getLong(p);
                    };
                }
                return out;
            }
            case 6: // STRING
                return string(b, at, end, tag, what)[0];
            case 7: { // BIN
                if ((long) at + count > end) {
                    throw new RpmFormatException(what + " is damaged: tag " + tag + " runs past the header");
                }
                byte[] out = new byte[count];
                b.get(at, out);
                return out;
            }
            case 8: // STRING_ARRAY
            case 9: { // I18NSTRING
                String[] out = new String[count];
                int p = at;
                for (int i = 0; i < count; i++) {
                    Object[] s = string(b, p, end, tag, what);
                    out[i] = (String) s[0];
                    p = (Integer) s[1];
                }
                return out;
            }
            default:
                throw new RpmFormatException(what + " is damaged: tag " + tag + " has unknown type " + type);
        }
    }

    /** Returns {string, offset after its NUL}. */
    private static Object[] string(ByteBuffer b, int at, int end, int tag, String what) {
        int p = at;
        while (p < end && b.get(p) != 0) {
            p++;
        }
        if (p >= end) {
            throw new RpmFormatException(what + " is damaged: string of tag " + tag + " is not terminated");
        }
        byte[] bytes = new byte[p - at];
        b.get(at, bytes);
        return new Object[] {new String(bytes, StandardCharsets.UTF_8), p + 1};
    }

    /** The header's size in the file, from its magic to the end of its store. */
    public int length() {
        return length;
    }

    public boolean has(int tag) {
        return values.containsKey(tag);
    }

    public Optional<String> string(int tag) {
        Object v = values.get(tag);
        if (v instanceof String s) {
            return Optional.of(s);
        }
        if (v instanceof String[] a && a.length > 0) {
            return Optional.of(a[0]);
        }
        return Optional.empty();
    }

    public String stringOr(int tag, String fallback) {
        return string(tag).orElse(fallback);
    }

    public List<String> strings(int tag) {
        Object v = values.get(tag);
        if (v instanceof String[] a) {
            return List.of(a);
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        return List.of();
    }

    public long[] numbers(int tag) {
        Object v = values.get(tag);
        return v instanceof long[] a ? a : new long[0];
    }

    public Optional<Long> number(int tag) {
        long[] a = numbers(tag);
        return a.length == 0 ? Optional.empty() : Optional.of(a[0]);
    }

    public Optional<byte[]> bytes(int tag) {
        Object v = values.get(tag);
        return v instanceof byte[] a ? Optional.of(a) : Optional.empty();
    }
}
