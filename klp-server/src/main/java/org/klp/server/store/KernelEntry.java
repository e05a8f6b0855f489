package org.klp.server.store;

import java.time.LocalDate;
import org.klp.core.kernel.KernelRelease;

/** A kernel release in the catalog, under the live patching product that covers it. */
public record KernelEntry(long id, int productId, KernelRelease release, String arch, LocalDate released, LocalDate endOfSupport) {
}
