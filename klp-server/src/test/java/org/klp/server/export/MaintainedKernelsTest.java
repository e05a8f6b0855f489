package org.klp.server.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The lifecycle page's data from the hand-made catalog of {@link OvalDefinitionsTest} (K49: released 2025-02-01, support to 2026-02-01). */
class MaintainedKernelsTest {

    static MaintainedKernels on(LocalDate day) {
        return MaintainedKernels.of(OvalDefinitionsTest.catalog(), day);
    }

    @Test
    void eachVersionListsTheFixesItAddsAndHowManyItCarries() {
        MaintainedKernels.Kernel k = on(LocalDate.of(2025, 6, 1)).kernels().get(0);
        assertThat(k.livePatches()).extracting(MaintainedKernels.Version::version).containsExactly(1, 2, 3);
        assertThat(k.livePatches().get(1).fixesAdded()).extracting(MaintainedKernels.FixView::id).containsExactly(OvalDefinitionsTest.A);
        assertThat(k.livePatches().get(2).fixesAdded()).extracting(MaintainedKernels.FixView::id).containsExactly(OvalDefinitionsTest.B);
        assertThat(k.livePatches().get(2).fixesCarried()).isEqualTo(2);
        assertThat(k.livePatches().get(2).packageVersion()).isEqualTo(OvalDefinitionsTest.PKG + "-3");
    }

    @Test
    void supportIsCurrentEndingWithinThirtyDaysOrEnded() {
        assertThat(on(LocalDate.of(2025, 6, 1)).kernels().get(0).support()).isEqualTo("current");
        assertThat(on(LocalDate.of(2026, 1, 15)).kernels().get(0)).extracting(MaintainedKernels.Kernel::support, MaintainedKernels.Kernel::daysLeft)
                .containsExactly("ending", 17L);
        assertThat(on(LocalDate.of(2026, 2, 1)).kernels().get(0).support()).as("the last day is still supported").isEqualTo("ending");
        assertThat(on(LocalDate.of(2026, 2, 2)).kernels().get(0)).extracting(MaintainedKernels.Kernel::support, MaintainedKernels.Kernel::daysLeft)
                .containsExactly("ended", -1L);
    }

    @Test
    void aKernelIsFoundByWhatUnameOrKlpUnamePrints() {
        MaintainedKernels m = on(LocalDate.of(2025, 6, 1));
        assertThat(m.find(OvalDefinitionsTest.K49.uname())).isPresent();
        assertThat(m.find(OvalDefinitionsTest.K49.uname() + "+lp3\n")).isPresent();
        assertThat(m.find("5.14.21-150500.55.50-default")).isEmpty();
        assertThat(m.ofStreamOf("5.14.21-150500.55.50-default")).extracting(MaintainedKernels.Kernel::kernel)
                .containsExactly(OvalDefinitionsTest.K49.uname());
        assertThatThrownBy(() -> m.find("latest")).isInstanceOf(IllegalArgumentException.class);
    }
}
