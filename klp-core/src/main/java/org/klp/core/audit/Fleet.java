package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Host membership: each host's posture class, slice (class x next boot kernel) and cohort (slice x
 * group), with its check-in times; and the classes that have hosts. A class is created (its
 * verdicts computed from the catalog) when a host first checks in with its key, and dropped with
 * its last host, so memory follows the postures in use.
 *
 * <p>Per host: a cohort reference and two longs here, 12 bytes in its slice's list and 12 in its
 * cohort's: about 45 bytes, 45 MB for a million hosts. Nothing is kept per (host, CVE) pair.
 */
final class Fleet {

    /** What a query sees of a list of hosts with equal facts but their deadlines. */
    interface Visitor {
        /** {@code group} is -1 when the list spans every group (a whole slice). */
        void visit(ClassState cls, Slice slice, DeadlineList members, int group);
    }

    private record SliceKey(ClassState cls, KernelState boot) {
    }

    private record CohortKey(Slice slice, int group) {
    }

    private final Map<PostureClass, ClassState> classes = new HashMap<>();
    private final Map<KernelState, List<ClassState>> classesByKernel = new IdentityHashMap<>();
    private final Map<SliceKey, Slice> slices = new HashMap<>();
    private final Map<CohortKey, Cohort> cohorts = new HashMap<>();
    private Cohort[] cohortOf = new Cohort[16];
    private long[] lastCheckIn = new long[16];
    private long[] deadline = new long[16];
    private int hosts;

    int hosts() {
        return hosts;
    }

    Collection<ClassState> classes() {
        return classes.values();
    }

    int slices() {
        return slices.size();
    }

    int cohorts() {
        return cohorts.size();
    }

    List<ClassState> classesOn(KernelState kernel) {
        return classesByKernel.getOrDefault(kernel, List.of());
    }

    ClassState classOf(PostureClass key) {
        return classes.get(key);
    }

    /** The host's cohort, or null when the host is not in the audit. */
    Cohort cohortOf(int host) {
        return host >= 0 && host < cohortOf.length ? cohortOf[host] : null;
    }

    long lastCheckIn(int host) {
        return lastCheckIn[host];
    }

    long deadline(int host) {
        return deadline[host];
    }

    /**
     * Visits the host lists {@code filter} selects: whole slices when it selects every group and
     * {@code byGroup} is false, else the cohorts of the selected groups.
     */
    void forEach(HostFilter filter, boolean byGroup, Visitor visitor) {
        boolean slicesWhole = !byGroup && filter.everyGroup();
        for (ClassState cls : classes.values()) {
            if (!filter.kernels().test(cls.kernel.release)) {
                continue;
            }
            for (Slice slice : cls.slices) {
                if (slicesWhole) {
                    visitor.visit(cls, slice, slice.members, -1);
                } else {
                    for (Cohort co : slice.cohorts) {
                        if (filter.groups().test(co.group)) {
                            visitor.visit(cls, slice, co.members, co.group);
                        }
                    }
                }
            }
        }
    }

    /** The class of {@code key}, created and indexed with the given codes when new. */
    ClassState classFor(PostureClass key, KernelState kernel, Supplier<byte[]> codes) {
        ClassState cls = classes.get(key);
        if (cls == null) {
            cls = new ClassState(key, kernel, codes.get());
            classes.put(key, cls);
            classesByKernel.computeIfAbsent(kernel, k -> new ArrayList<>()).add(cls);
        }
        return cls;
    }

    /** Places a host in the cohort of its class, boot kernel and group, at its deadline; out of wherever it was. */
    void place(int host, ClassState cls, KernelState boot, int group, long checkedIn, long due) {
        ensureHost(host);
        Cohort to = cohortFor(sliceFor(cls, boot), group);
        // Join before leaving, so that a host staying in its cohort never empties (and drops) it.
        to.members.add(host, due);
        to.slice.members.add(host, due);
        Cohort from = cohortOf[host];
        if (from != null) {
            leave(host, from);
        } else {
            hosts++;
        }
        cohortOf[host] = to;
        lastCheckIn[host] = checkedIn;
        deadline[host] = due;
    }

    /**
     * Moves every host of {@code from} to class {@code to}, keeping boot kernel, group and
     * deadlines: merges of sorted lists, O(the hosts of both slices), instead of one host at a
     * time (each a shift of a sorted array). For a policy change that re-pins a whole cohort.
     */
    void moveCohort(Cohort from, ClassState to) {
        Cohort target = cohortFor(sliceFor(to, from.slice.boot), from.group);
        if (target == from) {
            return;
        }
        target.members.addAll(from.members);
        target.slice.members.addAll(from.members);
        from.slice.members.removeIf(h -> cohortOf[h] == from);
        for (int i = 0; i < from.members.size(); i++) {
            cohortOf[from.members.host(i)] = target;
        }
        from.members.removeIf(h -> true);
        dropIfEmpty(from);
    }

    /** Every cohort, as a copy that events may change while it is walked. */
    List<Cohort> cohortList() {
        return new ArrayList<>(cohorts.values());
    }

    private Slice sliceFor(ClassState cls, KernelState boot) {
        Slice slice = slices.get(new SliceKey(cls, boot));
        if (slice == null) {
            slice = new Slice(cls, boot);
            slices.put(new SliceKey(cls, boot), slice);
            cls.slices.add(slice);
        }
        return slice;
    }

    private Cohort cohortFor(Slice slice, int group) {
        Cohort co = cohorts.get(new CohortKey(slice, group));
        if (co == null) {
            co = new Cohort(slice, group);
            cohorts.put(new CohortKey(slice, group), co);
            slice.cohorts.add(co);
        }
        return co;
    }

    boolean remove(int host) {
        Cohort from = cohortOf(host);
        if (from == null) {
            return false;
        }
        leave(host, from);
        cohortOf[host] = null;
        hosts--;
        return true;
    }

    /** Grows every class's code array to {@code capacity} CVE ordinals. */
    void growCodes(int capacity) {
        for (ClassState cls : classes.values()) {
            if (cls.codes.length < capacity) {
                cls.codes = Arrays.copyOf(cls.codes, capacity);
            }
        }
    }

    private void leave(int host, Cohort from) {
        from.members.remove(host, deadline[host]);
        from.slice.members.remove(host, deadline[host]);
        dropIfEmpty(from);
    }

    /** Drops a cohort without hosts, then its slice and class if they have none left either. */
    private void dropIfEmpty(Cohort co) {
        Slice slice = co.slice;
        if (co.members.size() == 0) {
            cohorts.remove(new CohortKey(slice, co.group));
            slice.cohorts.remove(co);
        }
        if (slice.members.size() == 0) {
            slices.remove(new SliceKey(slice.cls, slice.boot));
            ClassState cls = slice.cls;
            cls.slices.remove(slice);
            if (cls.slices.isEmpty()) {
                classes.remove(cls.key);
                List<ClassState> onKernel = classesByKernel.get(cls.kernel);
                onKernel.remove(cls);
                if (onKernel.isEmpty()) {
                    classesByKernel.remove(cls.kernel);
                }
            }
        }
    }

    private void ensureHost(int host) {
        if (host >= cohortOf.length) {
            int grown = Math.max(host + 1, cohortOf.length + (cohortOf.length >> 1));
            cohortOf = Arrays.copyOf(cohortOf, grown);
            lastCheckIn = Arrays.copyOf(lastCheckIn, grown);
            deadline = Arrays.copyOf(deadline, grown);
        }
    }
}
