package org.klp.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The rollout state machine: its legal moves, and refusals that say what to do instead. */
class RolloutStateTest {

    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    @Test
    void aCanaryRolloutMayBePromotedHaltedOrSuperseded() {
        assertThat(RolloutState.CANARY.canMoveTo(RolloutState.PROMOTED)).isTrue();
        assertThat(RolloutState.CANARY.canMoveTo(RolloutState.HALTED)).isTrue();
        assertThat(RolloutState.CANARY.canMoveTo(RolloutState.SUPERSEDED)).isTrue();
    }

    @Test
    void aHaltedRolloutIsNotPromotedWithoutBeingResumed() {
        assertThatThrownBy(() -> RolloutState.HALTED.moveTo(RolloutState.PROMOTED))
                .isInstanceOf(RolloutState.IllegalRolloutTransition.class)
                .hasMessage("a rollout that is halted cannot become promoted; resume it first (its canaries then test it again),"
                        + " or pin the group to the version");
        assertThat(RolloutState.HALTED.moveTo(RolloutState.CANARY)).isEqualTo(RolloutState.CANARY);
    }

    @Test
    void promotedAndSupersededAreFinal() {
        for (RolloutState next : RolloutState.values()) {
            assertThat(RolloutState.PROMOTED.canMoveTo(next)).isFalse();
            assertThat(RolloutState.SUPERSEDED.canMoveTo(next)).isFalse();
        }
    }

    @Test
    void resumingAHaltedRolloutRestartsItsCanaryPhase() {
        Rollout halted = new Rollout("prod", "5.14.21-150500.55.83-default", 4, RolloutState.HALTED, T0, T0.plusSeconds(60), "canary c1 …");
        Rollout resumed = halted.moveTo(RolloutState.CANARY, "resumed by an operator", T0.plusSeconds(3600));
        assertThat(resumed.status()).isEqualTo(RolloutState.CANARY);
        assertThat(resumed.startedAt()).isEqualTo(T0.plusSeconds(3600));
        assertThat(resumed.reason()).isEqualTo("resumed by an operator");
    }

    @Test
    void statesAreWrittenAsLowerCaseWords() {
        assertThat(RolloutState.SUPERSEDED.toString()).isEqualTo("superseded");
        assertThat(RolloutState.parse("halted")).isEqualTo(RolloutState.HALTED);
        assertThatThrownBy(() -> RolloutState.parse("HALTED")).hasMessageContaining("Not a rollout state: 'HALTED'");
    }
}
