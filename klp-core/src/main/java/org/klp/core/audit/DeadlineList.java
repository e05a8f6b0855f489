package org.klp.core.audit;

import java.time.Instant;
import java.util.Arrays;

/**
 * Host ids sorted by check-in deadline, ties by host id. Sorting makes the stale hosts at any
 * instant a prefix: counting them is a binary search, listing either part is a copy. A check-in
 * moves one entry (a binary search and an array shift: microseconds even for 100,000 hosts). Ties
 * are ordered too, so that finding a host is a binary search even when a whole fleet shares one
 * deadline (hosts loaded with one check-in instant): a scan over equal deadlines cost 100,000
 * steps a check-in there.
 *
 * <p>Deadlines are nanoseconds since the epoch, exact for instants between the years 1678 and
 * 2262 ({@link #nanos} refuses others). 12 bytes per host, arrays grown by half and shrunk when
 * three quarters empty.
 */
final class DeadlineList {

    private long[] deadlines = new long[2];
    private int[] hosts = new int[2];
    private int size;

    int size() {
        return size;
    }

    int host(int index) {
        return hosts[index];
    }

    /** Hosts whose deadline is before {@code now}: they are the first ones. */
    int staleCount(long now) {
        return lowerBound(now);
    }

    /** Copies hosts {@code from} (inclusive) to {@code to} (exclusive) into {@code out} at {@code at}. */
    void copyHosts(int from, int to, int[] out, int at) {
        System.arraycopy(hosts, from, out, at, to - from);
    }

    void add(int host, long deadline) {
        if (size == hosts.length) {
            int grown = size + (size >> 1) + 1;
            hosts = Arrays.copyOf(hosts, grown);
            deadlines = Arrays.copyOf(deadlines, grown);
        }
        int at = position(deadline, host);
        System.arraycopy(hosts, at, hosts, at + 1, size - at);
        System.arraycopy(deadlines, at, deadlines, at + 1, size - at);
        hosts[at] = host;
        deadlines[at] = deadline;
        size++;
    }

    void remove(int host, long deadline) {
        int at = position(deadline, host);
        if (at == size || hosts[at] != host || deadlines[at] != deadline) {
            throw new IllegalStateException("Host " + host + " is not listed at deadline " + deadline);
        }
        System.arraycopy(hosts, at + 1, hosts, at, size - at - 1);
        System.arraycopy(deadlines, at + 1, deadlines, at, size - at - 1);
        size--;
        if (size > 16 && size < hosts.length / 4) {
            hosts = Arrays.copyOf(hosts, size * 2);
            deadlines = Arrays.copyOf(deadlines, size * 2);
        }
    }

    /** Adds every host of {@code other} (sorted too): one merge, O(both sizes), for moving a cohort at once. */
    void addAll(DeadlineList other) {
        if (other.size == 0) {
            return;
        }
        int n = size + other.size;
        long[] d = new long[n + (n >> 2) + 1];
        int[] h = new int[d.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < size || j < other.size) {
            if (j == other.size || (i < size && (deadlines[i] < other.deadlines[j]
                    || deadlines[i] == other.deadlines[j] && hosts[i] <= other.hosts[j]))) {
                d[k] = deadlines[i];
                h[k++] = hosts[i++];
            } else {
                d[k] = other.deadlines[j];
                h[k++] = other.hosts[j++];
            }
        }
        deadlines = d;
        hosts = h;
        size = n;
    }

    /** Removes the hosts {@code drop} accepts, keeping the order: O(size). */
    void removeIf(java.util.function.IntPredicate drop) {
        int k = 0;
        for (int i = 0; i < size; i++) {
            if (!drop.test(hosts[i])) {
                hosts[k] = hosts[i];
                deadlines[k++] = deadlines[i];
            }
        }
        size = k;
        if (size > 16 && size < hosts.length / 4) {
            hosts = Arrays.copyOf(hosts, size * 2);
            deadlines = Arrays.copyOf(deadlines, size * 2);
        }
    }

    /** The deadline of the host at {@code index}. */
    long deadline(int index) {
        return deadlines[index];
    }

    /** The first index whose deadline is not before {@code value}. */
    private int lowerBound(long value) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (deadlines[mid] < value) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The first index whose (deadline, host) is not before ({@code deadline}, {@code host}). */
    private int position(long deadline, int host) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (deadlines[mid] < deadline || deadlines[mid] == deadline && hosts[mid] < host) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Nanoseconds since the epoch. */
    static long nanos(Instant instant) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("Instant " + instant + " is outside the years 1678 to 2262 the audit supports", e);
        }
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
