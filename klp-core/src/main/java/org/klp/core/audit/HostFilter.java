package org.klp.core.audit;

import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.klp.core.kernel.KernelRelease;

/**
 * Which hosts a query looks at, by group id and by running kernel (a product or a kernel stream
 * is a set of kernels). Both are decided per cohort or per class, never per host, so filtering
 * costs nothing that grows with the fleet.
 */
public record HostFilter(IntPredicate groups, Predicate<KernelRelease> kernels) {

    public static final HostFilter ALL = new HostFilter(g -> true, k -> true);

    public HostFilter {
        Objects.requireNonNull(groups, "groups");
        Objects.requireNonNull(kernels, "kernels");
    }

    public static HostFilter group(int group) {
        return new HostFilter(g -> g == group, k -> true);
    }

    public static HostFilter kernels(Predicate<KernelRelease> kernels) {
        return new HostFilter(g -> true, kernels);
    }

    public HostFilter and(HostFilter other) {
        return new HostFilter(groups.and(other.groups), kernels.and(other.kernels));
    }
}
