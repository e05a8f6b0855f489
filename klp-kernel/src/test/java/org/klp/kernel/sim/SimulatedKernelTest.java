package org.klp.kernel.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.ModuleInfo;
import org.klp.core.module.SyntheticModule;
import org.klp.kernel.HostRoot;
import org.klp.kernel.KernelOperationException;
import org.klp.kernel.LivepatchReader;
import org.klp.kernel.state.LoadedPatch;
import org.klp.kernel.state.TaskState;
import org.klp.kernel.state.Taint;

/** The simulated kernel's consistency model, scenario by scenario, read back through the same reader as a real host. */
class SimulatedKernelTest {

    @TempDir
    Path tmp;
    Path host;
    Path modules;
    SimulatedKernel kernel;
    LivepatchReader reader;

    @BeforeEach
    void createHost() {
        host = tmp.resolve("host");
        modules = tmp.resolve("modules");
        Clock clock = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);
        kernel = SimulatedKernel.create(host, new SimulatedKernel.Spec(KernelRelease.parse(SimModules.RELEASE), true, 0, List.of("klp_target")), clock);
        reader = new LivepatchReader(HostRoot.of(host));
    }

    @Test
    void newHostHasNoPatchAndEveryTaskOutsideATransition() {
        assertThat(reader.kernelRelease()).isEqualTo(SimModules.RELEASE);
        assertThat(reader.patches()).isEmpty();
        assertThat(reader.inTransition()).isFalse();
        assertThat(reader.taint()).isEqualTo(new Taint(Taint.OUT_OF_TREE | Taint.UNSIGNED));
        assertThat(reader.taskPatchStates()).isNotEmpty().allSatisfy(t -> assertThat(t.patchState()).isEqualTo(-1));
        assertThat(reader.module("klp_target")).isPresent();
    }

    @Test
    void patchWithNothingBlockingCompletesAtOnce() {
        kernel.load(SimModules.v1(modules));
        List<LoadedPatch> patches = reader.patches();
        assertThat(patches).extracting(LoadedPatch::name).containsExactly("klp_patch_v1");
        LoadedPatch v1 = patches.get(0);
        assertThat(v1.enabled()).isTrue();
        assertThat(v1.transition()).isFalse();
        assertThat(v1.objects()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("klp_target");
            assertThat(o.patched()).isTrue();
        });
        assertThat(reader.taint().letters()).isEqualTo("OEK");
        assertThat(reader.module("klp_patch_v1").orElseThrow().refcount()).isEqualTo(1);
        assertThat(Files.exists(host.resolve("sys/module/klp_patch_v1/refcnt"))).isTrue();
    }

    @Test
    void aPatchFolderShowsTheFilesOfTheKernelsVersion() {
        kernel.load(SimModules.v1(modules));
        assertThat(reader.patches().get(0).replace()).as("6.1 has no replace file").isEmpty();
        assertThat(Files.exists(host.resolve("sys/kernel/livepatch/klp_patch_v1/stack_order"))).isFalse();

        String release612 = "6.12.57+deb12-amd64";
        Path host612 = tmp.resolve("host612");
        SimulatedKernel k612 = SimulatedKernel.create(host612, new SimulatedKernel.Spec(KernelRelease.parse(release612), true, 0,
                List.of("klp_target")), Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));
        k612.load(SimModules.write(tmp.resolve("m612"), "klp_patch_v1", release612, List.of("livepatch=Y", "replace=Y", "state=1:1",
                SimModules.MESSAGE)));
        LoadedPatch v1 = new LivepatchReader(HostRoot.of(host612)).patches().get(0);
        assertThat(v1.replace()).as("6.12 shows replace, from 6.11 on").contains(true);
        assertThat(v1.stackOrder()).as("stack_order comes with 6.14").isEmpty();
        assertThat(SimStore.versionedPatchFiles("6.14.0-1-default")).containsExactlyInAnyOrder("replace", "stack_order");
        assertThat(SimStore.versionedPatchFiles("6.1.0-56-amd64")).isEmpty();
    }

    @Test
    void sleeperInAPatchedFunctionBlocksUntilTheFakeSignal() {
        kernel.load(SimModules.v1(modules));
        int sleeper = kernel.startSleepingTask("cat", "cat /proc/klp_target/sleep", "klp_target", "klp_target_wait", false, true);
        kernel.load(SimModules.v2(modules));

        assertThat(reader.patches()).extracting(LoadedPatch::name, LoadedPatch::enabled, LoadedPatch::transition)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("klp_patch_v1", true, false),
                        org.assertj.core.groups.Tuple.tuple("klp_patch_v2", true, true));
        List<TaskState> blockers = reader.blockers(true);
        assertThat(blockers).singleElement().satisfies(t -> {
            assertThat(t.pid()).isEqualTo(sleeper);
            assertThat(t.comm()).isEqualTo("cat");
            assertThat(t.cmdline()).isEqualTo("cat /proc/klp_target/sleep");
            assertThat(t.patchState()).isZero();
            assertThat(t.kernelThread()).isFalse();
            assertThat(t.stack().get(0)).startsWith("klp_target_wait+").endsWith("[klp_target]");
        });
        assertThat(reader.taskPatchStates()).filteredOn(t -> t.tid() != sleeper).allSatisfy(t -> assertThat(t.patchState()).isEqualTo(1));

        kernel.advance(Duration.ofSeconds(14));
        kernel.settle();
        assertThat(reader.inTransition()).isTrue();

        kernel.advance(Duration.ofSeconds(1));
        kernel.settle();
        assertThat(reader.inTransition()).isFalse();
        assertThat(reader.patches()).extracting(LoadedPatch::name).containsExactly("klp_patch_v2");
        assertThat(reader.taskPatchStates()).allSatisfy(t -> assertThat(t.patchState()).isEqualTo(-1));
        assertThat(reader.module("klp_patch_v1").orElseThrow().refcount()).isZero();
        kernel.unload("klp_patch_v1");
        assertThat(reader.module("klp_patch_v1")).isEmpty();
    }

    @Test
    void wakingTheSleeperCompletesTheTransitionAtOnce() {
        kernel.load(SimModules.v1(modules));
        int sleeper = kernel.startSleepingTask("cat", "cat /proc/klp_target/sleep", "klp_target", "klp_target_wait", false, true);
        kernel.load(SimModules.v2(modules));
        kernel.wake(sleeper);
        assertThat(reader.inTransition()).isFalse();
    }

    @Test
    void kernelThreadInAPatchedFunctionBlocksForeverAndOnlyReverseOrForceEndIt() {
        kernel.load(SimModules.v2(modules));
        int spinner = kernel.startSleepingTask("klp_target_spin", "", "klp_target", "klp_target_loop", true, true);
        kernel.load(SimModules.v3(modules));
        kernel.advance(Duration.ofMinutes(5));
        kernel.settle();
        assertThat(reader.inTransition()).isTrue();
        assertThat(reader.blockers(false)).singleElement().satisfies(t -> {
            assertThat(t.pid()).isEqualTo(spinner);
            assertThat(t.kernelThread()).isTrue();
        });

        kernel.setEnabled("klp_patch_v3", false);
        assertThat(reader.inTransition()).isFalse();
        assertThat(reader.patches()).extracting(LoadedPatch::name).containsExactly("klp_patch_v2");
        kernel.unload("klp_patch_v3");

        kernel.load(SimModules.v3(modules));
        assertThat(reader.inTransition()).isTrue();
        kernel.force("klp_patch_v3");
        assertThat(reader.inTransition()).isFalse();
        assertThat(reader.patches()).extracting(LoadedPatch::name).containsExactly("klp_patch_v3");
        assertThatThrownBy(() -> kernel.unload("klp_patch_v2"))
                .isInstanceOf(KernelOperationException.class)
                .hasMessageContaining("is in use")
                .satisfies(e -> assertThat(((KernelOperationException) e).errno()).isEqualTo("EAGAIN"));
    }

    @Test
    void replacingPatchWithALowerStateVersionIsRefusedAndNothingChanges() {
        kernel.load(SimModules.v2(modules));
        assertThatThrownBy(() -> kernel.load(SimModules.v1(modules)))
                .isInstanceOf(KernelOperationException.class)
                .hasMessageContaining("not compatible")
                .satisfies(e -> assertThat(((KernelOperationException) e).errno()).isEqualTo("EINVAL"));
        assertThat(reader.patches()).extracting(LoadedPatch::name).containsExactly("klp_patch_v2");
        assertThat(reader.module("klp_patch_v1")).isEmpty();
    }

    @Test
    void downgradeWithoutStatesRevertsFunctionsTheOlderPatchDoesNotChange() {
        Path v3 = SimModules.write(modules, "p3", SimModules.RELEASE, List.of("livepatch=Y", SimModules.MESSAGE, SimModules.CMDLINE));
        Path v1 = SimModules.write(modules, "p1", SimModules.RELEASE, List.of("livepatch=Y", SimModules.MESSAGE));
        kernel.load(v3);
        kernel.load(v1);
        assertThat(reader.patches()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("p1");
            assertThat(p.objects()).extracting(o -> o.name()).containsExactly("klp_target");
        });
    }

    @Test
    void loadingDuringATransitionIsBusy() {
        kernel.load(SimModules.v1(modules));
        kernel.startSleepingTask("cat", "cat", "klp_target", "klp_target_wait", false, true);
        kernel.load(SimModules.v2(modules));
        assertThatThrownBy(() -> kernel.load(SimModules.v3(modules)))
                .satisfies(e -> assertThat(((KernelOperationException) e).errno()).isEqualTo("EBUSY"));
        assertThat(reader.module("klp_patch_v3")).isEmpty();
    }

    @Test
    void disablingRemovesThePatchOnceEveryTaskHasSwitchedBack() {
        kernel.load(SimModules.v1(modules));
        kernel.setEnabled("klp_patch_v1", false);
        assertThat(reader.patches()).isEmpty();
        assertThat(reader.module("klp_patch_v1").orElseThrow().refcount()).isZero();
        assertThat(reader.taint().isLivePatched()).as("taint stays").isTrue();
        assertThatThrownBy(() -> kernel.setEnabled("klp_patch_v1", false)).satisfies(e ->
                assertThat(((KernelOperationException) e).errno()).isEqualTo("ENOENT"));
    }

    @Test
    void forceAndEnableOutsideATransitionAreInvalid() {
        kernel.load(SimModules.v1(modules));
        assertThatThrownBy(() -> kernel.force("klp_patch_v1")).satisfies(e ->
                assertThat(((KernelOperationException) e).errno()).isEqualTo("EINVAL"));
        assertThatThrownBy(() -> kernel.setEnabled("klp_patch_v1", true)).satisfies(e ->
                assertThat(((KernelOperationException) e).errno()).isEqualTo("EINVAL"));
        assertThatThrownBy(() -> kernel.load(SimModules.v1(modules))).satisfies(e ->
                assertThat(((KernelOperationException) e).errno()).isEqualTo("EEXIST"));
    }

    @Test
    void aVermagicWithOtherFlagsIsRefusedButAnotherReleaseLoadsAsOnA61KernelWithModversions() throws Exception {
        Path flags = Files.createDirectories(modules).resolve("p_flags.ko");
        Files.writeString(flags, ModuleInfo.SIMULATED_HEADER + "\nname=p_flags\nvermagic=" + SimModules.RELEASE
                + " SMP PREEMPT mod_unload modversions\nlivepatch=Y\n" + SimModules.MESSAGE + "\n");
        assertThatThrownBy(() -> kernel.load(flags)).hasMessage("Cannot load p_flags.ko: insmod: ERROR: could not insert module " + flags
                        + ": Invalid module format (kernel: p_flags: version magic '" + SimModules.RELEASE + " SMP PREEMPT mod_unload modversions '"
                        + " should be '" + SimModules.RELEASE + " SMP preempt mod_unload modversions ')")
                .satisfies(e -> assertThat(((KernelOperationException) e).errno()).isEqualTo("ENOEXEC"));
        kernel.load(SimModules.write(modules, "p_other", "6.1.0-99-amd64", List.of("livepatch=Y", SimModules.MESSAGE)));
        assertThat(reader.patches()).extracting(p -> p.name()).containsExactly("p_other");
    }

    @Test
    void modulesNotSimulatedAreRefused() throws Exception {
        Files.createDirectories(modules);
        Path elf = modules.resolve("real.ko");
        Files.write(elf, SyntheticModule.livePatch("real", SimModules.RELEASE));
        assertThatThrownBy(() -> kernel.load(elf)).hasMessageContaining("simulated kernel loads simulated modules");
        Path truncated = modules.resolve("t.ko");
        Files.write(truncated, new byte[] {0x7F, 'E', 'L', 'F', 2, 1});
        assertThatThrownBy(() -> kernel.load(truncated)).hasMessageContaining("truncated");
        assertThatThrownBy(() -> kernel.load(modules.resolve("missing.ko"))).hasMessageContaining("No such file");
        assertThat(reader.patches()).isEmpty();
    }

    @Test
    void uninterruptibleSleeperIsNotMovedByTheFakeSignal() {
        kernel.load(SimModules.v1(modules));
        kernel.startSleepingTask("dd", "dd", "klp_target", "klp_target_wait", false, false);
        kernel.load(SimModules.v2(modules));
        kernel.advance(Duration.ofSeconds(60));
        kernel.settle();
        assertThat(reader.inTransition()).isTrue();
    }

    @Test
    void reopeningTheHostSeesTheSameKernel() {
        kernel.load(SimModules.v1(modules));
        SimulatedKernel again = SimulatedKernel.open(HostRoot.of(host), Clock.systemUTC());
        assertThat(again.release()).isEqualTo(KernelRelease.parse(SimModules.RELEASE));
        assertThat(again.tasks()).extracting(SimulatedKernel.TaskView::comm).contains("systemd", "kthreadd", "sshd");
        assertThatThrownBy(() -> SimulatedKernel.open(HostRoot.of(tmp), Clock.systemUTC())).hasMessageContaining("not a simulated host");
    }

    @Test
    void forcingPinsTheReplacedPatchesModulesButNotTheForcingOne() {
        kernel.load(SimModules.v2(modules));
        kernel.startSleepingTask("klp_target_spin", "", "klp_target", "klp_target_loop", true, true);
        kernel.load(SimModules.v3(modules));
        kernel.force("klp_patch_v3");
        assertThatThrownBy(() -> kernel.unload("klp_patch_v2")).hasMessage("Cannot unload klp_patch_v2: rmmod: ERROR: Module klp_patch_v2 is in use")
                .satisfies(e -> assertThat(((KernelOperationException) e).errno()).isEqualTo("EAGAIN"));
        assertThat(reader.module("klp_patch_v2")).map(m -> m.refcount()).contains(1);
        kernel.setEnabled("klp_patch_v3", false);
        kernel.unload("klp_patch_v3");
        assertThat(reader.module("klp_patch_v3")).isEmpty();
    }

    @Test
    void functionFoldersShowSymposOneForAUniqueSymbolAsTheKernelDoes() throws Exception {
        kernel.load(SimModules.v1(modules));
        assertThat(host.resolve("sys/kernel/livepatch/klp_patch_v1/klp_target/klp_target_message,1")).isDirectory();
        assertThat(reader.patches().get(0).functions()).singleElement()
                .satisfies(f -> assertThat(f.sympos()).isEqualTo(1));
    }

    @Test
    void signalledSleeperSleepsAgainInTheReplacementFunction() {
        kernel.load(SimModules.v1(modules));
        int sleeper = kernel.startSleepingTask("cat", "cat", "klp_target", "klp_target_wait", false, true);
        kernel.load(SimModules.v2(modules));
        kernel.advance(Duration.ofSeconds(15));
        kernel.settle();
        TaskState after = reader.describe(sleeper, sleeper, -1, true).orElseThrow();
        assertThat(after.stack().get(0)).isEqualTo("livepatch_klp_target_wait+0x149/0x158 [klp_patch_v2]");
        kernel.load(SimModules.v3(modules));
        assertThat(reader.blockers(true)).extracting(TaskState::pid).containsExactly(sleeper);
    }
}
