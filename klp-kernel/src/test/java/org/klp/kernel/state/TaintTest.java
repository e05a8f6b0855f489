package org.klp.kernel.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TaintTest {

    @Test
    void decodesTheValuesARealKernelShowedAroundALivePatch() {
        assertThat(Taint.parse("0\n").letters()).isEmpty();
        assertThat(Taint.parse("12288\n").letters()).isEqualTo("OE");
        Taint patched = Taint.parse("45056");
        assertThat(patched.letters()).isEqualTo("OEK");
        assertThat(patched.isLivePatched()).isTrue();
        assertThat(patched.has('K')).isTrue();
        assertThat(patched.flags()).extracting(Taint.Flag::meaning).contains("kernel has been live patched");
    }

    @Test
    void keepsBitsNewerKernelsAdd() {
        Taint t = new Taint((1L << 15) | (1L << 40));
        assertThat(t.letters()).isEqualTo("K");
        assertThat(t.unknownBits()).isEqualTo(1L << 40);
    }

    @Test
    void refusesWhatTheKernelNeverWrites() {
        assertThatThrownBy(() -> Taint.parse("K")).hasMessageContaining("Not a taint mask: 'K'");
        assertThatThrownBy(() -> Taint.parse("-1")).hasMessageContaining("Not a taint mask");
        assertThatThrownBy(() -> Taint.parse("")).hasMessageContaining("Not a taint mask");
    }
}
