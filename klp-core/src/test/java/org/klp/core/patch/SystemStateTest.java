package org.klp.core.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SystemStateTest {

    @Test
    void parsesIdColonVersion() {
        assertThat(SystemState.parse(" 7:2 ")).isEqualTo(new SystemState(7, 2));
        assertThat(SystemState.parse("7:2").toString()).isEqualTo("7:2");
    }

    @Test
    void refusesMalformedStatesAndIdZero() {
        assertThatThrownBy(() -> SystemState.parse("7")).hasMessageContaining("ID:VERSION");
        assertThatThrownBy(() -> SystemState.parse("a:1")).hasMessageContaining("decimal");
        assertThatThrownBy(() -> SystemState.parse("0:1")).hasMessageContaining("0 ends the kernel's list");
        assertThatThrownBy(() -> SystemState.parse("1:-1")).hasMessageContaining("negative");
    }

    @Test
    void mergeKeepsTheHighestVersionPerIdOrderedById() {
        assertThat(SystemState.merge(List.of(new SystemState(9, 1), new SystemState(2, 3), new SystemState(9, 4), new SystemState(2, 1))))
                .containsExactly(new SystemState(2, 3), new SystemState(9, 4));
    }

    @Test
    void sameOrHigherVersionsAndNewStatesAreCompatible() {
        assertThat(SystemState.incompatibilities(List.of(new SystemState(1, 1)), List.of(new SystemState(1, 1), new SystemState(2, 1)))).isEmpty();
        assertThat(SystemState.incompatibilities(List.of(new SystemState(1, 1)), List.of(new SystemState(1, 2)))).isEmpty();
        assertThat(SystemState.incompatibilities(List.of(), List.of(new SystemState(1, 2)))).isEmpty();
    }

    @Test
    void aLowerVersionIsRefusedAsTheKernelDoes() {
        // test_klp_state2 (version 2) then test_klp_state (version 1): the kernel refuses the second
        assertThat(SystemState.incompatibilities(List.of(new SystemState(1, 2)), List.of(new SystemState(1, 1))))
                .containsExactly("system state 1 would go down from version 2 to 1");
    }

    @Test
    void aStateLeftOutIsRefusedAsTheKernelDoes() {
        assertThat(SystemState.incompatibilities(List.of(new SystemState(5, 1)), List.of()))
                .containsExactly("system state 5 (version 1) is not carried on");
    }
}
