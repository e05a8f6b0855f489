package org.klp.server.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The CVE ids a feed listed so far, with the line of each, in primitive arrays: a 64 MiB feed
 * holds at most about 900,000 records, which this keeps in about 24 MB where a set of strings
 * would take five times as much. An id {@code CVE-YYYY-N} with N of at most 14 digits (every
 * real one) is kept exactly as {@code YYYY * 10^14 + N}; a longer one by a 64-bit hash with the
 * sign bit set, so the two never meet (two long ids colliding is a one in 10^13 event for a full
 * feed, and would refuse the second as listed again).
 */
final class CveIdSet {

    private static final long EMPTY = Long.MIN_VALUE;
    private static final long SPLIT = 100_000_000_000_000L;

    private long[] keys = new long[1024];
    private int[] lines = new int[1024];
    private int size;

    CveIdSet() {
        Arrays.fill(keys, EMPTY);
    }

    /** Adds {@code id} first seen on {@code line}; returns 0 when it is new, else the line it was first seen on. */
    int addOrFirstLine(String id, int line) {
        long key = key(id);
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == EMPTY) {
                keys[i] = key;
                lines[i] = line;
                if (++size * 2 > keys.length) {
                    grow();
                }
                return 0;
            }
            if (keys[i] == key) {
                return lines[i];
            }
        }
    }

    int size() {
        return size;
    }

    /** {@code id} is a normalized CVE id ({@code CVE-YYYY-N}, N of 4 to 19 digits). */
    static long key(String id) {
        String number = id.substring(9);
        if (number.length() <= 14) {
            return Long.parseLong(id.substring(4, 8)) * SPLIT + Long.parseLong(number);
        }
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.US_ASCII)) {
            h = (h ^ b) * 0x100000001b3L;
        }
        return h | Long.MIN_VALUE | 1;
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldLines = lines;
        keys = new long[oldKeys.length * 2];
        lines = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldKeys[j] != EMPTY) {
                int i = mix(oldKeys[j]) & mask;
                while (keys[i] != EMPTY) {
                    i = (i + 1) & mask;
                }
                keys[i] = oldKeys[j];
                lines[i] = oldLines[j];
            }
        }
    }
}
