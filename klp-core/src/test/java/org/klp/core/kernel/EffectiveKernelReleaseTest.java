package org.klp.core.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EffectiveKernelReleaseTest {

    static final KernelRelease K = KernelRelease.parse("5.14.21-150500.55.49-default");

    @Test
    void aSettledLivePatchAddsItsLevelToTheRelease() {
        assertThat(EffectiveKernelRelease.of(K, 4, true).uname()).isEqualTo("5.14.21-150500.55.49-default+lp4");
    }

    @Test
    void nothingIsAddedWithoutALivePatchInForce() {
        assertThat(EffectiveKernelRelease.of(K, 0, true).uname()).isEqualTo(K.uname());
        assertThat(EffectiveKernelRelease.of(K, 4, false).uname()).as("transition unfinished or forced").isEqualTo(K.uname());
        assertThat(EffectiveKernelRelease.of(K, 4, false).livePatched()).isFalse();
    }

    @Test
    void parsesBothForms() {
        assertThat(EffectiveKernelRelease.parse("6.1.0-56-amd64+lp2")).isEqualTo(new EffectiveKernelRelease(KernelRelease.parse("6.1.0-56-amd64"), 2));
        assertThat(EffectiveKernelRelease.parse("6.1.0-56-amd64").livePatchLevel()).isZero();
        assertThatThrownBy(() -> EffectiveKernelRelease.parse("6.1.0-56-amd64+lp0")).hasMessageContaining("expected RELEASE+lpN");
        assertThatThrownBy(() -> EffectiveKernelRelease.parse("6.1.0-56-amd64+lpx")).hasMessageContaining("expected RELEASE+lpN");
    }
}
