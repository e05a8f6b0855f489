package org.klp.core.audit;

import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.klp.core.kernel.KernelRelease;

/**
 * Which hosts a query looks at, by group id and by running kernel (a product or a kernel stream
 * is a set of kernels). The kernel test is made once per posture class and the group test once per
 * cohort, never per host, so filtering costs nothing that grows with the fleet. A filter that
 * selects {@linkplain #everyGroup() every group} lets queries count whole slices instead of cohorts.
 */
public record HostFilter(IntPredicate groups, Predicate<KernelRelease> kernels) {

    private static final IntPredicate ANY_GROUP = g -> true;
    private static final Predicate<KernelRelease> ANY_KERNEL = k -> true;

    public static final HostFilter ALL = new HostFilter(ANY_GROUP, ANY_KERNEL);

    public HostFilter {
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(kernels, "kernels");
    }

    public static HostFilter group(int group) {
        return new HostFilter(g -> g == group, ANY_KERNEL);
    }

    public static HostFilter kernels(Predicate<KernelRelease> kernels) {
        return new HostFilter(ANY_GROUP, kernels);
    }

    public HostFilter and(HostFilter other) {
        IntPredicate g = everyGroup() ? other.groups : other.everyGroup() ? groups : groups.and(other.groups);
        Predicate<KernelRelease> k = kernels == ANY_KERNEL ? other.kernels : other.kernels == ANY_KERNEL ? kernels : kernels.and(other.kernels);
        return new HostFilter(g, k);
    }

    /** Whether the filter lets every group through (it was built without a group test). */
    public boolean everyGroup() {
        return groups == ANY_GROUP;
    }
}
