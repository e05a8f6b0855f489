package org.klp.core.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootPlanTest {

    private static final String KERNEL = "6.1.0-56-amd64";
    private static final Instant T = Instant.parse("2026-11-23T10:00:00Z");
    private static final KernelChoice V2 = new KernelChoice(KERNEL, "klp_patch_v2", 2, "var/lib/klp/modules/klp_patch_v2.ko", "", T);
    private static final BootCandidate INSTALLED_3 = new BootCandidate("livepatch_3", 3, "lib/modules/" + KERNEL + "/livepatch/livepatch-3-1_1.ko");
    private static final BootCandidate INSTALLED_1 = new BootCandidate("livepatch_1", 1, "lib/modules/" + KERNEL + "/livepatch/livepatch-1-1_1.ko");

    private static BootDecision decide(Optional<KernelChoice> choice, boolean available, List<CrashedPatch> crashed, boolean skip) {
        return BootPlan.decide(new BootPlan.Input(KERNEL, skip, choice, available, List.of(INSTALLED_1, INSTALLED_3), crashed, Optional.empty()));
    }

    @Test
    void theChoiceForThisKernelWinsWhileItsModuleIsThere() {
        BootDecision d = decide(Optional.of(V2), true, List.of(), false);
        assertThat(d).isEqualTo(new BootDecision.Load(new BootCandidate("klp_patch_v2", 2, V2.moduleCopy()),
                "the live patch last made active on " + KERNEL));
    }

    @Test
    void aPackagesChoiceLoadsThePackagesFile() {
        KernelChoice fromPackage = new KernelChoice(KERNEL, "klp_patch_v2", 2, V2.moduleCopy(), "lib/modules/x/livepatch/klp_patch_v2.ko", T);
        assertThat(((BootDecision.Load) decide(Optional.of(fromPackage), true, List.of(), false)).candidate().module())
                .isEqualTo("lib/modules/x/livepatch/klp_patch_v2.ko");
    }

    @Test
    void withoutAChoiceOrWhenItsPackageIsGoneTheNewestInstalledOneLoads() {
        assertThat(((BootDecision.Load) decide(Optional.empty(), false, List.of(), false)).candidate()).isEqualTo(INSTALLED_3);
        BootDecision.Load gone = (BootDecision.Load) decide(Optional.of(V2), false, List.of(), false);
        assertThat(gone.candidate()).isEqualTo(INSTALLED_3);
        assertThat(gone.why()).isEqualTo("the chosen klp_patch_v2 (version 2) is no longer installed; the newest installed live patch for " + KERNEL);
    }

    @Test
    void aChoiceForAnotherKernelDoesNotCount() {
        KernelChoice other = new KernelChoice("6.1.0-57-amd64", "klp_patch_v2", 2, V2.moduleCopy(), "", T);
        assertThat(((BootDecision.Load) decide(Optional.of(other), true, List.of(), false)).candidate()).isEqualTo(INSTALLED_3);
    }

    @Test
    void aPatchThatCrashedThisKernelIsSkippedWithItsReasonNotReplacedByAnother() {
        CrashedPatch crash = new LoadingMarker("klp_patch_v2", KERNEL, "m", "apply", "boot-1", T).asCrash(T.plusSeconds(60));
        BootDecision d = decide(Optional.of(V2), true, List.of(crash), false);
        assertThat(d).isInstanceOf(BootDecision.Skipped.class);
        assertThat(((BootDecision.Skipped) d).patch()).contains("klp_patch_v2");
        assertThat(((BootDecision.Skipped) d).reason()).startsWith("klp_patch_v2 (version 2) skipped: the kernel stopped (crash or power loss)"
                + " after it was applied live at 2026-11-23T10:00:00Z");
        CrashedPatch onAnotherKernel = new CrashedPatch("klp_patch_v2", "6.1.0-57-amd64", "apply", T, T, "r");
        assertThat(decide(Optional.of(V2), true, List.of(onAnotherKernel), false)).isInstanceOf(BootDecision.Load.class);
    }

    @Test
    void klpSkipOnTheCommandLineSkipsEverything() {
        assertThat(decide(Optional.of(V2), true, List.of(), true)).isEqualTo(new BootDecision.Skipped(Optional.empty(),
                "the kernel command line has klp.skip=1: no live patch is loaded at boot"));
    }

    @Test
    void aDisabledKernelLoadsNothingAndANewHostHasNothing() {
        assertThat(decide(Optional.of(KernelChoice.none(KERNEL, T)), true, List.of(), false)).isInstanceOf(BootDecision.NothingToLoad.class);
        assertThat(BootPlan.decide(new BootPlan.Input(KERNEL, false, Optional.empty(), false, List.of(), List.of(), Optional.empty())))
                .isEqualTo(new BootDecision.NothingToLoad("no live patch is chosen or installed for " + KERNEL));
    }

    @Test
    void thePickedPatchAlreadyLoadedByTheInitramfsIsNotLoadedTwice() {
        BootDecision d = BootPlan.decide(new BootPlan.Input(KERNEL, false, Optional.of(V2), true, List.of(), List.of(), Optional.of("klp_patch_v2")));
        assertThat(d).isInstanceOf(BootDecision.AlreadyLoaded.class);
    }

    @Test
    void theCommandLineOptionIsReadAsTheKernelReadsItsOwn() {
        assertThat(BootPlan.skipRequested("BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1 klp.skip=1 quiet")).isTrue();
        assertThat(BootPlan.skipRequested("klp.skip")).isTrue();
        assertThat(BootPlan.skipRequested("klp.skip=yes")).isTrue();
        assertThat(BootPlan.skipRequested("klp.skip=1 klp.skip=0")).as("the last one wins").isFalse();
        assertThat(BootPlan.skipRequested("klp.skipper=1 noklp.skip=1")).isFalse();
        assertThat(BootPlan.skipRequested("")).isFalse();
    }

    @Test
    void aMarkerIsACrashOnlyWhenAnotherBootLeftIt() {
        LoadingMarker m = new LoadingMarker("p", KERNEL, "m", "boot", "boot-1", T);
        assertThat(m.leftByACrash(Optional.of("boot-2"))).isTrue();
        assertThat(m.leftByACrash(Optional.of("boot-1"))).isFalse();
        assertThat(m.leftByACrash(Optional.empty())).as("no boot id: nothing can be concluded").isFalse();
        assertThat(m.stableAt(T.plus(Duration.ofSeconds(119)), Optional.of("boot-1"))).isFalse();
        assertThat(m.stableAt(T.plus(LoadingMarker.STABLE_AFTER), Optional.of("boot-1"))).isTrue();
    }

    @Test
    void suseModuleFileNamesCarryTheVersion() {
        assertThat(ModuleFileVersion.of("livepatch-2-2_1.ko")).hasValue(2);
        assertThat(ModuleFileVersion.of("livepatch-12.ko")).hasValue(12);
        assertThat(ModuleFileVersion.of("klp_patch_v2.ko")).isEmpty();
        assertThat(ModuleFileVersion.of("livepatch-x-1.ko")).isEmpty();
    }
}
