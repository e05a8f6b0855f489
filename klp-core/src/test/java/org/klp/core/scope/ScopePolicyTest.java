package org.klp.core.scope;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

class ScopePolicyTest {

    private final ScopePolicy policy = ScopePolicy.DEFAULT;

    @Test
    void securityFixesFromCvssSevenQualify() {
        assertThat(policy.decide(Fix.security("CVE-2024-1000", 7.0, "x"))).isInstanceOf(ScopeDecision.LivePatch.class);
        assertThat(policy.decide(Fix.security("CVE-2024-1001", 6.9, "x"))).isInstanceOf(ScopeDecision.OutOfScope.class);
    }

    @Test
    void stabilityAndDataCorruptionFixesQualifyWithoutAScore() {
        assertThat(policy.qualifies(new Fix("bsc#1", 0, "oops", List.of(), FixCategory.STABILITY, false))).isTrue();
        assertThat(policy.qualifies(new Fix("bsc#2", 0, "ext4", List.of(), FixCategory.DATA_CORRUPTION, false))).isTrue();
        assertThat(policy.qualifies(new Fix("bsc#3", 0, "typo", List.of(), FixCategory.OTHER, false))).isFalse();
    }

    @Test
    void qualifyingFixThatChangesDataStructuresNeedsAReboot() {
        ScopeDecision d = policy.decide(new Fix("CVE-2024-2000", 8.8, "x", List.of(), FixCategory.SECURITY, true));
        assertThat(d).isInstanceOf(ScopeDecision.RebootRequired.class);
        assertThat(((ScopeDecision.RebootRequired) d).reason()).contains("data structures");
    }
}
