package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class UpstreamExpectationTest {

    /** The shape of the upstream scripts, shortened. */
    private static final String SCRIPT = """
            . $(dirname $0)/functions.sh

            MOD_LIVEPATCH=test_klp_state
            MOD_LIVEPATCH2=test_klp_state2

            setup_config

            start_test "incompatible cumulative livepatches"

            load_lp $MOD_LIVEPATCH2
            load_failing_mod $MOD_LIVEPATCH

            check_result "% modprobe $MOD_LIVEPATCH2
            livepatch: enabling patch '$MOD_LIVEPATCH2'
            $MOD_LIVEPATCH2: fix_console_loglevel: fixing ${MOD_LIVEPATCH}'s level
            % modprobe $MOD_LIVEPATCH
            livepatch: Livepatch patch ($MOD_LIVEPATCH) is not compatible with the already installed livepatches.
            modprobe: ERROR: could not insert '$MOD_LIVEPATCH': Invalid argument
            % rmmod $MOD_LIVEPATCH2"

            start_test "no check"

            exit 0
            """;

    @Test
    void readsTheKernelLinesOfOneTestWithTheVariablesFilledIn() {
        UpstreamExpectation e = UpstreamExpectation.of("test-state.sh", SCRIPT, "incompatible cumulative livepatches");
        assertThat(e.lines()).containsExactly(
                "livepatch: enabling patch 'test_klp_state2'",
                "test_klp_state2: fix_console_loglevel: fixing test_klp_state's level",
                "livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.");
    }

    @Test
    void refusesATestTheScriptDoesNotHaveOrDoesNotCheck() {
        assertThatThrownBy(() -> UpstreamExpectation.of("test-state.sh", SCRIPT, "basic"))
                .hasMessageContaining("test-state.sh has no test \"basic\"");
        assertThatThrownBy(() -> UpstreamExpectation.of("test-state.sh", SCRIPT, "no check"))
                .hasMessageContaining("has no check_result");
    }

    @Test
    void filtersAKernelLogAsTheScriptsDo() {
        String dmesg = """
                [    5.100000] test_klp_state: loading out-of-tree module taints kernel.
                [    5.100001] test_klp_state: module verification failed: signature and/or required key missing - tainting kernel
                [    5.200000] livepatch: enabling patch 'test_klp_state'
                [    5.300000] random: crng init done
                [   15.400000] test_klp_state: pre_patch_callback: vmlinux
                """;
        assertThat(UpstreamExpectation.kernelLines(dmesg))
                .containsExactly("livepatch: enabling patch 'test_klp_state'", "test_klp_state: pre_patch_callback: vmlinux");
    }
}
