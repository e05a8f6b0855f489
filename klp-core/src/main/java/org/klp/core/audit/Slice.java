package org.klp.core.audit;

import java.util.ArrayList;
import java.util.List;

/**
 * The hosts of one posture class that boot the same kernel next ({@code boot}, null when they
 * boot the running one again): on time, they all have the same verdict for every CVE, so
 * unfiltered queries count a slice, not its hosts. A slice is split into {@link Cohort}s by group
 * for queries that filter by group; a host is listed, by deadline, in both.
 */
final class Slice {

    final ClassState cls;
    final KernelState boot;
    final DeadlineList members = new DeadlineList();
    final List<Cohort> cohorts = new ArrayList<>(2);

    Slice(ClassState cls, KernelState boot) {
        this.cls = cls;
        this.boot = boot;
    }

    /** The base code of the boot kernel for CVE {@code c}, or -1 when the host boots the running kernel. */
    int bootBase(int c) {
        return boot == null ? -1 : boot.base[c];
    }
}
