package org.klp.core.audit;

import java.util.Arrays;
import java.util.stream.IntStream;

/** An immutable, ascending list of host ids: what queries return instead of boxed lists of a million. */
public final class HostIds {

    private static final HostIds EMPTY = new HostIds(new int[0]);

    private final int[] ids;

    private HostIds(int[] ids) {
        this.ids = ids;
    }

    /** Takes ownership of {@code ids} and sorts it. */
    static HostIds sorting(int[] ids) {
        if (ids.length == 0) {
            return EMPTY;
        }
        Arrays.sort(ids);
        return new HostIds(ids);
    }

    public static HostIds of(int... ids) {
        return sorting(ids.clone());
    }

    public static HostIds empty() {
        return EMPTY;
    }

    public int size() {
        return ids.length;
    }

    public boolean isEmpty() {
        return ids.length == 0;
    }

    public int get(int index) {
        return ids[index];
    }

    public boolean contains(int id) {
        return Arrays.binarySearch(ids, id) >= 0;
    }

    public IntStream stream() {
        return Arrays.stream(ids);
    }

    public int[] toArray() {
        return ids.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostIds other && Arrays.equals(ids, other.ids);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return ids.length <= 20 ? Arrays.toString(ids)
                : Arrays.toString(Arrays.copyOf(ids, 20)).replace("]", ", … " + ids.length + " hosts]");
    }
}
