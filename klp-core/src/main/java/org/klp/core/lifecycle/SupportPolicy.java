package org.klp.core.lifecycle;

import java.time.LocalDate;
import java.time.Period;
import java.util.Objects;

/**
 * How long a kernel receives live patches: by default one year from the kernel's release, as
 * SUSE's lifecycle for SLE Live Patching states; products may set another period.
 */
public record SupportPolicy(Period livePatchSupport) {

    public static final SupportPolicy DEFAULT = new SupportPolicy(Period.ofYears(1));

    public SupportPolicy {
        Objects.requireNonNull(livePatchSupport, "livePatchSupport");
        if (livePatchSupport.isNegative() || livePatchSupport.isZero()) {
            throw new IllegalArgumentException("Live patch support period must be positive, was " + livePatchSupport);
        }
    }

    /** The last day a kernel released on {@code kernelReleaseDate} gets live patches. */
    public LocalDate endOfSupport(LocalDate kernelReleaseDate) {
        return kernelReleaseDate.plus(livePatchSupport);
    }

    public SupportStatus status(LocalDate kernelReleaseDate, LocalDate today) {
        return SupportStatus.of(endOfSupport(kernelReleaseDate), today);
    }
}
