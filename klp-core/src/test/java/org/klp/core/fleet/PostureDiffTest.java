package org.klp.core.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What changed between two postures of one host. */
class PostureDiffTest {

    static final String K1 = "5.14.21-150500.55.83-default";
    static final String K2 = "5.14.21-150500.55.88-default";
    static final long LIVE_PATCH_TAINT = TaintFlags.EXPECTED_WITH_LIVE_PATCH;

    static HostPosture posture(String kernel, int version, String transition, long taint, boolean forced, HostPosture.ApplyReport last) {
        return new HostPosture(kernel, List.of(kernel), List.of(), null, null, version, transition, 0, 0, taint, forced, last);
    }

    static HostPosture.ApplyReport report(String result, int target, String at) {
        return new HostPosture.ApplyReport("update", target, result, "why", at);
    }

    @Test
    void aRepeatedCheckinChangesNothing() {
        HostPosture p = posture(K1, 3, HostPosture.READY, LIVE_PATCH_TAINT, false, report("completed", 3, "2025-06-01T10:00:00Z"));
        assertThat(PostureDiff.between(p, p)).isEmpty();
    }

    @Test
    void theFirstCheckinSaysWhatTheHostRuns() {
        assertThat(PostureDiff.between(null, posture(K1, 0, HostPosture.READY, 0, false, null)))
                .containsExactly(new PostureChange.FirstCheckin(K1, 0));
    }

    @Test
    void anotherKernelIsAKernelChangeAndItsTaintIsNotNew() {
        List<PostureChange> c = PostureDiff.between(posture(K1, 3, HostPosture.READY, 0, false, null),
                posture(K2, 0, HostPosture.READY, 1L << 9, false, null));
        assertThat(c).containsExactly(new PostureChange.KernelChanged(K1, K2, 0));
    }

    @Test
    void aNewVersionOrAForcedTransitionIsALivePatchChange() {
        assertThat(PostureDiff.between(posture(K1, 3, HostPosture.READY, 0, false, null), posture(K1, 4, HostPosture.IN_PROGRESS, 0, false, null)))
                .containsExactly(new PostureChange.LivePatchChanged(3, 4, HostPosture.IN_PROGRESS, false));
        assertThat(PostureDiff.between(posture(K1, 4, HostPosture.IN_PROGRESS, 0, false, null), posture(K1, 4, HostPosture.READY, 0, true, null)))
                .containsExactly(new PostureChange.LivePatchChanged(4, 4, HostPosture.READY, true));
    }

    @Test
    void anApplyThatEndedSinceThePreviousCheckinIsReportedWithItsVersion() {
        HostPosture before = posture(K1, 3, HostPosture.READY, 0, false, report("completed", 3, "2025-06-01T10:00:00Z"));
        HostPosture after = posture(K1, 3, HostPosture.READY, 0, false, report("reverted", 4, "2025-06-01T11:00:00Z"));
        List<PostureChange> c = PostureDiff.between(before, after);
        assertThat(c).hasSize(1);
        assertThat(c.get(0).kind()).isEqualTo("apply-reverted");
        assertThat(c.get(0).version()).isEqualTo(4);
        assertThat(c.get(0).message()).isEqualTo("update to version 4: reverted (why)");
    }

    @Test
    void taintFlagsThatALivePatchSetsAreNotNewButAWarningIs() {
        HostPosture before = posture(K1, 3, HostPosture.READY, 0, false, null);
        assertThat(PostureDiff.between(before, posture(K1, 3, HostPosture.READY, LIVE_PATCH_TAINT, false, null))).isEmpty();
        List<PostureChange> c = PostureDiff.between(before, posture(K1, 3, HostPosture.READY, LIVE_PATCH_TAINT | (1L << 9), false, null));
        assertThat(c).containsExactly(new PostureChange.NewTaint(1L << 9, LIVE_PATCH_TAINT | (1L << 9), 3));
        assertThat(c.get(0).message()).isEqualTo("new taint flags 0x200 (W) (now 0xb200)");
    }
}
