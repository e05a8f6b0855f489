package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.klp.core.scope.ScopePolicy;

class SyntheticFleetMixTest {

    private static final MixCheck CHECK = new MixCheck(0.03);

    private static SyntheticFleet small() {
        return SyntheticFleet.generate(new SyntheticFleet.Shape(20_000, 300, 2_000, 8, 25, 50, 42), SyntheticFleet.Mix.REALISTIC);
    }

    @Test
    void theRealisticFleetHasTheMixItIntends() {
        SyntheticFleet fleet = small();
        PostureAudit audit = PostureAudit.create(ScopePolicy.DEFAULT, ZoneOffset.UTC);
        fleet.feed(audit);
        Map<Verdict, Integer> measured = audit.summary(fleet.now(), HostFilter.ALL, 0).hostsByWorstVerdict();

        assertThat(CHECK.refusal(measured, fleet.intendedMix(), 20_000)).as(MixCheck.describe(measured, fleet.intendedMix())).isEmpty();
    }

    @Test
    void theIntendedMixIsNearTheStatedTargetAndOnePercentStale() {
        Map<Verdict, Double> intended = small().intendedMix();

        assertThat(intended.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        SyntheticFleet.REALISTIC_TARGET.forEach((v, target) -> assertThat(intended.get(v)).as(v.name())
                .isCloseTo(target, org.assertj.core.data.Offset.offset(0.05)));
        assertThat(intended.get(Verdict.UNKNOWN)).isBetween(0.005, 0.01);
    }

    @Test
    void aFleetOfStaleHostsIsRefused() {
        Map<Verdict, Integer> allUnknown = new EnumMap<>(Verdict.class);
        allUnknown.put(Verdict.UNKNOWN, 20_000);

        assertThat(CHECK.refusal(allUnknown, small().intendedMix(), 20_000)).hasValueSatisfying(r -> assertThat(r).contains("UNKNOWN"));
    }

    @Test
    void anEmptyAuditIsRefused() {
        assertThat(CHECK.refusal(Map.of(), small().intendedMix(), 20_000)).hasValueSatisfying(r -> assertThat(r).contains("holds 0 hosts"));
    }

    @Test
    void aMixFarFromTheIntendedOneIsRefusedAndNamesTheVerdictsOff() {
        Map<Verdict, Double> intended = small().intendedMix();
        Map<Verdict, Integer> shifted = new EnumMap<>(Verdict.class);
        intended.forEach((v, share) -> shifted.put(v, (int) Math.round(share * 20_000)));
        int moved = 2_000;
        shifted.merge(Verdict.PATCHED_BY_LIVE_PATCH, -moved, Integer::sum);
        shifted.merge(Verdict.REBOOT_REQUIRED, moved, Integer::sum);
        int total = shifted.values().stream().mapToInt(Integer::intValue).sum();
        shifted.merge(Verdict.REBOOT_REQUIRED, 20_000 - total, Integer::sum);

        assertThat(CHECK.refusal(shifted, intended, 20_000)).hasValueSatisfying(r -> assertThat(r).contains("PATCHED_BY_LIVE_PATCH")
                .contains("REBOOT_REQUIRED").doesNotContain("NO_FIX_YET"));
    }
}
