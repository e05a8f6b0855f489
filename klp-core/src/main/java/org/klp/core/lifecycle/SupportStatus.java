package org.klp.core.lifecycle;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;

/**
 * Where a kernel stands in its live patch lifecycle on a given day. {@code daysLeft} is 0 on the
 * last supported day and negative once support has ended.
 */
public record SupportStatus(LocalDate endOfSupport, long daysLeft) {

    public static SupportStatus of(LocalDate endOfSupport, LocalDate today) {
        return new SupportStatus(endOfSupport, ChronoUnit.DAYS.between(today, endOfSupport));
    }

    public boolean expired() {
        return daysLeft < 0;
    }

    public boolean endsWithin(long days) {
        return !expired() && daysLeft <= days;
    }
}
