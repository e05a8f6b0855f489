package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.klp.core.audit.VerdictRulesTest.CVE;
import static org.klp.core.audit.VerdictRulesTest.K49;
import static org.klp.core.audit.VerdictRulesTest.K52;
import static org.klp.core.audit.VerdictRulesTest.K55;
import static org.klp.core.audit.VerdictRulesTest.NOW;
import static org.klp.core.audit.VerdictRulesTest.SP6;
import static org.klp.core.audit.VerdictRulesTest.cve;
import static org.klp.core.audit.World.HOUR;
import static org.klp.core.audit.World.at;

import java.time.Instant;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.NotCumulativeException;

/** The engine's events and queries on small fleets whose answers can be worked out by hand. */
class PostureAuditTest {

    static HostFacts host(int id, int group, Posture posture) {
        return new HostFacts(id, group, posture, 0, List.of(), NOW, HOUR);
    }

    static Set<Verdict> all() {
        return EnumSet.allOf(Verdict.class);
    }

    /** Hosts 1-3 unpatched on K49 (group 1), 4 on K49 with version 2 (group 1), 5 on K55 (group 2), 6 on SP6 (group 2). */
    static World fleet() {
        return VerdictRulesTest.world()
                .host(host(1, 1, Posture.unpatched(K49)))
                .host(host(2, 1, Posture.unpatched(K49)))
                .host(host(3, 1, Posture.loaded(K49, 1)))
                .host(host(4, 1, Posture.loaded(K49, 2)))
                .host(host(5, 2, Posture.unpatched(K55)))
                .host(host(6, 2, Posture.unpatched(SP6)));
    }

    @Test
    void oneCveAcrossTheFleetCountsEveryVerdictAndListsTheHostsAskedFor() {
        PostureAudit audit = fleet().audit();
        CveExposure e = audit.cve(CVE, NOW, HostFilter.ALL, Set.of(Verdict.LIVE_PATCH_AVAILABLE)).orElseThrow();
        assertThat(e.count(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(3);
        assertThat(e.count(Verdict.PATCHED_BY_LIVE_PATCH)).isEqualTo(1);
        assertThat(e.count(Verdict.PATCHED_BY_KERNEL)).isEqualTo(1);
        assertThat(e.count(Verdict.NOT_AFFECTED)).isEqualTo(1);
        assertThat(e.total()).isEqualTo(6);
        assertThat(e.atRisk()).isEqualTo(3);
        assertThat(e.hosts(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(HostIds.of(1, 2, 3));
        assertThat(e.hosts(Verdict.PATCHED_BY_LIVE_PATCH)).isEqualTo(HostIds.empty());
        assertThat(e.counts()).containsOnlyKeys(Verdict.values());
    }

    @Test
    void oneCveQueryFiltersByGroupAndByKernel() {
        PostureAudit audit = fleet().audit();
        CveExposure group2 = audit.cve(CVE, NOW, HostFilter.group(2), all()).orElseThrow();
        assertThat(group2.total()).isEqualTo(2);
        assertThat(group2.hosts(Verdict.PATCHED_BY_KERNEL)).isEqualTo(HostIds.of(5));
        CveExposure onK49 = audit.cve(CVE, NOW, HostFilter.kernels(k -> k.equals(K49)), all()).orElseThrow();
        assertThat(onK49.total()).isEqualTo(4);
        CveExposure none = audit.cve(CVE, NOW, HostFilter.group(2).and(HostFilter.kernels(k -> k.equals(K49))), all()).orElseThrow();
        assertThat(none.total()).isZero();
    }

    @Test
    void unknownCveOrHostGivesNothing() {
        PostureAudit audit = fleet().audit();
        assertThat(audit.cve("CVE-2000-0001", NOW)).isEmpty();
        assertThat(audit.host(99, NOW)).isEmpty();
        assertThat(audit.host(1_000_000, NOW)).isEmpty();
        assertThatThrownBy(() -> audit.cve("not-a-cve", NOW)).hasMessageContaining("'not-a-cve'");
    }

    @Test
    void oneHostListsEveryCveThatConcernsItWorstFirst() {
        World w = fleet()
                .cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K55)))
                .cve(cve("CVE-2024-77777", 9.1, FixCategory.SECURITY, false, AffectedStream.fixedIn(K52)))
                .cve(cve("CVE-2024-88888", 9.9, FixCategory.SECURITY, false, AffectedStream.unfixed(SP6.stream())));
        HostReport r = w.audit().host(4, NOW).orElseThrow();
        assertThat(r.findings()).extracting(Finding::cveId, Finding::verdict).containsExactly(
                org.assertj.core.groups.Tuple.tuple("CVE-2024-66666", Verdict.NO_FIX_YET),
                org.assertj.core.groups.Tuple.tuple("CVE-2024-77777", Verdict.REBOOT_REQUIRED),
                org.assertj.core.groups.Tuple.tuple("CVE-2024-44444", Verdict.REBOOT_REQUIRED),
                org.assertj.core.groups.Tuple.tuple(CVE, Verdict.PATCHED_BY_LIVE_PATCH));
        assertThat(r.worst()).isEqualTo(Verdict.NO_FIX_YET);
        assertThat(r.group()).isEqualTo(1);
        assertThat(r.postureClass()).isEqualTo(PostureClass.of(Posture.loaded(K49, 2)));
        assertThat(r.stale()).isFalse();
        assertThat(r.findings()).isEqualTo(w.naive().findings(w.hosts.get(4), NOW));
    }

    @Test
    void checkInIsReflectedInTheNextQuery() {
        PostureAudit audit = fleet().audit();
        audit.checkIn(host(1, 1, Posture.loaded(K49, 3)));
        CveExposure e = audit.cve(CVE, NOW).orElseThrow();
        assertThat(e.hosts(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(HostIds.of(2, 3));
        assertThat(audit.host(1, NOW).orElseThrow().findings()).extracting(Finding::verdict).containsOnly(Verdict.PATCHED_BY_LIVE_PATCH);
        audit.checkIn(host(1, 1, new Posture(K49, 3, Transition.IN_PROGRESS, false)));
        assertThat(audit.cve(CVE, NOW).orElseThrow().hosts(Verdict.LIVE_PATCH_IN_PROGRESS)).isEqualTo(HostIds.of(1));
    }

    @Test
    void repeatedCheckInChangesNothingButTheDeadline() {
        World w = fleet();
        PostureAudit audit = w.audit();
        PostureAudit.AuditSize before = audit.size();
        audit.checkIn(w.hosts.get(1));
        audit.checkIn(new HostFacts(1, 1, Posture.unpatched(K49), 0, List.of(), at("2025-01-02"), HOUR));
        assertThat(audit.size()).isEqualTo(before);
        assertThat(audit.host(1, NOW).orElseThrow().lastCheckIn()).isEqualTo(at("2025-01-02"));
        assertThat(audit.cve(CVE, at("2025-01-02")).orElseThrow().hosts(Verdict.UNKNOWN)).isEqualTo(HostIds.of(2, 3, 4));
    }

    @Test
    void publicationIsReflectedInTheNextQueryForHostsOnThatKernel() {
        World w = fleet().host(host(7, 1, Posture.loaded(K52, 1)));
        PostureAudit audit = w.audit();
        assertThat(audit.host(7, NOW).orElseThrow().findings()).extracting(Finding::verdict).containsExactly(Verdict.REBOOT_REQUIRED);
        audit.publish(new LivePatchPackage(K52, 2, LocalDate.parse("2024-12-20"), List.of(w.cves.get(CVE).asFix()), List.of()));
        assertThat(audit.host(7, NOW).orElseThrow().findings()).extracting(Finding::verdict).containsExactly(Verdict.LIVE_PATCH_AVAILABLE);
        assertThat(audit.cve(CVE, NOW).orElseThrow().count(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(4);
        assertThat(audit.livePatchesCarrying(CVE)).containsExactly(Map.entry(K49, 2), Map.entry(K52, 2));
    }

    @Test
    void aLivePatchForANewerKernelMovesHostsOfOlderKernelsOfTheStreamFromNoFixYetToRebootRequired() {
        World w = fleet();
        PostureAudit audit = w.audit();
        CveRecord unfixed = cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream()));
        audit.putCve(unfixed);
        int before = audit.cve("CVE-2024-66666", NOW).orElseThrow().count(Verdict.NO_FIX_YET);
        assertThat(before).isEqualTo(5);
        audit.publish(new LivePatchPackage(K55, 1, LocalDate.parse("2024-12-01"), List.of(), List.of()));
        assertThat(audit.cve("CVE-2024-66666", NOW).orElseThrow().count(Verdict.NO_FIX_YET)).isEqualTo(5);
        audit.publish(new LivePatchPackage(K55, 2, LocalDate.parse("2024-12-20"), List.of(unfixed.asFix()), List.of()));
        CveExposure after = audit.cve("CVE-2024-66666", NOW).orElseThrow();
        // every host on a kernel older than K55 now has a kernel to move to; K55's own hosts have the live patch available
        assertThat(after.count(Verdict.NO_FIX_YET)).isZero();
        assertThat(after.count(Verdict.REBOOT_REQUIRED) + after.count(Verdict.LIVE_PATCH_AVAILABLE) + after.count(Verdict.REBOOT_PENDING))
                .isEqualTo(5);
        HostReport r = audit.host(1, NOW).orElseThrow();
        Finding f = r.findings().stream().filter(x -> x.cveId().equals("CVE-2024-66666")).findFirst().orElseThrow();
        assertThat(f.evidence()).isInstanceOf(Evidence.RebootRequired.class);
        assertThat(((Evidence.RebootRequired) f.evidence()).fixedIn()).isEqualTo(K55);
    }

    @Test
    void newCveIsAuditedForEveryHostAndAReplacedRecordIsRejudged() {
        World w = fleet();
        PostureAudit audit = w.audit();
        CveRecord unfixed = cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream()));
        audit.putCve(unfixed);
        assertThat(audit.cve("CVE-2024-66666", NOW).orElseThrow().count(Verdict.NO_FIX_YET)).isEqualTo(5);
        audit.putCve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)));
        CveExposure after = audit.cve("CVE-2024-66666", NOW).orElseThrow();
        assertThat(after.count(Verdict.REBOOT_REQUIRED)).isEqualTo(4);
        assertThat(after.count(Verdict.PATCHED_BY_KERNEL)).isEqualTo(1);
        assertThat(audit.size().cves()).isEqualTo(2);
    }

    @Test
    void cveRecordArrivingAfterTheLivePatchThatCarriesItFindsIt() {
        World w = fleet().livePatch(K49, 4, "2024-12-01", CVE, "CVE-2024-99999", "CVE-2024-12345");
        PostureAudit audit = w.audit();
        audit.putCve(cve("CVE-2024-12345", 7.0, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)));
        assertThat(audit.cve("CVE-2024-12345", NOW).orElseThrow().hosts(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(HostIds.of(1, 2, 3, 4));
    }

    @Test
    void manyCvesGrowTheClassArraysWithoutLosingVerdicts() {
        World w = fleet();
        PostureAudit audit = w.audit();
        for (int i = 0; i < 300; i++) {
            audit.putCve(cve("CVE-2025-" + (10000 + i), 7.5, FixCategory.SECURITY, true, AffectedStream.fixedIn(K52)));
        }
        assertThat(audit.cve(CVE, NOW).orElseThrow().hosts(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(HostIds.of(1, 2, 3));
        assertThat(audit.cve("CVE-2025-10299", NOW).orElseThrow().count(Verdict.REBOOT_REQUIRED)).isEqualTo(4);
    }

    @Test
    void fleetSummaryCountsHostsByWorstVerdictAndByWhatFixesThem() {
        World w = fleet()
                .cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K52)))
                .host(host(7, 2, Posture.loaded(K52, 1)))
                .host(new HostFacts(8, 2, Posture.unpatched(K52), 0, List.of(K55), NOW, HOUR))
                .host(new HostFacts(9, 2, Posture.unpatched(K52), 0, List.of(), at("2024-12-01"), HOUR));
        FleetSummary s = w.audit().summary(NOW, HostFilter.ALL, 10);
        assertThat(s.hosts()).isEqualTo(9);
        // K49 hosts: CVE available (1, 2, 3) or patched (4), 44444 requires reboot; K52: 7 requires reboot, 8 pending, 9 unknown
        assertThat(s.hostsByWorstVerdict()).containsEntry(Verdict.REBOOT_REQUIRED, 5)
                .containsEntry(Verdict.REBOOT_PENDING, 1).containsEntry(Verdict.UNKNOWN, 1)
                .containsEntry(Verdict.PATCHED_BY_KERNEL, 1).containsEntry(Verdict.NOT_AFFECTED, 1);
        assertThat(s.hostsAtRisk()).isEqualTo(7);
        assertThat(s.needReboot()).isEqualTo(6);
        assertThat(s.fixableByLivePatch()).isZero();
        assertThat(s.topCves()).extracting(CveRisk::cveId).containsExactly(CVE, "CVE-2024-44444");
        CveRisk top = s.topCves().get(0);
        assertThat(top.hostsAtRisk()).isEqualTo(6);
        assertThat(top.fixableByLivePatch()).isEqualTo(3);
        assertThat(top.needReboot()).isEqualTo(2);
        assertThat(top.count(Verdict.UNKNOWN)).isEqualTo(1);
        FleetSummary group1 = w.audit().summary(NOW, HostFilter.group(1), 1);
        assertThat(group1.hosts()).isEqualTo(4);
        assertThat(group1.topCves()).hasSize(1);
    }

    @Test
    void theSummaryCountsWhatALivePatchUpdateARebootAndNothingYetWouldFixAndTheyAddUp() {
        World w = fleet()
                .cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(SP6.stream())))
                .cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K55)));
        FleetSummary s = w.audit().summary(NOW, HostFilter.ALL, 10);
        // K49 hosts 1-4: CVE-2024-44444 needs a reboot (worst); K55 host 5: safe; SP6 host 6: nothing fixes CVE-2024-66666 yet
        assertThat(s.needReboot()).isEqualTo(4);
        assertThat(s.fixableByLivePatch()).isZero();
        assertThat(s.noFixYet()).isEqualTo(1);
        int safe = s.hostsByWorstVerdict().entrySet().stream().filter(e -> !e.getKey().atRisk()).mapToInt(java.util.Map.Entry::getValue).sum();
        assertThat(safe + s.fixableByLivePatch() + s.needReboot() + s.noFixYet() + s.hostsByWorstVerdict().get(Verdict.UNKNOWN))
                .isEqualTo(s.hosts());
        // by exposure: the live patch of K49 closes 3 of the first CVE's, a reboot 4 of the second's, nothing the third's
        assertThat(s.exposures()).isEqualTo(new FleetSummary.Exposures(3, 4, 1, 0));
    }

    @Test
    void hostsWhoseOnlyExposuresALivePatchClosesAreCountedAsSuch() {
        FleetSummary s = fleet().audit().summary(NOW, HostFilter.ALL, 5);
        assertThat(s.fixableByLivePatch()).isEqualTo(3);
        assertThat(s.needReboot()).isZero();
        assertThat(s.hostsAtRisk()).isEqualTo(3);
    }

    @Test
    void whatIfGroupUpdatesToLatestClosesItsAvailableLivePatches() {
        World w = fleet().host(new HostFacts(7, 1, Posture.unpatched(K49), 0, List.of(), at("2024-12-01"), HOUR));
        WhatIfReport r = w.audit().whatIf(new WhatIf.UpdateToLatest(1), NOW);
        assertThat(r.hostsConsidered()).isEqualTo(4);
        // host 4 moves from version 2 to 3: no change for this CVE, so not listed
        assertThat(r.hostsChanged()).isEqualTo(HostIds.of(1, 2, 3));
        assertThat(r.changes()).containsExactly(new VerdictChange(CVE, Verdict.LIVE_PATCH_AVAILABLE, Verdict.PATCHED_BY_LIVE_PATCH, 3));
        assertThat(r.exposuresClosed()).isEqualTo(3);
        assertThat(r.exposuresOpened()).isZero();
    }

    @Test
    void whatIfGroupPinnedToTheVersionBeforeLatestShowsWhatItDrops() {
        World w = fleet().livePatch(K49, 4, "2024-12-01", CVE, "CVE-2024-99999", "CVE-2024-12345")
                .cve(cve("CVE-2024-12345", 7.0, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)))
                .host(host(7, 1, Posture.loaded(K49, 4)));
        WhatIfReport r = w.audit().whatIf(new WhatIf.PinBehindLatest(1, 1), NOW);
        assertThat(r.changes()).contains(
                new VerdictChange("CVE-2024-12345", Verdict.PATCHED_BY_LIVE_PATCH, Verdict.LIVE_PATCH_AVAILABLE, 1),
                new VerdictChange(CVE, Verdict.LIVE_PATCH_AVAILABLE, Verdict.PATCHED_BY_LIVE_PATCH, 3));
        assertThat(r.exposuresOpened()).isEqualTo(1);
        HostReport pinnedHost = w.host(new HostFacts(7, 1, Posture.loaded(K49, 3), 3, List.of(), NOW, HOUR)).audit().host(7, NOW).orElseThrow();
        assertThat(pinnedHost.findings()).anySatisfy(f -> assertThat(f.evidence())
                .isInstanceOfSatisfying(Evidence.LivePatchAvailable.class, a -> assertThat(a.heldBackByPin()).isTrue()));
    }

    @Test
    void whatIfForAGroupWithoutHostsChangesNothing() {
        WhatIfReport r = fleet().audit().whatIf(new WhatIf.UpdateToLatest(42), NOW);
        assertThat(r.hostsConsidered()).isZero();
        assertThat(r.changes()).isEmpty();
    }

    @Test
    void lifecycleListsHostsWhoseSupportEndsSoonOrHasEnded() {
        World w = fleet().host(host(7, 2, Posture.unpatched(K52)));
        PostureAudit audit = w.audit();
        Instant feb = at("2025-02-15");
        assertThat(audit.supportEndingWithin(14, feb, HostFilter.ALL)).extracting(SupportEntry::hostId).containsExactly(1, 2, 3, 4);
        assertThat(audit.supportEndingWithin(14, feb, HostFilter.ALL).get(0).support().daysLeft()).isEqualTo(14);
        assertThat(audit.supportEndingWithin(13, feb, HostFilter.ALL)).isEmpty();
        assertThat(audit.supportExpired(feb, HostFilter.ALL)).isEmpty();
        Instant july = at("2025-07-01");
        assertThat(audit.supportExpired(july, HostFilter.ALL)).extracting(SupportEntry::hostId).containsExactly(1, 2, 3, 4, 7);
        assertThat(audit.supportExpired(july, HostFilter.group(2))).extracting(SupportEntry::kernel).containsExactly(K52);
        assertThatThrownBy(() -> audit.supportEndingWithin(-1, feb, HostFilter.ALL)).hasMessageContaining("-1");
    }

    @Test
    void rebootPlannerGivesTheDateAndTheNewestKernelOfTheStream() {
        World w = fleet()
                .host(new HostFacts(7, 2, Posture.unpatched(K52), 0, List.of(K55), NOW, HOUR))
                .host(host(8, 2, Posture.unpatched(World.k("5.14.21-150500.55.50-default"))));
        List<RebootPlan> plan = w.audit().rebootPlan(NOW, HostFilter.ALL);
        assertThat(plan).extracting(RebootPlan::hostId).containsExactly(1, 2, 3, 4, 7, 5, 6, 8);
        RebootPlan first = plan.get(0);
        assertThat(first.rebootBy()).isEqualTo(LocalDate.parse("2025-03-01"));
        assertThat(first.moveTo()).isEqualTo(K55);
        assertThat(first.moveToInstalled()).isFalse();
        assertThat(first.overdue()).isFalse();
        RebootPlan seven = plan.get(4);
        assertThat(seven.moveToInstalled()).isTrue();
        RebootPlan onNewest = plan.get(5);
        assertThat(onNewest.moveTo()).as("already on the newest kernel of its stream").isNull();
        RebootPlan unknownKernel = plan.get(7);
        assertThat(unknownKernel.rebootBy()).isNull();
        assertThat(unknownKernel.moveTo()).isEqualTo(K55);
        assertThat(w.audit().rebootPlan(at("2025-04-01"), HostFilter.ALL).get(0).overdue()).isTrue();
    }

    @Test
    void coverageGivesTheShareOfQualifyingFixesLivePatchedTheDelayAndWhyTheRestAreNot() {
        World w = VerdictRulesTest.world()
                .cve(cve("CVE-2024-44444", 8.8, FixCategory.SECURITY, false, AffectedStream.fixedIn(K55)))
                .cve(cve("CVE-2024-55555", 5.5, FixCategory.SECURITY, true, AffectedStream.fixedIn(K55)))
                .cve(cve("CVE-2024-66666", 9.8, FixCategory.SECURITY, true, AffectedStream.unfixed(K49.stream())))
                .cve(new CveRecord("CVE-2024-99999", 7.1, "", "", LocalDate.parse("2024-11-01"), FixCategory.SECURITY, true,
                        List.of(AffectedStream.fixedIn(K55))))
                .livePatch(K52, 2, "2024-10-05", CVE);
        List<StreamCoverage> coverage = w.audit().coverage();
        assertThat(coverage).extracting(StreamCoverage::stream).containsExactly(K49.stream(), SP6.stream());
        StreamCoverage s = coverage.get(0);
        assertThat(s.qualifying()).isEqualTo(4);
        assertThat(s.livePatched()).isEqualTo(2);
        assertThat(s.share()).isEqualTo(0.5);
        // CVE published 2024-10-01, first live patch 2024-10-05: 4 days; CVE-2024-99999 2024-11-01 -> 2024-11-15: 14 days
        assertThat(s.medianDaysToLivePatch()).isEqualTo(9.0);
        assertThat(s.notLivePatched()).extracting(StreamCoverage.UncoveredFix::cveId, StreamCoverage.UncoveredFix::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("CVE-2024-66666", RebootReason.NO_LIVE_PATCH_PUBLISHED),
                org.assertj.core.groups.Tuple.tuple("CVE-2024-44444", RebootReason.NOT_LIVE_PATCHABLE));
        assertThat(s.notLivePatched().get(1).detail()).contains("data structures");
        StreamCoverage empty = coverage.get(1);
        assertThat(empty.qualifying()).isZero();
        assertThat(empty.share()).isEqualTo(1.0);
        assertThat(empty.medianDaysToLivePatch()).isNull();
    }

    @Test
    void removingTheLastHostOfAClassDropsTheClass() {
        PostureAudit audit = fleet().audit();
        assertThat(audit.size()).isEqualTo(new PostureAudit.AuditSize(6, 5, 5, 5, 1, 4));
        assertThat(audit.remove(4)).isTrue();
        assertThat(audit.remove(4)).isFalse();
        assertThat(audit.size().classes()).isEqualTo(4);
        assertThat(audit.size().hosts()).isEqualTo(5);
        assertThat(audit.cve(CVE, NOW).orElseThrow().count(Verdict.PATCHED_BY_LIVE_PATCH)).isZero();
    }

    @Test
    void republishingTheSameVersionIsANoOpButOtherContentsAreRefused() {
        World w = fleet();
        PostureAudit audit = w.audit();
        audit.publish(w.packages.get(1));
        LivePatchPackage other = new LivePatchPackage(K49, 2, LocalDate.parse("2024-10-15"), List.of(Fix.security("CVE-2024-1001", 9.0, "")), List.of());
        assertThatThrownBy(() -> audit.publish(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kernel-livepatch-5_14_21-150500_55_49-default-2 is already published");
    }

    @Test
    void versionDroppingAFixOfTheOneBelowIsRefusedAsNotCumulative() {
        PostureAudit audit = fleet().audit();
        LivePatchPackage v4 = new LivePatchPackage(K49, 4, LocalDate.parse("2024-12-15"), List.of(Fix.security("CVE-2024-1001", 9.0, "")), List.of());
        assertThatThrownBy(() -> audit.publish(v4)).isInstanceOf(NotCumulativeException.class).hasMessageContaining(CVE);
        LivePatchPackage lateV0 = new LivePatchPackage(K52, 3, LocalDate.parse("2024-12-15"), List.of(), List.of());
        audit.publish(lateV0);
        LivePatchPackage v2WithMore = new LivePatchPackage(K52, 2, LocalDate.parse("2024-12-10"), List.of(Fix.security("CVE-2024-1001", 9.0, "")), List.of());
        assertThatThrownBy(() -> audit.publish(v2WithMore)).isInstanceOf(NotCumulativeException.class).hasMessageContaining("CVE-2024-1001");
    }

    @Test
    void malformedFactsAreRefusedNamingTheInput() {
        assertThatThrownBy(() -> new Posture(K49, 0, Transition.IN_PROGRESS, false)).hasMessageContaining("No live patch is loaded on " + K49);
        assertThatThrownBy(() -> new Posture(K49, 0, Transition.COMPLETE, true)).hasMessageContaining("forced");
        assertThatThrownBy(() -> new Posture(K49, -1, Transition.COMPLETE, false)).hasMessageContaining("-1");
        assertThatThrownBy(() -> new HostFacts(-3, 0, Posture.unpatched(K49), 0, List.of(), NOW, HOUR)).hasMessageContaining("-3");
        assertThatThrownBy(() -> new HostFacts(3, 0, Posture.unpatched(K49), 0, List.of(), NOW, java.time.Duration.ZERO))
                .hasMessageContaining("interval of host 3");
        assertThatThrownBy(() -> new PostureClass(Posture.unpatched(K49), -2)).hasMessageContaining("-2");
        assertThatThrownBy(() -> cve("CVE-2024-1001", 11, FixCategory.SECURITY, true)).hasMessageContaining("11.0");
        assertThatThrownBy(() -> new CveRecord("bsc#123", 5, "", "", LocalDate.EPOCH, FixCategory.SECURITY, true, List.of()))
                .hasMessageContaining("Not a CVE id: 'bsc#123'");
        assertThatThrownBy(() -> new CveRecord("CVE-2024-1234", 5, "AV:N", "", LocalDate.EPOCH, FixCategory.SECURITY, true, List.of()))
                .hasMessageContaining("'AV:N'");
        assertThatThrownBy(() -> new CveRecord("CVE-2024-1234", 5, "", "", LocalDate.EPOCH, FixCategory.SECURITY, true,
                List.of(AffectedStream.fixedIn(K55), AffectedStream.unfixed(K49.stream())))).hasMessageContaining("twice");
        assertThatThrownBy(() -> new AffectedStream(K49.stream(), K55, K52)).hasMessageContaining("before the flaw was introduced");
        assertThatThrownBy(() -> new AffectedStream(SP6.stream(), null, K55)).hasMessageContaining("not of stream");
        assertThatThrownBy(() -> new CatalogKernel(K49, LocalDate.parse("2024-03-01"), LocalDate.parse("2024-01-01")))
                .hasMessageContaining(K49.toString());
        PostureAudit audit = fleet().audit();
        assertThatThrownBy(() -> audit.checkIn(new HostFacts(9, 0, Posture.unpatched(K49), 0, List.of(), Instant.parse("2300-01-01T00:00:00Z"), HOUR)))
                .hasMessageContaining("2300-01-01");
        assertThatThrownBy(() -> new WhatIf.PinBehindLatest(1, -1)).hasMessageContaining("-1");
    }

    @Test
    void aPolicyChangeMovesWholeCohortsToTheirNewPinAndTheEvidenceSaysHeldBack() {
        PostureAudit audit = fleet().audit();
        // group 1 pinned to version 1 on K49: hosts 1-4 move; group 2 stays
        int moved = audit.repin((group, posture) -> group == 1 && posture.kernel().equals(K49) ? 1 : 0);
        assertThat(moved).isEqualTo(4);
        Evidence e = audit.host(1, NOW).orElseThrow().findings().stream().filter(f -> f.cveId().equals(CVE)).findFirst().orElseThrow().evidence();
        assertThat(e).isInstanceOfSatisfying(Evidence.LivePatchAvailable.class, a -> assertThat(a.heldBackByPin()).isTrue());
        assertThat(audit.facts(4).orElseThrow().pinnedVersion()).isEqualTo(1);
        assertThat(audit.facts(5).orElseThrow().pinnedVersion()).isZero();
        assertThat(audit.cve(CVE, NOW, HostFilter.ALL, Set.of()).orElseThrow().count(Verdict.LIVE_PATCH_AVAILABLE)).isEqualTo(3);
        // nothing changes twice; lifting the pin moves them back
        assertThat(audit.repin((group, posture) -> group == 1 && posture.kernel().equals(K49) ? 1 : 0)).isZero();
        assertThat(audit.repin((group, posture) -> 0)).isEqualTo(4);
        assertThat(audit.size().classes()).isEqualTo(fleet().audit().size().classes());
    }

    @Test
    void factsRoundTripSoAHostCanChangeGroupWithoutItsCheckIn() {
        PostureAudit audit = fleet().audit();
        HostFacts f = audit.facts(4).orElseThrow();
        assertThat(f.posture()).isEqualTo(Posture.loaded(K49, 2));
        assertThat(f.deadline()).isEqualTo(NOW.plus(World.HOUR));
        audit.checkIn(new HostFacts(4, 2, f.posture(), f.pinnedVersion(), f.installedKernels(), f.lastCheckIn(), f.checkInInterval()));
        assertThat(audit.cve(CVE, NOW, HostFilter.group(2), Set.of()).orElseThrow().count(Verdict.PATCHED_BY_LIVE_PATCH)).isEqualTo(1);
        assertThat(audit.facts(99)).isEmpty();
    }

    @Test
    void checkInsInOneGoEqualOneByOneAndTheLastOfAHostWins() {
        PostureAudit one = fleet().audit();
        PostureAudit batch = fleet().audit();
        List<HostFacts> group = List.of(host(7, 1, Posture.loaded(K49, 2)), host(1, 2, Posture.loaded(K49, 2)), host(1, 1, Posture.unpatched(K55)));
        group.forEach(one::checkIn);
        batch.checkIn(group);
        assertThat(batch.summary(NOW, HostFilter.ALL, 10)).isEqualTo(one.summary(NOW, HostFilter.ALL, 10));
        assertThat(batch.facts(1).orElseThrow().posture().kernel()).isEqualTo(K55);
    }

    @Test
    void aSummaryScanningOutsideTheLockSeesOneStateWhileCveImportsChangeTheArraysItReads() throws Exception {
        // 2,000 CVEs in two versions: X affects K49 and K55 (fixed in K52), Y affects nothing
        List<CveRecord> x = new java.util.ArrayList<>();
        List<CveRecord> y = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            String id = String.format("CVE-2030-%05d", 10000 + i);
            x.add(cve(id, 5.0 + (i % 40) / 10.0, FixCategory.SECURITY, true, AffectedStream.fixedIn(K52)));
            y.add(cve(id, 5.0 + (i % 40) / 10.0, FixCategory.SECURITY, true));
        }
        World w = fleet();
        for (int h = 10; h < 60; h++) {
            w.host(host(h, h % 5, h % 2 == 0 ? Posture.loaded(K49, 1 + h % 2) : Posture.unpatched(K55)));
        }
        PostureAudit audit = w.audit();
        audit.putCves(x);
        FleetSummary inX = audit.summary(NOW, HostFilter.ALL, 5);
        audit.putCves(y);
        FleetSummary inY = audit.summary(NOW, HostFilter.ALL, 5);
        assertThat(inX).isNotEqualTo(inY);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger imports = new java.util.concurrent.atomic.AtomicInteger();
        Thread importer = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                audit.putCves(i % 2 == 0 ? x : y);
                imports.incrementAndGet();
            }
        });
        importer.start();
        int summaries = 0;
        try {
            // until the imports changed the arrays under the summaries several times over (and at least 40 summaries)
            while (summaries < 40 || (imports.get() < 6 && summaries < 300)) {
                assertThat(audit.summary(NOW, HostFilter.ALL, 5)).isIn(inX, inY);
                summaries++;
            }
        } finally {
            stop.set(true);
            importer.join();
        }
        assertThat(imports.get()).as("imports that ran during %d summaries", summaries).isGreaterThanOrEqualTo(6);
    }
}
