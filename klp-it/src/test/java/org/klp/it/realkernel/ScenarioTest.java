package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScenarioTest {

    @Test
    void theBootHookRunsFirstAndTheKernelLogIsTakenLast() {
        Scenario s = Scenario.builder().step("load", "insmod x.ko").bootHook("echo early").build();

        assertThat(s.steps()).extracting(Scenario.Step::name).containsExactly("boot-hook", "load", "dmesg");
    }

    @Test
    void theRunScriptSourcesEveryStepInOrderBetweenBeginAndEnd() {
        Scenario s = Scenario.builder().step("a", "true").step("b", "false").build();

        String run = s.runScript("boot1-x", "/work/.klp/klp-guest.sh", i -> "/work/.klp/steps/" + i + ".sh");

        assertThat(run).containsSubsequence(". /work/.klp/klp-guest.sh", "klp_begin boot1-x",
                "klp_step 0 a /work/.klp/steps/0.sh", "klp_step 1 b /work/.klp/steps/1.sh",
                "klp_step 2 dmesg /work/.klp/steps/2.sh", "klp_end boot1-x");
    }

    @Test
    void stepNamesAreUniqueAndShellSafe() {
        assertThatThrownBy(() -> Scenario.builder().step("a", "true").step("a", "true"))
                .hasMessageContaining("'a' is reserved or already used");
        assertThatThrownBy(() -> Scenario.builder().step("dmesg", "true")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> Scenario.builder().step("two words", "true")).hasMessageContaining("Not a step name");
    }
}
