package org.klp.core.audit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Host membership: which posture class and cohort each host is in, with its check-in times, and
 * the classes that have hosts. A class is created (its verdicts computed from the catalog) when a
 * host first checks in with its key, and dropped with its last host, so memory follows the
 * postures in use.
 *
 * <p>Per host it keeps a cohort reference and two longs (about 20 bytes), and 12 bytes in its
 * cohort: 32 MB for a million hosts. Nothing is kept per (host, CVE) pair.
 */
final class Fleet {

    private record CohortKey(ClassState cls, KernelState boot, int group) {
    }

    private final Map<PostureClass, ClassState> classes = new HashMap<>();
    private final Map<KernelState, List<ClassState>> classesByKernel = new IdentityHashMap<>();
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
        return host < cohortOf.length ? cohortOf[host] : null;
    }

    long lastCheckIn(int host) {
        return lastCheckIn[host];
    }

    long deadline(int host) {
        return deadline[host];
    }

    /**
     * Places a host: in the class of {@code key} (created with {@code codes} if new), in the cohort
     * of its boot kernel and group, at its deadline; out of wherever it was.
     */
    void place(int host, ClassState target, KernelState boot, int group, long checkedIn, long due) {
        ensureHost(host);
        Cohort to = cohorts.get(new CohortKey(target, boot, group));
        if (to == null) {
            to = new Cohort(target, boot, group);
            cohorts.put(new CohortKey(target, boot, group), to);
            target.cohorts.add(to);
        }
        Cohort from = cohortOf[host];
        to.add(host, due);
        if (from != null) {
            leave(host, from);
        } else {
            hosts++;
        }
        cohortOf[host] = to;
        lastCheckIn[host] = checkedIn;
        deadline[host] = due;
    }

    /** The class of {@code key}, created and indexed with the given codes when new. */
    ClassState classFor(PostureClass key, KernelState kernel, java.util.function.Supplier<byte[]> codes) {
        ClassState cls = classes.get(key);
        if (cls == null) {
            cls = new ClassState(key, kernel, codes.get());
            classes.put(key, cls);
            classesByKernel.computeIfAbsent(kernel, k -> new ArrayList<>()).add(cls);
        }
        return cls;
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
        from.remove(host, deadline[host]);
        if (from.size() == 0) {
            cohorts.remove(new CohortKey(from.cls, from.boot, from.group));
            ClassState cls = from.cls;
            cls.cohorts.remove(from);
            if (cls.cohorts.isEmpty()) {
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
