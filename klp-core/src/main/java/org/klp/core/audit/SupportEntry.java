package org.klp.core.audit;

import java.util.Objects;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportStatus;

/** A host and where its running kernel stands in its live patch lifecycle. */
public record SupportEntry(int hostId, int group, KernelRelease kernel, SupportStatus support) {

    public SupportEntry {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(support, "support");
    }
}
