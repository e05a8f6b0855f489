package org.klp.core.audit;

import java.time.LocalDate;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.core.lifecycle.SupportStatus;

/** A kernel release the catalog publishes: when it was released and the last day it gets live patches. */
public record CatalogKernel(KernelRelease kernel, LocalDate released, LocalDate endOfSupport) {

    public CatalogKernel {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(released, () -> "release date of " + kernel);
        Objects.requireNonNull(endOfSupport, () -> "end of support of " + kernel);
        if (endOfSupport.isBefore(released)) {
            throw new IllegalArgumentException("Live patch support of " + kernel + " ends on " + endOfSupport
                    + ", before its release on " + released);
        }
    }

    /** A kernel whose support period follows the policy. */
    public static CatalogKernel of(KernelRelease kernel, LocalDate released, SupportPolicy policy) {
        return new CatalogKernel(kernel, released, policy.endOfSupport(released));
    }

    public SupportStatus status(LocalDate today) {
        return SupportStatus.of(endOfSupport, today);
    }
}
