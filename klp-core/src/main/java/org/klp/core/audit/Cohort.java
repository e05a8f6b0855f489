package org.klp.core.audit;

/** The hosts of one {@link Slice} in one group, by deadline: what group filters and what-ifs look at. */
final class Cohort {

    final Slice slice;
    final int group;
    final DeadlineList members = new DeadlineList();

    Cohort(Slice slice, int group) {
        this.slice = slice;
        this.group = group;
    }

    ClassState cls() {
        return slice.cls;
    }

    KernelState boot() {
        return slice.boot;
    }
}
