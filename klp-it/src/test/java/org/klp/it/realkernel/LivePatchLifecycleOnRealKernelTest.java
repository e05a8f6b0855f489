package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole life of a cumulative live patch on Debian's kernel, in one boot, with plain shell:
 * no patch; v1 loads at once; v2 waits for a task asleep in a patched function until the
 * kernel's fake signal; a third load during that transition is refused; v3 is blocked by a
 * kernel thread that never leaves a patched function, is reversed, then forced; the forced
 * replacement pins the replaced modules; a downgrade to v1 and a disable restore the original
 * code. Along the way the kernel's files are captured as fixtures for the simulated kernel.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class LivePatchLifecycleOnRealKernelTest {

    /** The kernel line of this run of the class (each line's boots are made once, before its tests). */
    @Parameter
    DebianKernel line;


    private static final String LP = "/sys/kernel/livepatch";
    private static final String MODULES = "/work/modules/";
    /** A task's patch_state outside a transition. */
    private static final String NOT_IN_TRANSITION = "-1";

    private static RealKernelLab lab;
    private static GuestRun run;

    /** Both lines' boots start with the first invocation and run at once. */
    private static final EveryKernelLine<GuestRun> BOOTS = new EveryKernelLine<>("lifecycle", l -> {
        RealKernelLab lab = RealKernelLab.of(l);
        GuestRun run = lab.guest().boot(lab.newFolder("lifecycle"), scenario());
        System.out.println(run.summary());
        return run;
    });

    @BeforeParameterizedClassInvocation
    static void bootOnce(DebianKernel line) {
        lab = RealKernelLab.of(line);
        run = BOOTS.get(line);
    }

    static Scenario scenario() {
        return Scenario.builder()
                // (a) no patch
                .step("no-patch-livepatch", "ls -A " + LP)
                .step("no-patch-taint", "cat /proc/sys/kernel/tainted")
                .step("insmod-target", "insmod " + MODULES + "klp_target.ko")
                .step("target-taint", "cat /proc/sys/kernel/tainted")
                .step("original-message", "cat /proc/klp_target/message")
                .step("capture-no-patch", "klp_capture no-patch")
                // (b) v1, nothing blocks
                .step("insmod-v1", "insmod " + MODULES + "klp_patch_v1.ko")
                .step("v1-wait", "klp_wait_for " + LP + "/klp_patch_v1/transition 0 30")
                .step("v1-tree", "cd " + LP + " && find . | sort; cd /")
                .step("v1-values", "cd " + LP + "/klp_patch_v1 && grep . enabled transition klp_target/patched; cd /")
                .step("v1-message", "cat /proc/klp_target/message")
                .step("v1-taint", "cat /proc/sys/kernel/tainted")
                .step("v1-task-patch-state", "cat /proc/self/patch_state")
                .step("v1-read-force", "cat " + LP + "/klp_patch_v1/force")
                .step("v1-force-outside-transition", "echo 1 > " + LP + "/klp_patch_v1/force")
                .step("v1-enable-again", "echo 1 > " + LP + "/klp_patch_v1/enabled")
                .step("v1-write-transition", "echo 0 > " + LP + "/klp_patch_v1/transition")
                .step("capture-v1-active", "klp_capture v1-active")
                // (c) v1 -> v2 while a task sleeps in klp_target_wait
                .step("start-sleeper", "cat /proc/klp_target/sleep > /tmp/sleeper.out 2>&1 & SLEEPER=$!; klp_nap 0.5; echo $SLEEPER")
                .step("sleeper-stack-before", "cat /proc/$SLEEPER/stack")
                .step("insmod-v2", "klp_us V2_START; insmod " + MODULES + "klp_patch_v2.ko")
                .step("v2-during-livepatch", "klp_nap 0.3; ls " + LP)
                .step("v2-during-values", "cd " + LP + " && grep . */enabled */transition */klp_target/patched; cd /")
                .step("v2-sleeper-patch-state", "cat /proc/$SLEEPER/patch_state")
                .step("v2-sleeper-stack", "cat /proc/$SLEEPER/stack")
                .step("v2-shell-patch-state", "read -r s < /proc/$$/patch_state; echo $s")
                .step("v2-new-task-patch-state", "cat /proc/self/patch_state")
                .step("v2-blockers", blockers("0"))
                .step("capture-blocked-v1-to-v2", "klp_capture blocked-v1-to-v2")
                .step("insmod-v3-during-transition", "insmod " + MODULES + "klp_patch_v3.ko")
                .step("dmesg-after-busy", "dmesg | tail -n 3")
                .step("v2-wait-fake-signal", "klp_wait_for " + LP + "/klp_patch_v2/transition 0 45")
                .step("v2-completed-after-ms", "klp_us now; echo $(( (now - V2_START) / 1000 ))")
                .step("v2-done-livepatch", "ls " + LP)
                .step("v2-done-sleeper-patch-state", "cat /proc/$SLEEPER/patch_state")
                .step("v2-done-sleeper-stack", "cat /proc/$SLEEPER/stack")
                .step("v2-message", "cat /proc/klp_target/message")
                .step("release-sleeper", "echo 1 > /proc/klp_target/sleep; wait $SLEEPER; cat /tmp/sleeper.out")
                .step("v2-modules", "grep '^klp_' /proc/modules | cut -d' ' -f1,3,5 | sort")
                // v2 -> v3 blocked by a kernel thread in klp_target_loop; reversed
                .step("start-spinner", "echo 1 > /proc/klp_target/spin; klp_nap 0.3; SPIN=$(pgrep -x klp_target_spin); echo $SPIN")
                .step("insmod-v3", "insmod " + MODULES + "klp_patch_v3.ko")
                .step("v3-after-17s", "klp_nap 17; cd " + LP + " && grep . */enabled */transition; cd /")
                .step("v3-spinner-patch-state", "cat /proc/$SPIN/patch_state")
                .step("v3-spinner-stack", "cat /proc/$SPIN/stack")
                .step("v3-blockers", blockers("0"))
                .step("v3-during-cmdline", "cat /proc/cmdline")
                .step("reverse-v3", "echo 0 > " + LP + "/klp_patch_v3/enabled")
                .step("reverse-wait", "klp_wait_gone " + LP + "/klp_patch_v3 30")
                .step("reversed-livepatch", "ls " + LP)
                .step("reversed-values", "cd " + LP + " && grep . */enabled */transition; cd /")
                .step("reversed-message", "cat /proc/klp_target/message")
                .step("reversed-cmdline", "cat /proc/cmdline")
                .step("reversed-modules", "grep '^klp_' /proc/modules | cut -d' ' -f1,3 | sort")
                .step("rmmod-reversed-v3", "rmmod klp_patch_v3")
                // (d) v3 again, forced
                .step("insmod-v3-again", "insmod " + MODULES + "klp_patch_v3.ko")
                .step("v3-again-transition", "klp_nap 1; cat " + LP + "/klp_patch_v3/transition")
                .step("force-v3", "echo 1 > " + LP + "/klp_patch_v3/force")
                .step("force-wait", "klp_wait_for " + LP + "/klp_patch_v3/transition 0 30")
                .step("forced-livepatch", "ls " + LP)
                .step("forced-cmdline", "cat /proc/cmdline")
                .step("forced-message", "cat /proc/klp_target/message")
                .step("forced-spinner-patch-state", "cat /proc/$SPIN/patch_state")
                .step("forced-spinner-stack", "cat /proc/$SPIN/stack")
                .step("forced-spinner-iterations", "read -r _ a < /proc/klp_target/spin; b=$a; for i in $(seq 100); do"
                        + " klp_nap 0.1; read -r _ b < /proc/klp_target/spin; [ $b != $a ] && break; done; echo $((b - a))")
                .step("capture-forced-v3", "klp_capture forced-v3")
                .step("forced-refcnt", "cd /sys/module && grep . klp_patch_v*/refcnt; cd /")
                .step("rmmod-forced-replaced-v2", "rmmod klp_patch_v2")
                .step("rmmod-forced-replaced-v2-syscall", "busybox rmmod klp_patch_v2")
                .step("forced-taint", "cat /proc/sys/kernel/tainted")
                // downgrade v3 -> v1
                .step("stop-spinner", "echo 0 > /proc/klp_target/spin; cat /proc/klp_target/spin")
                .step("downgrade-while-replaced-v1-loaded", "insmod " + MODULES + "klp_patch_v1.ko")
                .step("rmmod-replaced-v1", "rmmod klp_patch_v1")
                .step("downgrade-v1", "insmod " + MODULES + "klp_patch_v1.ko")
                .step("downgrade-wait", "klp_wait_for " + LP + "/klp_patch_v1/transition 0 30")
                .step("downgraded-livepatch", "ls " + LP)
                .step("downgraded-cmdline", "cat /proc/cmdline")
                .step("downgraded-message", "cat /proc/klp_target/message")
                .step("downgraded-wait-code", "cat /proc/klp_target/sleep & p=$!; klp_nap 0.3; echo 1 > /proc/klp_target/sleep; wait $p")
                .step("rmmod-replaced-forcing-v3", "rmmod klp_patch_v3")
                // disable
                .step("disable-v1", "echo 0 > " + LP + "/klp_patch_v1/enabled")
                .step("disable-wait", "klp_wait_gone " + LP + "/klp_patch_v1 30")
                .step("disabled-livepatch", "ls -A " + LP)
                .step("disabled-message", "cat /proc/klp_target/message")
                .step("rmmod-disabled-v1", "rmmod klp_patch_v1")
                .step("final-modules", "grep '^klp_' /proc/modules | cut -d' ' -f1,3 | sort")
                .step("final-taint", "cat /proc/sys/kernel/tainted")
                .build();
    }

    /** Prints "pid comm" of every task whose patch_state is the given value. */
    private static String blockers(String state) {
        return "for p in /proc/[0-9]*; do read -r s < $p/patch_state && [ \"$s\" = " + state
                + " ] && read -r c < $p/comm && echo \"${p#/proc/} $c\"; done 2>/dev/null; true";
    }

    @Test
    void withoutAPatchTheLivepatchFolderIsEmptyAndOnlyTheOutOfTreeModuleTaints() {
        assertThat(run.step("no-patch-livepatch").requireSuccess().stdout()).isEmpty();
        assertThat(run.step("no-patch-taint").out()).isEqualTo("0");
        run.step("insmod-target").requireSuccess();
        assertThat(run.step("target-taint").out()).as("TAINT_OOT_MODULE | TAINT_UNSIGNED_MODULE").isEqualTo("12288");
        assertThat(run.step("original-message").stdout()).isEqualTo("klp_target_message: original code\n");
    }

    @Test
    void loadingV1WithNothingBlockingCompletesByTheTimeInsmodReturns() {
        run.step("insmod-v1").requireSuccess();
        run.step("v1-wait").requireSuccess();
        List<String> tree = new ArrayList<>(List.of(".", "./klp_patch_v1", "./klp_patch_v1/klp_target",
                "./klp_patch_v1/klp_target/klp_target_message,1", "./klp_patch_v1/klp_target/patched"));
        PatchFolderFiles.of(lab.kernel().version()).forEach(f -> tree.add("./klp_patch_v1/" + f));
        tree.sort(null);
        assertThat(run.step("v1-tree").lines()).as("the tree of " + lab.kernel().version() + ", files of its version included")
                .containsExactlyElementsOf(tree);
        assertThat(run.step("v1-values").lines()).containsExactly("enabled:1", "transition:0", "klp_target/patched:1");
        assertThat(run.step("v1-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v1\n");
        assertThat(run.step("v1-taint").out()).as("... | TAINT_LIVEPATCH").isEqualTo("45056");
        assertThat(run.step("v1-task-patch-state").out()).isEqualTo(NOT_IN_TRANSITION);
    }

    @Test
    void sysfsRefusesToReadForceAndToWriteTransition() {
        assertThat(run.step("v1-read-force").requireFailure().stderr()).contains("Permission denied");
        assertThat(run.step("v1-write-transition").requireFailure().stderr()).contains("Permission denied");
    }

    @Test
    void forceAndEnableOutsideATransitionAreRejectedAsInvalid() {
        assertThat(run.step("v1-force-outside-transition").requireFailure().stderr()).contains("Invalid argument");
        assertThat(run.step("v1-enable-again").requireFailure().stderr()).contains("Invalid argument");
    }

    @Test
    void anUpgradeWaitsForATaskAsleepInAPatchedFunction() {
        String sleeper = run.step("start-sleeper").requireSuccess().out();
        assertThat(run.step("sleeper-stack-before").stdout()).contains("klp_target_wait+").contains("[klp_target]");
        run.step("insmod-v2").requireSuccess();
        assertThat(run.step("v2-during-livepatch").lines()).containsExactly("klp_patch_v1", "klp_patch_v2");
        assertThat(run.step("v2-during-values").lines()).containsExactly(
                "klp_patch_v1/enabled:1", "klp_patch_v2/enabled:1",
                "klp_patch_v1/transition:0", "klp_patch_v2/transition:1",
                "klp_patch_v1/klp_target/patched:1", "klp_patch_v2/klp_target/patched:1");
        assertThat(run.step("v2-sleeper-patch-state").out()).as("the sleeper still runs the old patch").isEqualTo("0");
        assertThat(run.step("v2-sleeper-stack").stdout()).contains("klp_target_wait+").contains("[klp_target]");
        assertThat(run.step("v2-shell-patch-state").out()).as("the scenario's shell has switched").isEqualTo("1");
        assertThat(run.step("v2-new-task-patch-state").out()).as("a new task starts switched").isEqualTo("1");
        assertThat(run.step("v2-blockers").lines()).containsExactly(sleeper + " cat");
    }

    @Test
    void loadingAnotherPatchDuringATransitionIsRefusedAsBusy() {
        StepResult busy = run.step("insmod-v3-during-transition").requireFailure();
        assertThat(busy.stderr()).contains("could not insert module").contains("Device or resource busy");
    }

    @Test
    void theFakeSignalCompletesTheUpgradeAndTheSleeperWakesInTheNewCode() {
        run.step("v2-wait-fake-signal").requireSuccess();
        assertThat(run.dmesg()).containsSubsequence("livepatch: 'klp_patch_v2': starting patching transition",
                "livepatch: signaling remaining tasks", "livepatch: 'klp_patch_v2': patching complete");
        assertThat(run.step("v2-done-livepatch").lines()).containsExactly("klp_patch_v2");
        assertThat(run.step("v2-done-sleeper-patch-state").out()).isEqualTo(NOT_IN_TRANSITION);
        assertThat(run.step("v2-done-sleeper-stack").stdout())
                .as("the interrupted read restarted, in the new function").contains("[klp_patch_v2]");
        assertThat(run.step("v2-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        assertThat(run.step("release-sleeper").requireSuccess().stdout())
                .isEqualTo("klp_target_wait: live patched by klp_patch_v2, released\n");
        assertThat(run.step("v2-modules").lines()).as("the replaced v1 stays loaded, unused")
                .containsExactly("klp_patch_v1 0 Live", "klp_patch_v2 1 Live", "klp_target 0 Live");
    }

    @Test
    void aKernelThreadInAPatchedFunctionBlocksEvenAfterTheFakeSignal() {
        String spinner = run.step("start-spinner").requireSuccess().out();
        run.step("insmod-v3").requireSuccess();
        assertThat(run.step("v3-after-17s").lines()).containsExactly(
                "klp_patch_v2/enabled:1", "klp_patch_v3/enabled:1", "klp_patch_v2/transition:0", "klp_patch_v3/transition:1");
        assertThat(run.step("v3-spinner-patch-state").out()).isEqualTo("0");
        assertThat(run.step("v3-spinner-stack").stdout()).contains("klp_target_loop+").contains("[klp_target]");
        assertThat(run.step("v3-blockers").lines()).containsExactly(spinner + " klp_target_spin");
        assertThat(run.step("v3-during-cmdline").out()).as("a new task already runs v3's code")
                .endsWith(" live_patched_by=klp_patch_v3");
    }

    @Test
    void disablingDuringATransitionReversesItAndKeepsThePreviousPatch() {
        run.step("reverse-v3").requireSuccess();
        run.step("reverse-wait").requireSuccess();
        assertThat(run.step("reversed-livepatch").lines()).containsExactly("klp_patch_v2");
        assertThat(run.step("reversed-values").lines()).containsExactly("klp_patch_v2/enabled:1", "klp_patch_v2/transition:0");
        assertThat(run.step("reversed-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        assertThat(run.step("reversed-cmdline").out()).doesNotContain("live_patched_by");
        assertThat(run.step("reversed-modules").lines()).contains("klp_patch_v3 0");
        run.step("rmmod-reversed-v3").requireSuccess();
    }

    @Test
    void forceCompletesTheTransitionButTheBlockerKeepsRunningOldCode() {
        run.step("insmod-v3-again").requireSuccess();
        assertThat(run.step("v3-again-transition").out()).isEqualTo("1");
        run.step("force-v3").requireSuccess();
        run.step("force-wait").requireSuccess();
        assertThat(run.dmesg()).contains("livepatch: forcing remaining tasks to the patched state");
        assertThat(run.step("forced-livepatch").lines()).containsExactly("klp_patch_v3");
        assertThat(run.step("forced-cmdline").out()).endsWith(" live_patched_by=klp_patch_v3");
        assertThat(run.step("forced-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v3\n");
        assertThat(run.step("forced-spinner-patch-state").out()).isEqualTo(NOT_IN_TRANSITION);
        assertThat(run.step("forced-spinner-stack").stdout()).contains("klp_target_loop+").contains("[klp_target]");
        assertThat(Long.parseLong(run.step("forced-spinner-iterations").out()))
                .as("the old loop adds 1 per iteration, v3's adds 1000").isBetween(1L, 999L);
    }

    @Test
    void aForcedTransitionPinsTheReplacedPatchModule() {
        assertThat(run.step("forced-refcnt").lines())
                .containsExactly("klp_patch_v1/refcnt:0", "klp_patch_v2/refcnt:1", "klp_patch_v3/refcnt:1");
        assertThat(run.step("rmmod-forced-replaced-v2").requireFailure().stderr())
                .isEqualTo("rmmod: ERROR: Module klp_patch_v2 is in use\n");
        assertThat(run.step("rmmod-forced-replaced-v2-syscall").requireFailure().stderr())
                .contains("Resource temporarily unavailable");
        assertThat(run.step("forced-taint").out()).isEqualTo("45056");
    }

    @Test
    void aDowngradeIsALoadOfTheOlderCumulativePatch() {
        assertThat(run.step("stop-spinner").out()).isEqualTo("stopped");
        assertThat(run.step("downgrade-while-replaced-v1-loaded").requireFailure().stderr())
                .as("the replaced v1 module is still loaded").contains("File exists");
        run.step("rmmod-replaced-v1").requireSuccess();
        run.step("downgrade-v1").requireSuccess();
        run.step("downgrade-wait").requireSuccess();
        assertThat(run.step("downgraded-livepatch").lines()).containsExactly("klp_patch_v1");
        assertThat(run.step("downgraded-cmdline").out()).doesNotContain("live_patched_by");
        assertThat(run.step("downgraded-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v1\n");
        assertThat(run.step("downgraded-wait-code").stdout()).isEqualTo("klp_target_wait: original code, released\n");
        // A forced replacement pins the patches it replaced (v2), not itself: replaced in turn, v3 unloads.
        run.step("rmmod-replaced-forcing-v3").requireSuccess();
    }

    @Test
    void disablingTheLastPatchRestoresTheOriginalCodeButNotTheTaint() {
        run.step("disable-v1").requireSuccess();
        run.step("disable-wait").requireSuccess();
        assertThat(run.step("disabled-livepatch").stdout()).isEmpty();
        assertThat(run.step("disabled-message").stdout()).isEqualTo("klp_target_message: original code\n");
        run.step("rmmod-disabled-v1").requireSuccess();
        assertThat(run.step("final-modules").lines()).containsExactly("klp_patch_v2 1", "klp_target 0");
        assertThat(run.step("final-taint").out()).isEqualTo("45056");
    }

    @Test
    void theKernelFilesAreCapturedAtEachStage() {
        for (String stage : new String[] {"no-patch", "v1-active", "blocked-v1-to-v2", "forced-v3"}) {
            run.step("capture-" + stage).requireSuccess();
            run.folder().unpack("out/fixtures/" + stage + ".tar");
            assertThat(run.folder().readString("out/fixtures/" + stage + "/proc/sys/kernel/osrelease"))
                    .isEqualTo(lab.kernel().release().uname() + "\n");
            assertThat(run.folder().readString("out/fixtures/" + stage + "/proc/1/cmdline")).isEqualTo("/bin/busybox\0sh\0/init\0");
        }
        GuestFolder f = run.folder();
        String blocked = "out/fixtures/blocked-v1-to-v2/";
        String sleeper = run.step("start-sleeper").out();
        assertThat(f.readString(blocked + "sys/kernel/livepatch/klp_patch_v2/transition")).isEqualTo("1\n");
        assertThat(f.readString(blocked + "proc/" + sleeper + "/patch_state")).isEqualTo("0\n");
        assertThat(f.readString(blocked + "proc/" + sleeper + "/comm")).isEqualTo("cat\n");
        assertThat(f.readString(blocked + "proc/" + sleeper + "/cmdline")).isEqualTo("cat\0/proc/klp_target/sleep\0");
        assertThat(f.exists(blocked + "sys/kernel/livepatch/klp_patch_v2/klp_target/klp_target_wait,1/.keep")).isTrue();
        assertThat(f.readString(blocked + "capture.txt")).contains("200 f sys/kernel/livepatch/klp_patch_v2/force");
        assertThat(f.readString("out/fixtures/no-patch/proc/sys/kernel/tainted")).isEqualTo("12288\n");
        assertThat(f.readString("out/fixtures/forced-v3/sys/module/klp_patch_v2/refcnt")).isEqualTo("1\n");
    }
}
