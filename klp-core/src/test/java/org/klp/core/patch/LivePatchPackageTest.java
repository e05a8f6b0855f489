package org.klp.core.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;

class LivePatchPackageTest {

    private static final KernelRelease KERNEL = KernelRelease.parse("5.3.18-24.29-default");
    private static final LocalDate DAY = LocalDate.of(2024, 11, 5);
    private static final Fix CVE_1 = Fix.security("CVE-2024-50115", 7.8, "KVM: nSVM: ignore nCR3[4:0]", "bsc#1233019");
    private static final Fix CVE_2 = Fix.security("CVE-2024-26930", 7.8, "scsi: qla2xxx: double free");
    private static final Fix BUG = new Fix("bsc#1210000", 0.0, "data corruption in ext4", List.of(), FixCategory.DATA_CORRUPTION, false);

    @Test
    void packageNameUsesThePackageFormOfTheKernel() {
        LivePatchPackage p = new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1), List.of());
        assertThat(p.name()).isEqualTo("kernel-livepatch-5_3_18-24_29-default");
        assertThat(p.nameVersion()).isEqualTo("kernel-livepatch-5_3_18-24_29-default-2");
        assertThat(LivePatchPackage.kernelOfPackageName(p.name())).isEqualTo(KERNEL);
    }

    @Test
    void initialPatchIsVersionOneWithoutFixes() {
        LivePatchPackage initial = LivePatchPackage.initial(KERNEL, DAY);
        assertThat(initial.version()).isEqualTo(1);
        assertThat(initial.isInitial()).isTrue();
        assertThat(initial.fixes()).isEmpty();
        assertThatThrownBy(() -> new LivePatchPackage(KERNEL, 1, DAY, List.of(CVE_1), List.of()))
                .hasMessageContaining("initial patch");
    }

    @Test
    void refusesVersionZeroAndDuplicateFixes() {
        assertThatThrownBy(() -> new LivePatchPackage(KERNEL, 0, DAY, List.of(), List.of()))
                .hasMessageContaining("1 or more");
        assertThatThrownBy(() -> new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1, CVE_1), List.of()))
                .hasMessageContaining("CVE-2024-50115 is listed twice");
    }

    @Test
    void cumulativeVersionCarriesEveryFixOfThePreviousOne() {
        LivePatchPackage v2 = new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1, BUG), List.of());
        LivePatchPackage v3 = new LivePatchPackage(KERNEL, 3, DAY.plusDays(30), List.of(CVE_1, BUG, CVE_2), List.of());
        v3.requireCumulativeOver(v2);
        v2.requireCumulativeOver(LivePatchPackage.initial(KERNEL, DAY));
    }

    @Test
    void versionLackingFixesOfThePreviousOneIsRefusedNamingThem() {
        LivePatchPackage v2 = new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1, BUG), List.of());
        LivePatchPackage v3 = new LivePatchPackage(KERNEL, 3, DAY, List.of(CVE_2), List.of());
        assertThatThrownBy(() -> v3.requireCumulativeOver(v2))
                .isInstanceOf(NotCumulativeException.class)
                .hasMessageContaining("CVE-2024-50115")
                .hasMessageContaining("bsc#1210000")
                .satisfies(e -> assertThat(((NotCumulativeException) e).missingFixIds())
                        .containsExactly("CVE-2024-50115", "bsc#1210000"));
    }

    @Test
    void cumulativeCheckNeedsSameKernelAndOlderVersion() {
        LivePatchPackage v2 = new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1), List.of());
        LivePatchPackage other = new LivePatchPackage(KernelRelease.parse("5.3.18-24.34-default"), 2, DAY, List.of(CVE_1), List.of());
        assertThatThrownBy(() -> v2.requireCumulativeOver(other)).hasMessageContaining("different kernels");
        assertThatThrownBy(() -> v2.requireCumulativeOver(v2)).hasMessageContaining("newer");
    }

    @Test
    void downgradeToOlderVersionDropsItsFixes() {
        LivePatchPackage v2 = new LivePatchPackage(KERNEL, 2, DAY, List.of(CVE_1), List.of());
        LivePatchPackage v3 = new LivePatchPackage(KERNEL, 3, DAY, List.of(CVE_1, CVE_2), List.of());
        FixChange down = v2.changeFrom(v3);
        assertThat(down.dropped()).containsExactly(CVE_2);
        assertThat(down.gained()).isEmpty();
        FixChange up = v3.changeFrom(v2);
        assertThat(up.gained()).containsExactly(CVE_2);
        assertThat(up.dropped()).isEmpty();
        assertThat(v3.cveIds()).containsExactly("CVE-2024-50115", "CVE-2024-26930");
        assertThat(v3.highestCvss()).isEqualTo(7.8);
    }
}
