package org.klp.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.Period;
import org.junit.jupiter.api.Test;

class SupportPolicyTest {

    private static final LocalDate RELEASED = LocalDate.of(2024, 3, 1);

    @Test
    void livePatchSupportEndsOneYearAfterTheKernelRelease() {
        assertThat(SupportPolicy.DEFAULT.endOfSupport(RELEASED)).isEqualTo(LocalDate.of(2025, 3, 1));
    }

    @Test
    void daysLeftCountDownToExpiry() {
        SupportStatus lastDay = SupportPolicy.DEFAULT.status(RELEASED, LocalDate.of(2025, 3, 1));
        assertThat(lastDay.daysLeft()).isZero();
        assertThat(lastDay.expired()).isFalse();
        SupportStatus after = SupportPolicy.DEFAULT.status(RELEASED, LocalDate.of(2025, 3, 2));
        assertThat(after.daysLeft()).isEqualTo(-1);
        assertThat(after.expired()).isTrue();
        SupportStatus month = SupportPolicy.DEFAULT.status(RELEASED, LocalDate.of(2025, 2, 1));
        assertThat(month.daysLeft()).isEqualTo(28);
        assertThat(month.endsWithin(30)).isTrue();
        assertThat(month.endsWithin(7)).isFalse();
        assertThat(after.endsWithin(30)).isFalse();
    }

    @Test
    void productsMaySetAnotherPeriodButNotAnEmptyOne() {
        assertThat(new SupportPolicy(Period.ofMonths(13)).endOfSupport(RELEASED)).isEqualTo(LocalDate.of(2025, 4, 1));
        assertThatThrownBy(() -> new SupportPolicy(Period.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new SupportPolicy(Period.ofDays(-1))).hasMessageContaining("positive");
    }
}
