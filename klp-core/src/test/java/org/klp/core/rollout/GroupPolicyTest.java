package org.klp.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A group's policy: a closed set of update policies, with a range for every value. */
class GroupPolicyTest {

    @Test
    void aStagedPolicyNeedsACanaryGroupAndDefaultsToOneCanaryAndADayOfSoak() {
        GroupPolicy g = GroupPolicy.of("prod", "staged", "canary", null, null, false, null, null);
        assertThat(g.update()).isEqualTo(new UpdatePolicy.Staged("canary", Duration.ofHours(24), 1));
        assertThat(g.onTimeout()).isEqualTo(OnTimeout.REVERT);
        assertThat(g.transitionTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThatThrownBy(() -> GroupPolicy.of("prod", "staged", null, null, null, false, null, null)).hasMessageContaining("needs a canaryGroup");
    }

    @Test
    void canarySettingsBelongToTheStagedPolicyOnly() {
        assertThatThrownBy(() -> GroupPolicy.of("web", "latest", null, null, 2, false, null, null))
                .hasMessageContaining("only for the staged policy");
    }

    @Test
    void aTransitionDeadlineIsFromOneSecondToADay() {
        assertThatThrownBy(() -> GroupPolicy.of("web", "latest", null, null, null, false, null, Duration.ofSeconds(Long.MAX_VALUE)))
                .hasMessageContaining("transitionTimeout must be from 1 to 86400 seconds");
        assertThatThrownBy(() -> GroupPolicy.of("web", "latest", null, null, null, false, null, Duration.ZERO))
                .hasMessageContaining("transitionTimeout must be from 1 to 86400 seconds, was 0");
    }

    @Test
    void waitIsAnOnTimeoutActionBesideRevertAndForce() {
        assertThat(GroupPolicy.of("batch", "pin", null, null, null, true, "wait", Duration.ofSeconds(30)).onTimeout()).isEqualTo(OnTimeout.WAIT);
        assertThatThrownBy(() -> OnTimeout.parse("panic")).hasMessage("onTimeout must be revert, force or wait, was 'panic'");
    }

    @Test
    void aGroupIsNotItsOwnCanaryAndNamesAreSafeInPathsAndUrls() {
        assertThatThrownBy(() -> GroupPolicy.of("prod", "staged", "prod", null, null, false, null, null)).hasMessageContaining("its own canary");
        assertThatThrownBy(() -> GroupPolicy.latest("../etc")).hasMessageContaining("Not a group name");
        assertThatThrownBy(() -> new UpdatePolicy.Staged("canary", Duration.ofDays(91), 1)).hasMessageContaining("soak must be from 0 to");
        assertThatThrownBy(() -> new UpdatePolicy.Staged("canary", Duration.ofHours(1), 0)).hasMessageContaining("minCanaries must be from 1");
    }
}
