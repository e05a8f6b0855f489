package org.klp.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The parts of the real kernel's control that do not need a kernel: reading kmod's and the kernel's words. */
class RealKernelControlTest {

    private static final String DMESG = """
            [    2.619829] klp_target: loading out-of-tree module taints kernel.
            [   20.100000] random: crng init done
            [   20.114812] klp_patch_v1: version magic '6.1.0-56-amd64 SMP PREEMPT mod_unload modversions ' should be '6.1.0-56-amd64 SMP preempt mod_unload modversions '
            [   31.000001] livepatch: Livepatch patch (klp_patch_v1) is not compatible with the already installed livepatches.
            """;

    @Test
    void theKernelLogOfAnInsmodIsTheLinesStampedSinceThatNameTheModule() {
        assertThat(RealKernelControl.linesSince(DMESG, 20.1, "klp_patch_v1")).isEqualTo("klp_patch_v1: version magic '6.1.0-56-amd64 SMP PREEMPT "
                + "mod_unload modversions ' should be '6.1.0-56-amd64 SMP preempt mod_unload modversions '; livepatch: Livepatch patch "
                + "(klp_patch_v1) is not compatible with the already installed livepatches.");
        assertThat(RealKernelControl.linesSince(DMESG, 31.0, "klp_patch_v1")).startsWith("livepatch: Livepatch patch (klp_patch_v1)");
        assertThat(RealKernelControl.linesSince(DMESG, 40, "klp_patch_v1")).isEmpty();
        assertThat(RealKernelControl.linesSince(DMESG, 0, "klp_patch_v2")).isEmpty();
        assertThat(RealKernelControl.linesSince("no timestamps here\n[ x] nor klp_patch_v1 here", 0, "klp_patch_v1")).isEmpty();
    }

    @Test
    void kmodsMessagesMapToErrnos() {
        assertThat(RealKernelControl.errnoOf("insmod: ERROR: could not insert module p.ko: Invalid module format")).isEqualTo("ENOEXEC");
        assertThat(RealKernelControl.errnoOf("insmod: ERROR: could not insert module p.ko: Invalid parameters")).isEqualTo("EINVAL");
        assertThat(RealKernelControl.errnoOf("rmmod: ERROR: Module klp_patch_v2 is in use")).isEqualTo("EAGAIN");
        assertThat(RealKernelControl.errnoOf("insmod: ERROR: could not insert module p.ko: Device or resource busy")).isEqualTo("EBUSY");
    }
}
