package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.klp.core.audit.World.at;
import static org.klp.core.audit.World.facts;
import static org.klp.core.audit.World.k;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.FixCategory;

/**
 * The verdict rules, case by case. Every case goes through {@link World#evidence}, which also
 * checks the naive oracle and the one-CVE query agree with the host report.
 */
class VerdictRulesTest {

    static final KernelRelease K49 = k("5.14.21-150500.55.49-default");
    static final KernelRelease K52 = k("5.14.21-150500.55.52-default");
    static final KernelRelease K55 = k("5.14.21-150500.55.55-default");
    static final KernelRelease RT = k("5.14.21-150500.55.60-rt");
    static final KernelRelease SP6 = k("6.4.0-150600.23.7-default");
    static final String CVE = "CVE-2024-50115";
    static final Instant NOW = at("2025-01-01");

    static CveRecord cve(String id, double cvss, FixCategory category, boolean livePatchPossible, AffectedStream... affected) {
        return new CveRecord(id, cvss, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "a flaw", LocalDate.parse("2024-10-01"),
                category, livePatchPossible, List.of(affected));
    }

    /** K49, K52 and K55 of one stream; the CVE is fixed in K55; K49 has live patch 2 (and 3) carrying it. */
    static World world() {
        return new World()
                .kernel(K49, "2024-03-01", "2025-03-01")
                .kernel(K52, "2024-06-01", "2025-06-01")
                .kernel(K55, "2024-09-01", "2025-09-01")
                .kernel(SP6, "2024-09-01", "2025-09-01")
                .cve(cve(CVE, 7.8, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)))
                .livePatch(K49, 1, "2024-03-01")
                .livePatch(K49, 2, "2024-10-15", CVE)
                .livePatch(K49, 3, "2024-11-15", CVE, "CVE-2024-99999");
    }

    @Test
    void kernelOfAStreamTheCveDoesNotListIsNotAffected() {
        World w = world().host(facts(1, Posture.unpatched(SP6)));
        assertThat(w.evidence(1, CVE, NOW)).isEqualTo(new Evidence.NotAffected(SP6));
    }

    @Test
    void kernelBeforeTheFlawWasIntroducedIsNotAffected() {
        World w = world()
                .cve(cve("CVE-2024-11111", 8.0, FixCategory.SECURITY, true, new AffectedStream(K52.stream(), K52, K55)))
                .host(facts(1, Posture.unpatched(K49)))
                .host(facts(2, Posture.unpatched(K52)));
        assertThat(w.evidence(1, "CVE-2024-11111", NOW).verdict()).isEqualTo(Verdict.NOT_AFFECTED);
        assertThat(w.evidence(2, "CVE-2024-11111", NOW).verdict()).isEqualTo(Verdict.REBOOT_REQUIRED);
    }

    @Test
    void runningTheFixedReleaseOrLaterIsPatchedByKernel() {
        World w = world().host(facts(1, Posture.unpatched(K55)));
        assertThat(w.evidence(1, CVE, NOW)).isEqualTo(new Evidence.PatchedByKernel(K55, K55));
    }

    @Test
    void loadedCarryingVersionWithCompleteTransitionPatchesAndNamesThePackage() {
        World w = world().host(facts(1, Posture.loaded(K49, 3)));
        Evidence e = w.evidence(1, CVE, NOW);
        assertThat(e).isEqualTo(new Evidence.PatchedByLivePatch(K49, 3, 2,
                "kernel-livepatch-5_14_21-150500_55_49-default-2", LocalDate.parse("2024-10-15")));
        assertThat(e.explain()).contains("version 3 is loaded", "kernel-livepatch-5_14_21-150500_55_49-default-2", "2024-10-15");
    }

    @Test
    void transitionNotCompleteIsInProgressNotPatched() {
        World w = world().host(facts(1, new Posture(K49, 2, Transition.IN_PROGRESS, false)));
        Evidence e = w.evidence(1, CVE, NOW);
        assertThat(e.verdict()).isEqualTo(Verdict.LIVE_PATCH_IN_PROGRESS);
        assertThat(((Evidence.LivePatchInProgress) e).transition()).isEqualTo(Transition.IN_PROGRESS);
        assertThat(e.explain()).contains("klp blocking");
    }

    @Test
    void forcedTransitionIsInProgressBecauseOldCodeMayStillRun() {
        World w = world().host(facts(1, new Posture(K49, 2, Transition.COMPLETE, true)));
        Evidence e = w.evidence(1, CVE, NOW);
        assertThat(e).isEqualTo(new Evidence.LivePatchInProgress(K49, 2, 2,
                "kernel-livepatch-5_14_21-150500_55_49-default-2", LocalDate.parse("2024-10-15"), Transition.COMPLETE, true));
        assertThat(e.explain()).contains("forced");
    }

    @Test
    void loadedVersionBelowTheCarryingOneLeavesTheLivePatchAvailable() {
        World w = world().host(facts(1, Posture.loaded(K49, 1))).host(facts(2, Posture.unpatched(K49)));
        Evidence e = w.evidence(1, CVE, NOW);
        assertThat(e).isEqualTo(new Evidence.LivePatchAvailable(K49, 1, 2,
                "kernel-livepatch-5_14_21-150500_55_49-default-2", LocalDate.parse("2024-10-15"), 0));
        assertThat(((Evidence.LivePatchAvailable) e).heldBackByPin()).isFalse();
        assertThat(e.explain()).contains("not applied yet");
        assertThat(w.evidence(2, CVE, NOW).explain()).contains("no live patch is loaded");
    }

    @Test
    void pinnedGroupHoldsBackTheFixAndSaysSo() {
        World w = world().host(new HostFacts(1, 7, Posture.loaded(K49, 1), 1, List.of(), NOW, World.HOUR));
        Evidence.LivePatchAvailable e = (Evidence.LivePatchAvailable) w.evidence(1, CVE, NOW);
        assertThat(e.heldBackByPin()).isTrue();
        assertThat(e.pinnedVersion()).isEqualTo(1);
        assertThat(e.explain()).contains("held back by the group's pin to version 1");
    }

    @Test
    void aHaltedRolloutHoldsBackAndSaysSoRatherThanNamingAPin() {
        World w = world().host(new HostFacts(1, 7, Posture.loaded(K49, 1), 1, HoldReason.HALTED_ROLLOUT, List.of(), NOW, World.HOUR))
                .host(new HostFacts(2, 8, Posture.loaded(K49, 1), 1, HoldReason.STAGED_ROLLOUT, List.of(), NOW, World.HOUR));
        Evidence.LivePatchAvailable halted = (Evidence.LivePatchAvailable) w.evidence(1, CVE, NOW);
        assertThat(halted.heldBack()).isTrue();
        assertThat(halted.heldBackByPin()).isFalse();
        assertThat(halted.explain()).contains("held back at version 1: the rollout of a newer version is halted").doesNotContain("pin");
        assertThat(w.evidence(2, CVE, NOW).explain()).contains("a newer version is still with the canaries of the group's staged rollout");
    }

    @Test
    void pinAtOrAboveTheCarryingVersionDoesNotHoldBack() {
        World w = world().host(new HostFacts(1, 7, Posture.loaded(K49, 1), 2, List.of(), NOW, World.HOUR));
        Evidence.LivePatchAvailable e = (Evidence.LivePatchAvailable) w.evidence(1, CVE, NOW);
        assertThat(e.heldBackByPin()).isFalse();
    }

    @Test
    void pinBelowAnAlreadyLoadedCarryingVersionDoesNotUndoTheCurrentPatch() {
        World w = world().host(new HostFacts(1, 7, Posture.loaded(K49, 3), 1, List.of(), NOW, World.HOUR));
        assertThat(w.evidence(1, CVE, NOW).verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
    }

    @Test
    void installedFixedKernelNotYetRunningIsRebootPending() {
        World w = world().host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(K52, K55), NOW, World.HOUR));
        assertThat(w.evidence(1, CVE, NOW)).isEqualTo(new Evidence.RebootPending(K52, K55));
    }

    @Test
    void installedKernelOfAnUnaffectedNewerStreamIsRebootPendingToo() {
        World w = world().cve(cve("CVE-2024-22222", 9.0, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(SP6), NOW, World.HOUR));
        assertThat(w.evidence(1, "CVE-2024-22222", NOW)).isEqualTo(new Evidence.RebootPending(K52, SP6));
    }

    @Test
    void availableLivePatchWinsOverAPendingRebootBecauseItNeedsNone() {
        World w = world().host(new HostFacts(1, 0, Posture.loaded(K49, 1), 0, List.of(K55), NOW, World.HOUR));
        assertThat(w.evidence(1, CVE, NOW).verdict()).isEqualTo(Verdict.LIVE_PATCH_AVAILABLE);
    }

    @Test
    void olderOrOtherFlavorOrStillAffectedInstalledKernelsAreNoPendingReboot() {
        World w = world()
                .host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(K49), NOW, World.HOUR))
                .host(new HostFacts(2, 0, Posture.unpatched(K52), 0, List.of(RT), NOW, World.HOUR))
                .host(new HostFacts(3, 0, Posture.unpatched(K49), 0, List.of(K52), NOW, World.HOUR));
        assertThat(w.evidence(1, CVE, NOW).verdict()).isEqualTo(Verdict.REBOOT_REQUIRED);
        assertThat(w.evidence(2, CVE, NOW).verdict()).isEqualTo(Verdict.REBOOT_REQUIRED);
        // K49 has a live patch carrying the fix, so it is available, not pending a reboot into K52 (still affected anyway)
        assertThat(w.evidence(3, CVE, NOW).verdict()).isEqualTo(Verdict.LIVE_PATCH_AVAILABLE);
    }

    @Test
    void rebootPendingLooksOnlyAtTheKernelTheHostBootsNext() {
        // K55 is fixed, but the newest installed kernel (the boot default) is an SP6 kernel still affected
        World w = world().cve(cve("CVE-2024-33333", 9.0, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55),
                        AffectedStream.unfixed(SP6.stream())))
                .host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(K55, SP6), NOW, World.HOUR));
        assertThat(w.evidence(1, "CVE-2024-33333", NOW).verdict()).isEqualTo(Verdict.REBOOT_REQUIRED);
    }

    @Test
    void fixedInKernelButNotLivePatchableRequiresRebootAndSaysWhy() {
        World w = world().cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K55)))
                .host(facts(1, Posture.loaded(K49, 3)));
        Evidence e = w.evidence(1, "CVE-2024-44444", NOW);
        assertThat(e).isEqualTo(new Evidence.RebootRequired(K49, K55, RebootReason.NOT_LIVE_PATCHABLE, LocalDate.parse("2025-03-01")));
        assertThat(e.explain()).contains("data structures");
    }

    @Test
    void fixOutOfScopeRequiresRebootAndSaysWhy() {
        World w = world().cve(cve("CVE-2024-55555", 5.5, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)))
                .host(facts(1, Posture.loaded(K49, 3)));
        assertThat(((Evidence.RebootRequired) w.evidence(1, "CVE-2024-55555", NOW)).reason()).isEqualTo(RebootReason.OUT_OF_SCOPE);
    }

    @Test
    void stabilityFixBelowTheScoreThresholdStillQualifies() {
        World w = world().cve(cve("CVE-2024-55556", 4.0, FixCategory.STABILITY, true, AffectedStream.fixedIn(K55)))
                .host(facts(1, Posture.loaded(K52, 1)));
        assertThat(((Evidence.RebootRequired) w.evidence(1, "CVE-2024-55556", NOW)).reason()).isEqualTo(RebootReason.NO_LIVE_PATCH_PUBLISHED);
    }

    @Test
    void kernelPastEndOfSupportRequiresRebootFromTheDayAfterItsLastDay() {
        World w = world().host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(), at("2025-06-02"), World.HOUR));
        Evidence.RebootRequired lastDay = (Evidence.RebootRequired) w.evidence(1, CVE, at("2025-06-01"));
        assertThat(lastDay.reason()).isEqualTo(RebootReason.NO_LIVE_PATCH_PUBLISHED);
        Evidence.RebootRequired after = (Evidence.RebootRequired) w.evidence(1, CVE, at("2025-06-02"));
        assertThat(after.reason()).isEqualTo(RebootReason.KERNEL_PAST_END_OF_SUPPORT);
        assertThat(after.endOfSupport()).isEqualTo(LocalDate.parse("2025-06-01"));
        assertThat(after.explain()).contains("past the end", "2025-06-01");
    }

    @Test
    void cveOwnReasonComesBeforeTheKernelsExpiry() {
        World w = world().cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K55)))
                .host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(), at("2025-07-01"), World.HOUR));
        assertThat(((Evidence.RebootRequired) w.evidence(1, "CVE-2024-44444", at("2025-07-01"))).reason())
                .isEqualTo(RebootReason.NOT_LIVE_PATCHABLE);
    }

    @Test
    void livePatchPublishedAfterEndOfSupportStillCountsBecauseItExists() {
        World w = world().livePatch(K52, 2, "2025-07-01", CVE)
                .host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(), at("2025-08-01"), World.HOUR))
                .host(new HostFacts(2, 0, Posture.loaded(K52, 2), 0, List.of(), at("2025-08-01"), World.HOUR));
        assertThat(w.evidence(1, CVE, at("2025-08-01")).verdict()).isEqualTo(Verdict.LIVE_PATCH_AVAILABLE);
        assertThat(w.evidence(2, CVE, at("2025-08-01")).verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
    }

    @Test
    void expiredKernelKeepsItsLoadedLivePatch() {
        World w = world().host(new HostFacts(1, 0, Posture.loaded(K49, 2), 0, List.of(), at("2025-05-01"), World.HOUR));
        assertThat(w.evidence(1, CVE, at("2025-05-01")).verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
    }

    @Test
    void noKernelOfTheStreamWithTheFixIsNoFixYet() {
        World w = world().cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .host(facts(1, Posture.loaded(K52, 1)));
        assertThat(w.evidence(1, "CVE-2024-66666", NOW)).isEqualTo(new Evidence.NoFixYet(K52));
    }

    @Test
    void aNewerKernelOfTheStreamWhoseLivePatchCarriesTheFixMakesItRebootRequiredNamingThatKernel() {
        World w = world().cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .livePatch(K52, 1, "2024-06-01")
                .livePatch(K52, 2, "2024-12-01", "CVE-2024-66666")
                .host(facts(1, Posture.loaded(K49, 3)));
        Evidence e = w.evidence(1, "CVE-2024-66666", NOW);
        assertThat(e).isEqualTo(new Evidence.RebootRequired(K49, K52, "kernel-livepatch-5_14_21-150500_55_52-default-2",
                RebootReason.NO_LIVE_PATCH_PUBLISHED, LocalDate.parse("2025-03-01")));
        assertThat(e.explain()).contains("kernel-livepatch-5_14_21-150500_55_52-default-2 carries it for the newer kernel " + K52)
                .contains("reboot into " + K52 + " and apply it");
    }

    @Test
    void onlyALivePatchForAnOlderKernelOfTheStreamLeavesNoFixYet() {
        World w = world().cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .livePatch(K49, 4, "2024-12-01", CVE, "CVE-2024-99999", "CVE-2024-66666")
                .host(facts(1, Posture.unpatched(K52)));
        assertThat(w.evidence(1, "CVE-2024-66666", NOW)).isEqualTo(new Evidence.NoFixYet(K52));
    }

    @Test
    void livePatchMayCarryAFixBeforeAnyKernelDoes() {
        World w = world().cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .livePatch(K49, 4, "2024-12-01", CVE, "CVE-2024-99999", "CVE-2024-66666")
                .host(facts(1, Posture.loaded(K49, 3)))
                .host(facts(2, Posture.loaded(K49, 4)));
        assertThat(w.evidence(1, "CVE-2024-66666", NOW).verdict()).isEqualTo(Verdict.LIVE_PATCH_AVAILABLE);
        assertThat(w.evidence(2, "CVE-2024-66666", NOW).verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
    }

    @Test
    void kernelUnknownToTheCatalogHasNoEndOfSupportAndNoLivePatch() {
        KernelRelease custom = k("5.14.21-150500.55.50-default");
        World w = world().host(facts(1, Posture.unpatched(custom)));
        assertThat(w.evidence(1, CVE, NOW)).isEqualTo(new Evidence.RebootRequired(custom, K55, RebootReason.NO_LIVE_PATCH_PUBLISHED, null));
    }

    @Test
    void staleHostIsUnknownAndKeepsItsLastKnownVerdictAsEvidence() {
        Instant checkedIn = at("2024-12-31");
        World w = world().host(new HostFacts(1, 0, Posture.loaded(K49, 3), 0, List.of(), checkedIn, Duration.ofHours(4)));
        Evidence.Unknown e = (Evidence.Unknown) w.evidence(1, CVE, NOW);
        assertThat(e.lastCheckIn()).isEqualTo(checkedIn);
        assertThat(e.deadline()).isEqualTo(checkedIn.plus(Duration.ofHours(4)));
        assertThat(e.lastKnown().verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
        assertThat(e.explain()).contains("last known: PATCHED_BY_LIVE_PATCH");
    }

    @Test
    void staleHostWithAPendingRebootIsUnknownToo() {
        World w = world().host(new HostFacts(1, 0, Posture.unpatched(K52), 0, List.of(K55), at("2024-12-01"), World.HOUR));
        Evidence.Unknown e = (Evidence.Unknown) w.evidence(1, CVE, NOW);
        assertThat(e.lastKnown()).isEqualTo(new Evidence.RebootPending(K52, K55));
    }

    @Test
    void staleHostKeepsVerdictsThatOnlyItsKernelDecides() {
        World w = world().host(new HostFacts(1, 0, Posture.unpatched(K55), 0, List.of(), at("2024-12-01"), World.HOUR))
                .host(new HostFacts(2, 0, Posture.unpatched(SP6), 0, List.of(), at("2024-12-01"), World.HOUR));
        assertThat(w.evidence(1, CVE, NOW).verdict()).isEqualTo(Verdict.PATCHED_BY_KERNEL);
        assertThat(w.evidence(2, CVE, NOW).verdict()).isEqualTo(Verdict.NOT_AFFECTED);
    }

    @Test
    void hostIsStaleOnlyAfterItsDeadlineNotAtIt() {
        Instant checkedIn = at("2025-01-01");
        World w = world().host(new HostFacts(1, 0, Posture.loaded(K49, 3), 0, List.of(), checkedIn, World.HOUR));
        assertThat(w.evidence(1, CVE, checkedIn.plus(World.HOUR)).verdict()).isEqualTo(Verdict.PATCHED_BY_LIVE_PATCH);
        assertThat(w.evidence(1, CVE, checkedIn.plus(World.HOUR).plusNanos(1)).verdict()).isEqualTo(Verdict.UNKNOWN);
    }

    @Test
    void verdictsRankInTheirDeclaredOrderAndSayWhatTheyMean() {
        Verdict[] all = Verdict.values();
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i].rank()).as("rank of %s", all[i]).isEqualTo(i);
            assertThat(all[i].description()).isNotBlank();
        }
        assertThat(Verdict.worse(Verdict.LIVE_PATCH_AVAILABLE, Verdict.REBOOT_PENDING)).isEqualTo(Verdict.REBOOT_PENDING);
        assertThat(Verdict.PATCHED_BY_LIVE_PATCH.atRisk()).isFalse();
        assertThat(Verdict.LIVE_PATCH_IN_PROGRESS.atRisk()).isTrue();
    }
}
