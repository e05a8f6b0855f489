package org.klp.core.audit;

import java.time.LocalDate;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportStatus;

/**
 * When a host must reboot and into what. After its running kernel's live patch support ends, no
 * new fix reaches it without a reboot, so that day is the deadline ({@code support} is null for a
 * kernel the catalog does not know: no deadline can be given). The kernel to move to is the
 * newest published kernel of the running kernel's stream; null when the host already runs it (its
 * next move is to a new stream, a service pack upgrade). {@code moveToInstalled} says the host
 * would boot into it already.
 */
public record RebootPlan(int hostId, int group, KernelRelease running, SupportStatus support,
                         KernelRelease moveTo, boolean moveToInstalled) {

    public RebootPlan {
        Objects.requireNonNull(running, "running");
    }

    /** The last day the running kernel gets live patches, or null when unknown. */
    public LocalDate rebootBy() {
        return support == null ? null : support.endOfSupport();
    }

    public boolean overdue() {
        return support != null && support.expired();
    }
}
