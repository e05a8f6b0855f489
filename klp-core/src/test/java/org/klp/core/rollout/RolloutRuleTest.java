package org.klp.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.fleet.HostPosture;

/** The rollout rule: one test per halt signal, and promotion only on settled, soaked canaries of the kernel. */
class RolloutRuleTest {

    static final String KERNEL = "5.14.21-150500.55.83-default";
    static final String OTHER_KERNEL = "5.14.21-150500.55.88-default";
    static final Instant START = Instant.parse("2025-06-01T10:00:00Z");
    static final Duration DEADLINE = Duration.ofSeconds(60);
    static final Rollout ROLLOUT = new Rollout("prod", KERNEL, 4, RolloutState.CANARY, START, START, "canaries first");
    static final UpdatePolicy.Staged ONE_CANARY = new UpdatePolicy.Staged("canary", Duration.ofHours(1), 1);

    static HostPosture posture(String kernel, int version, String transition, long seconds, boolean forced) {
        return new HostPosture(kernel, List.of(kernel), List.of(), version == 0 ? null : "lp_" + version, null, version, transition, seconds,
                0, 0, forced, null);
    }

    static CanaryReport settled(long id, int version, Instant since) {
        return new CanaryReport(id, "canary-" + id, posture(KERNEL, version, HostPosture.READY, 0, false), since, List.of());
    }

    static CanaryReport withEvent(long id, CanaryEvent e) {
        return new CanaryReport(id, "canary-" + id, posture(KERNEL, 3, HostPosture.READY, 0, false), START, List.of(e));
    }

    static RolloutDecision decide(List<CanaryReport> canaries, Instant now) {
        return RolloutRule.decide(ROLLOUT, ONE_CANARY, DEADLINE, canaries, now);
    }

    @Test
    void aRevertedApplyOfTheVersionHaltsNamingTheCanaryAndItsReason() {
        RolloutDecision d = decide(List.of(withEvent(7, CanaryEvent.of(START.plusSeconds(90), CanaryEvent.Kind.APPLY_REVERTED, null, 4,
                "1 blocking task (kworker/0:3 1234, kernel thread in io_uring_setup)"))), START.plusSeconds(100));
        assertThat(d).isInstanceOf(RolloutDecision.Halt.class);
        assertThat(((RolloutDecision.Halt) d).signal()).isInstanceOf(HaltSignal.FailedApply.class);
        assertThat(d.reason()).isEqualTo("canary canary-7 (system 7) reported a reverted apply of version 4: "
                + "1 blocking task (kworker/0:3 1234, kernel thread in io_uring_setup)");
    }

    @Test
    void aFailedApplyOfTheVersionHalts() {
        RolloutDecision d = decide(List.of(withEvent(7, CanaryEvent.of(START.plusSeconds(5), CanaryEvent.Kind.APPLY_FAILED, null, 4,
                "signature check failed"))), START.plusSeconds(10));
        assertThat(d.reason()).contains("reported a failed apply of version 4: signature check failed");
    }

    @Test
    void aTransitionStuckPastTheCanaryDeadlineHaltsWithItsRealElapsedTime() {
        CanaryReport stuck = new CanaryReport(3, "c3", posture(KERNEL, 4, HostPosture.IN_PROGRESS, 95, false), START.plusSeconds(10), List.of());
        RolloutDecision d = decide(List.of(stuck), START.plusSeconds(120));
        assertThat(((RolloutDecision.Halt) d).signal()).isInstanceOf(HaltSignal.StuckTransition.class);
        assertThat(d.reason()).isEqualTo("canary c3 (system 3) has a transition to version 4 stuck for 95 s, past the deadline of 60 s");
    }

    @Test
    void aStuckTransitionThatItsOnTimeoutActionEndedStillHalts() {
        CanaryEvent stuck = new CanaryEvent(START.plusSeconds(70), CanaryEvent.Kind.STUCK_TRANSITION, null, 4, Duration.ofSeconds(72),
                "transition stuck");
        RolloutDecision d = decide(List.of(withEvent(5, stuck)), START.plusSeconds(200));
        assertThat(d.reason()).contains("stuck for 72 s, past the deadline of 60 s");
    }

    @Test
    void aTransitionStillWithinItsDeadlineIsNoSignal() {
        CanaryReport moving = new CanaryReport(3, "c3", posture(KERNEL, 4, HostPosture.IN_PROGRESS, 30, false), START.plusSeconds(10), List.of());
        assertThat(decide(List.of(moving), START.plusSeconds(40))).isInstanceOf(RolloutDecision.Wait.class);
    }

    @Test
    void aForcedTransitionOfTheVersionHalts() {
        RolloutDecision d = decide(List.of(withEvent(9, CanaryEvent.of(START.plusSeconds(61), CanaryEvent.Kind.APPLY_FORCED, null, 4,
                "transition forced past 1 blocking task(s)"))), START.plusSeconds(100));
        assertThat(((RolloutDecision.Halt) d).signal()).isInstanceOf(HaltSignal.ForcedTransition.class);
        assertThat(d.reason()).startsWith("canary canary-9 (system 9) had its transition to version 4 forced");
    }

    @Test
    void aCanaryReportingTheVersionForcedSinceTheRolloutStartedHaltsEvenWithoutTheApplyReport() {
        CanaryReport forced = new CanaryReport(2, "c2", posture(KERNEL, 4, HostPosture.READY, 0, true), START.plusSeconds(30), List.of());
        assertThat(decide(List.of(forced), START.plusSeconds(40))).isInstanceOf(RolloutDecision.Halt.class);
    }

    @Test
    void newTaintWhileRunningTheVersionHalts() {
        RolloutDecision d = decide(List.of(withEvent(4, CanaryEvent.of(START.plusSeconds(300), CanaryEvent.Kind.NEW_TAINT, null, 4,
                "flags 0x200 (W) (now 0xb200)"))), START.plusSeconds(400));
        assertThat(((RolloutDecision.Halt) d).signal()).isInstanceOf(HaltSignal.NewTaint.class);
        assertThat(d.reason()).isEqualTo("canary canary-4 (system 4) reported new taint flags 0x200 (W) (now 0xb200) while running version 4");
    }

    @Test
    void signalsAboutAnotherVersionOrFromBeforeTheRolloutDoNotHalt() {
        CanaryReport older = withEvent(1, CanaryEvent.of(START.minusSeconds(10), CanaryEvent.Kind.APPLY_REVERTED, null, 4, "before"));
        CanaryReport other = withEvent(2, CanaryEvent.of(START.plusSeconds(10), CanaryEvent.Kind.APPLY_REVERTED, null, 3, "other version"));
        assertThat(decide(List.of(older, other), START.plusSeconds(20))).isNotInstanceOf(RolloutDecision.Halt.class);
    }

    @Test
    void aFailureOfTheSameVersionNumberOnAnotherKernelDoesNotHalt() {
        CanaryReport onOtherKernel = withEvent(1, CanaryEvent.of(START.plusSeconds(10), CanaryEvent.Kind.APPLY_REVERTED, OTHER_KERNEL, 4,
                "version 4 of the other kernel's live patch"));
        CanaryReport movedSince = new CanaryReport(2, "canary-2", posture(OTHER_KERNEL, 2, HostPosture.READY, 0, false), START,
                List.of(CanaryEvent.of(START.plusSeconds(10), CanaryEvent.Kind.APPLY_FAILED, KERNEL, 4, "failed before its reboot")));
        assertThat(decide(List.of(onOtherKernel), START.plusSeconds(20))).isNotInstanceOf(RolloutDecision.Halt.class);
        assertThat(decide(List.of(movedSince), START.plusSeconds(20))).as("the event names its kernel, wherever the canary runs now")
                .isInstanceOf(RolloutDecision.Halt.class);
    }

    @Test
    void noCanaryOnTheKernelHoldsTheRolloutAndSaysSo() {
        CanaryReport elsewhere = new CanaryReport(1, "c1", posture(OTHER_KERNEL, 2, HostPosture.READY, 0, false), START, List.of());
        CanaryReport silent = new CanaryReport(2, "c2", null, null, List.of());
        RolloutDecision d = decide(List.of(elsewhere, silent), START.plus(Duration.ofDays(30)));
        assertThat(d).isInstanceOf(RolloutDecision.Hold.class);
        assertThat(d.reason()).isEqualTo("held: no canary of group canary runs kernel " + KERNEL
                + "; promotion needs 1 canary settled on version 4 for 3600 s");
    }

    @Test
    void aForcedCanaryIsNoEvidenceForPromotion() {
        CanaryReport forcedBeforeTheRollout = new CanaryReport(2, "c2", posture(KERNEL, 4, HostPosture.READY, 0, true), START.minusSeconds(60),
                List.of());
        RolloutDecision d = decide(List.of(forcedBeforeTheRollout), START.plus(Duration.ofDays(2)));
        assertThat(d).isInstanceOf(RolloutDecision.Wait.class);
        assertThat(d.reason()).startsWith("waiting: 0 of 1 canary on kernel " + KERNEL + " settled on version 4");
    }

    @Test
    void aSettledCanaryPromotesOnlyAfterItSoakedOnTheVersion() {
        Instant settledAt = START.plusSeconds(120);
        RolloutDecision early = decide(List.of(settled(1, 4, settledAt)), settledAt.plusSeconds(3599));
        assertThat(early).isInstanceOf(RolloutDecision.Wait.class);
        assertThat(((RolloutDecision.Wait) early).until()).isEqualTo(settledAt.plusSeconds(3600));
        RolloutDecision later = decide(List.of(settled(1, 4, settledAt)), settledAt.plusSeconds(3600));
        assertThat(later).isInstanceOf(RolloutDecision.Promote.class);
        assertThat(later.reason()).startsWith("promoted: 1 canary (canary-1 (system 1)) ran version 4 on kernel " + KERNEL);
    }

    @Test
    void aCanaryOnAnOlderVersionGivesNoEvidence() {
        RolloutDecision d = decide(List.of(settled(1, 3, START)), START.plus(Duration.ofDays(2)));
        assertThat(d).isInstanceOf(RolloutDecision.Wait.class);
    }

    @Test
    void promotionWaitsForTheGroupsNumberOfCanaries() {
        UpdatePolicy.Staged three = new UpdatePolicy.Staged("canary", Duration.ofHours(1), 3);
        List<CanaryReport> two = List.of(settled(1, 4, START), settled(2, 4, START));
        assertThat(RolloutRule.decide(ROLLOUT, three, DEADLINE, two, START.plus(Duration.ofDays(1)))).isInstanceOf(RolloutDecision.Wait.class);
        List<CanaryReport> three3 = List.of(settled(1, 4, START), settled(2, 4, START), settled(3, 4, START.plusSeconds(600)));
        assertThat(RolloutRule.decide(ROLLOUT, three, DEADLINE, three3, START.plusSeconds(3600 + 599))).isInstanceOf(RolloutDecision.Wait.class);
        assertThat(RolloutRule.decide(ROLLOUT, three, DEADLINE, three3, START.plusSeconds(3600 + 600))).isInstanceOf(RolloutDecision.Promote.class);
    }

    @Test
    void oneBadCanaryHaltsWhateverTheOthersSettled() {
        List<CanaryReport> canaries = List.of(settled(1, 4, START), settled(2, 4, START),
                withEvent(3, CanaryEvent.of(START.plusSeconds(5), CanaryEvent.Kind.APPLY_REVERTED, null, 4, "blocked")));
        assertThat(decide(canaries, START.plus(Duration.ofDays(1)))).isInstanceOf(RolloutDecision.Halt.class);
    }
}
