package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Code nobody at klp wrote: the kernel's own livepatch selftest modules and samples
 * ({@link KernelSelftestModules}, built from Debian's {@code linux-source-<major.minor>} for each
 * kernel line), loaded, replaced, downgraded and disabled through {@code klp apply},
 * {@code klp downgrade}, {@code klp revert} and {@code klp disable} in one boot per kernel. The
 * upstream scripts' expectations hold: for each upstream test replayed, the kernel logs exactly the
 * lines the script's {@code check_result} expects ({@link UpstreamExpectation}, read from the
 * script of the same sources), while {@code klp status}, {@code klp -v patches} and klp's refusals
 * say what the kernel's own files and log say.
 *
 * <p>Where klp cannot do what the script does, the script's way is kept and only klp's view is
 * checked: {@code test_klp_atomic_replace} replaces only with the module parameter
 * {@code replace=1}, which a live patch package never passes (klp loads modules as packaged), so
 * that replacement is an {@code insmod} and klp is asked what it sees; the target modules of the
 * callback tests are no live patches and are loaded with {@code insmod} as upstream does.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class KernelSelftestsOnRealKernelTest {

    /** The kernel line of this run of the class. */
    @Parameter
    DebianKernel line;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String M = GuestFolder.MOUNT_POINT + "/selftests/";
    private static final String LP = "/sys/kernel/livepatch";
    /** As the scripts do between steps (each line to the kernel log, where check_result expects it), and to the step's output. */
    private static final String LIVE_PATCHED = "grep 'live patched' /proc/cmdline | tee /dev/kmsg; grep 'live patched' /proc/meminfo | tee /dev/kmsg; true";
    private static final String KERNEL_VIEW = "cd " + LP + " && find . -mindepth 1 | sort; cd /; echo modules:; cut -d' ' -f1 /proc/modules | grep -E '^(test_klp|livepatch)' | sort; true";

    /** About 35 klp commands of 2 to 8 s each under TCG on a loaded machine, plus the boot. */
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(12);

    private static RealKernelLab lab;
    private static KernelSelftestModules modules;
    private static GuestRun run;
    private static Duration buildTime;

    /** One kernel line's modules and boot. */
    private record Booted(RealKernelLab lab, KernelSelftestModules modules, GuestRun run, Duration buildTime) {
    }

    /** Both lines' builds and boots start with the first invocation and run at once. */
    private static final EveryKernelLine<Booted> BOOTS = new EveryKernelLine<>("selftests", KernelSelftestsOnRealKernelTest::buildAndBoot);

    @BeforeParameterizedClassInvocation
    static void bootOnce(DebianKernel line) {
        Booted b = BOOTS.get(line);
        lab = b.lab();
        modules = b.modules();
        run = b.run();
        buildTime = b.buildTime();
    }

    private static Booted buildAndBoot(DebianKernel line) {
        RealKernelLab lab = RealKernelLab.of(line);
        long start = System.nanoTime();
        KernelSelftestModules modules = KernelSelftestModules.build(lab.kernel(), lab.workDir().resolve("selftest-modules"));
        Duration buildTime = Duration.ofNanos(System.nanoTime() - start);
        GuestFolder folder = lab.newFolder("selftests");
        folder.put("klp.jar", lab.klpJar().jar());
        modules.copyInto(folder);
        SelftestRecords.writeInto(folder, lab.kernel().release().uname());
        GuestRun run = lab.guest().withTimeout(BOOT_TIMEOUT).boot(folder, scenario());
        System.out.println("kernel selftest modules from " + modules.sourcePackage() + " built for " + lab.kernel().release() + " in "
                + buildTime.toMillis() + " ms (cached builds only relink)");
        System.out.println(run.summary());
        return new Booted(lab, modules, run, buildTime);
    }

    /** One step per klp command or kernel action; each upstream test starts with a cleared kernel log and ends with it. */
    static Scenario scenario() {
        Scenario.Builder s = Scenario.builder()
                .step("setup", KlpScript.SETUP)
                // as the scripts' setup_config: the livepatch core's debug messages on (e.g. "initializing patching transition")
                .step("upstream-config", "mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null; "
                        + "printf 'file kernel/livepatch/* +p\\nfunc klp_try_switch_task -p\\n' > /sys/kernel/debug/dynamic_debug/control");
        // test-livepatch.sh "basic function patching"
        s.step("basic-begin", "dmesg -C")
                .step("basic-apply", "klp apply " + M + "test_klp_livepatch.ko --json")
                .step("basic-cmdline", "cat /proc/cmdline")
                .step("basic-status-json", "klp status --json")
                .step("basic-patches-v", "klp -v patches")
                .step("basic-kernel-view", KERNEL_VIEW)
                .step("basic-disable", "klp disable --json")
                .step("basic-cmdline-after", "cat /proc/cmdline")
                .step("basic-after-view", KERNEL_VIEW)
                .step("basic-dmesg", "dmesg");
        // test-livepatch.sh "multiple livepatches": two patches without replace, stacked
        s.step("multiple-begin", "dmesg -C")
                .step("multiple-apply-1", "klp apply " + M + "test_klp_livepatch.ko")
                .step("multiple-grep-1", LIVE_PATCHED)
                .step("multiple-apply-2", "klp apply " + M + "test_klp_atomic_replace.ko")
                .step("multiple-grep-2", LIVE_PATCHED)
                .step("multiple-status-json", "klp status --json")
                .step("multiple-patches-json", "klp patches --json")
                .step("multiple-kernel-view", KERNEL_VIEW)
                .step("multiple-disable-2", "klp disable test_klp_atomic_replace")
                .step("multiple-grep-3", LIVE_PATCHED)
                .step("multiple-disable-1", "klp disable test_klp_livepatch")
                .step("multiple-grep-4", LIVE_PATCHED)
                .step("multiple-after-view", KERNEL_VIEW)
                .step("multiple-dmesg", "dmesg");
        // test-livepatch.sh "atomic replace livepatch", the replacement by insmod with replace=1 (see the class comment)
        s.step("replace-begin", "dmesg -C")
                .step("replace-apply", "klp apply " + M + "test_klp_livepatch.ko")
                .step("replace-insmod", "insmod " + M + "test_klp_atomic_replace.ko replace=1 && klp_wait_gone " + LP + "/test_klp_livepatch 30")
                .step("replace-cmdline", "cat /proc/cmdline")
                .step("replace-status-json", "klp status --json")
                .step("replace-patches-v", "klp -v patches")
                .step("replace-kernel-view", KERNEL_VIEW)
                .step("replace-disable", "klp disable --json")
                .step("replace-rmmod-replaced", "rmmod test_klp_livepatch; echo $?")
                .step("replace-after-view", KERNEL_VIEW);
        // test-state.sh
        s.step("state-begin", "dmesg -C")
                .step("state-apply", "klp apply " + M + "test_klp_state.ko --record " + SelftestRecords.guestPath("test_klp_state"))
                .step("state-loglevel", "cat /proc/sys/kernel/printk")
                .step("state-disable", "klp disable test_klp_state")
                .step("state-dmesg", "dmesg -c")
                .step("takeover-apply-1", "klp apply " + M + "test_klp_state.ko --record " + SelftestRecords.guestPath("test_klp_state"))
                .step("takeover-apply-2", "klp apply " + M + "test_klp_state2.ko --record " + SelftestRecords.guestPath("test_klp_state2") + " --json")
                .step("takeover-view", KERNEL_VIEW)
                .step("takeover-disable", "klp disable")
                .step("takeover-dmesg", "dmesg -c")
                .step("compatible-apply-2", "klp apply " + M + "test_klp_state2.ko --record " + SelftestRecords.guestPath("test_klp_state2"))
                .step("compatible-apply-3", "klp apply " + M + "test_klp_state3.ko --record " + SelftestRecords.guestPath("test_klp_state3"))
                .step("compatible-patches-v", "klp -v patches")
                .step("compatible-downgrade", "klp downgrade -n " + M + "test_klp_state2.ko --record " + SelftestRecords.guestPath("test_klp_state2"))
                .step("compatible-view", KERNEL_VIEW)
                .step("compatible-status-json", "klp status --json")
                .step("compatible-disable", "klp disable")
                .step("compatible-dmesg", "dmesg -c")
                .step("incompatible-apply-2", "klp apply " + M + "test_klp_state2.ko --record " + SelftestRecords.guestPath("test_klp_state2"))
                .step("incompatible-downgrade", "klp downgrade -n " + M + "test_klp_state.ko --record " + SelftestRecords.guestPath("test_klp_state"))
                .step("incompatible-view", KERNEL_VIEW)
                .step("incompatible-status-json", "klp status --json")
                .step("incompatible-disable", "klp disable")
                .step("incompatible-dmesg", "dmesg -c");
        // test-callbacks.sh "target module before livepatch" and "busy target module"
        s.step("callbacks-begin", "dmesg -C")
                .step("callbacks-insmod-target", "insmod " + M + "test_klp_callbacks_mod.ko")
                .step("callbacks-apply", "klp apply " + M + "test_klp_callbacks_demo.ko")
                .step("callbacks-disable", "klp disable")
                .step("callbacks-rmmod-target", "rmmod test_klp_callbacks_mod")
                .step("callbacks-dmesg", "dmesg -c")
                .step("busy-insmod-busy", "insmod " + M + "test_klp_callbacks_busy.ko block_transition=Y")
                .step("busy-apply", "klp apply " + M + "test_klp_callbacks_demo.ko --timeout 2 --on-timeout=wait --json")
                .step("busy-transition", "cat " + LP + "/test_klp_callbacks_demo/transition")
                .step("busy-status-json", "klp status --json")
                .step("busy-blocking-json", "klp blocking --json")
                .step("busy-insmod-target", "insmod " + M + "test_klp_callbacks_mod.ko")
                .step("busy-rmmod-target", "rmmod test_klp_callbacks_mod")
                .step("busy-revert", "klp revert --json")
                .step("busy-rmmod-busy", "rmmod test_klp_callbacks_busy")
                .step("busy-after-view", KERNEL_VIEW)
                .step("busy-dmesg", "dmesg -c");
        // samples/livepatch, and klp refusing what is no live patch
        s.step("sample-apply", "klp apply " + M + "livepatch-sample.ko")
                .step("sample-cmdline", "cat /proc/cmdline")
                .step("sample-patches-v", "klp -v patches")
                .step("sample-disable", "klp disable")
                .step("refuse-target-module", "klp apply " + M + "test_klp_callbacks_mod.ko")
                .step("refuse-shadow-mod", "klp apply " + M + "livepatch-shadow-mod.ko")
                .step("end-view", KERNEL_VIEW);
        return s.build();
    }

    private static UpstreamExpectation upstream(String script, String test) {
        return UpstreamExpectation.of(script, modules.script(script), test);
    }

    private static List<String> kernelLog(String step) {
        return UpstreamExpectation.kernelLines(run.step(step).stdout());
    }

    private static JsonNode json(String step) {
        try {
            return JSON.readTree(run.step(step).stdout());
        } catch (IOException e) {
            throw new AssertionError("Step " + step + " did not print one JSON document: " + run.step(step), e);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The patch folders of a {@code KERNEL_VIEW} step: what the kernel itself lists. */
    private static List<String> kernelPatches(String step) {
        return run.step(step).lines().stream().filter(l -> l.matches("\\./[a-z0-9_]+")).map(l -> l.substring(2)).toList();
    }

    /** The loaded modules of a {@code KERNEL_VIEW} step. */
    private static List<String> kernelModules(String step) {
        List<String> lines = run.step(step).lines();
        return lines.subList(lines.indexOf("modules:") + 1, lines.size());
    }

    @Test
    void basicFunctionPatchingLogsWhatUpstreamExpectsAndKlpShowsWhatTheKernelLists() {
        JsonNode apply = json("basic-apply");
        assertThat(apply.get("result").asText()).isEqualTo("completed");
        assertThat(apply.get("activePatch").asText()).isEqualTo("test_klp_livepatch");
        assertThat(run.step("basic-cmdline").stdout()).isEqualTo("test_klp_livepatch: this has been live patched\n");
        assertThat(kernelPatches("basic-kernel-view")).containsExactly("test_klp_livepatch");
        assertThat(run.step("basic-kernel-view").lines()).contains("./test_klp_livepatch/vmlinux/cmdline_proc_show,1");
        JsonNode status = json("basic-status-json");
        assertThat(status.get("activePatch").asText()).isEqualTo("test_klp_livepatch");
        assertThat(texts(status.get("loadedPatches"))).containsExactly("test_klp_livepatch");
        assertThat(status.at("/taint/flags").asText()).isEqualTo("OEK");
        assertThat(run.step("basic-patches-v").lines()).startsWith("livepatch: test_klp_livepatch", "    active: yes");
        JsonNode disable = json("basic-disable");
        assertThat(disable.get("result").asText()).isEqualTo("completed");
        assertThat(texts(disable.get("unloadedModules"))).containsExactly("test_klp_livepatch");
        assertThat(run.step("basic-cmdline-after").stdout()).doesNotContain("live patched");
        assertThat(kernelPatches("basic-after-view")).isEmpty();
        assertThat(kernelModules("basic-after-view")).isEmpty();
        assertThat(kernelLog("basic-dmesg")).isEqualTo(upstream("test-livepatch.sh", "basic function patching").lines());
    }

    @Test
    void multipleLivepatchesStackAndKlpSaysSo() {
        assertThat(kernelLog("multiple-dmesg")).isEqualTo(upstream("test-livepatch.sh", "multiple livepatches").lines());
        assertThat(run.step("multiple-grep-2").lines()).containsExactly("test_klp_livepatch: this has been live patched",
                "test_klp_atomic_replace: this has been live patched");
        assertThat(kernelPatches("multiple-kernel-view")).containsExactly("test_klp_atomic_replace", "test_klp_livepatch");
        // the second patch has no replace: klp must not say it replaced the first, which stays enabled
        assertThat(run.step("multiple-apply-2").requireSuccess().stdout())
                .contains(", on top of test_klp_livepatch, which stays enabled").doesNotContain("replacing");
        JsonNode status = json("multiple-status-json");
        assertThat(status.get("activePatch").asText()).as("the last on the stack").isEqualTo("test_klp_atomic_replace");
        assertThat(texts(status.get("loadedPatches"))).containsExactly("test_klp_livepatch", "test_klp_atomic_replace");
        JsonNode patches = json("multiple-patches-json").get("patches");
        assertThat(patches).hasSize(2);
        assertThat(patches.get(0).get("enabled").asBoolean()).isTrue();
        assertThat(patches.get(0).get("replaced").asBoolean()).isFalse();
        assertThat(texts(patches.get(0).get("functions"))).containsExactly("vmlinux:cmdline_proc_show,1");
        assertThat(texts(patches.get(1).get("functions"))).containsExactly("vmlinux:meminfo_proc_show,1");
        assertThat(run.step("multiple-kernel-view").lines()).contains("./test_klp_livepatch/vmlinux/cmdline_proc_show,1",
                "./test_klp_atomic_replace/vmlinux/meminfo_proc_show,1");
        assertThat(run.step("multiple-disable-2").requireSuccess().stdout()).contains("active: test_klp_livepatch");
        assertThat(run.step("multiple-grep-3").lines()).containsExactly("test_klp_livepatch: this has been live patched");
        assertThat(run.step("multiple-grep-4").lines()).isEmpty();
        run.step("multiple-disable-1").requireSuccess();
        assertThat(kernelModules("multiple-after-view")).isEmpty();
    }

    @Test
    void anAtomicReplaceKlpDidNotMakeIsShownAsTheKernelShowsIt() {
        run.step("replace-insmod").requireSuccess();
        assertThat(kernelPatches("replace-kernel-view")).containsExactly("test_klp_atomic_replace");
        assertThat(kernelModules("replace-kernel-view")).containsExactly("test_klp_atomic_replace", "test_klp_livepatch");
        JsonNode status = json("replace-status-json");
        assertThat(status.get("activePatch").asText()).isEqualTo("test_klp_atomic_replace");
        assertThat(texts(status.get("loadedPatches"))).containsExactly("test_klp_atomic_replace");
        assertThat(run.step("replace-patches-v").lines()).containsExactly(
                "livepatch: test_klp_livepatch (replaced)",
                "    active: no (replaced; its module is still loaded and can be removed (rmmod test_klp_livepatch))",
                "    package: unknown (no package record for module test_klp_livepatch and kernel " + lab.kernel().release() + ")",
                "livepatch: test_klp_atomic_replace",
                "    active: yes",
                "    package: unknown (no package record for module test_klp_atomic_replace and kernel " + lab.kernel().release() + ")");
        assertThat(run.step("replace-cmdline").stdout()).doesNotContain("live patched");
        assertThat(texts(json("replace-disable").get("unloadedModules"))).containsExactly("test_klp_atomic_replace");
        assertThat(run.step("replace-rmmod-replaced").out()).as("the module klp called removable is").isEqualTo("0");
        assertThat(kernelModules("replace-after-view")).isEmpty();
    }

    @Test
    void systemStatesAreSetUpTakenOverAndReleasedAsUpstreamExpects() {
        assertThat(kernelLog("state-dmesg")).isEqualTo(upstream("test-state.sh", "system state modification").lines());
        assertThat(kernelLog("takeover-dmesg")).isEqualTo(upstream("test-state.sh", "taking over system state modification").lines());
        JsonNode takeover = json("takeover-apply-2");
        assertThat(takeover.get("previousPatch").asText()).isEqualTo("test_klp_state");
        assertThat(texts(takeover.get("unloadedModules"))).as("the replaced patch's module, which upstream removes by rmmod")
                .containsExactly("test_klp_state");
        assertThat(kernelPatches("takeover-view")).containsExactly("test_klp_state2");
    }

    @Test
    void aCompatibleCumulativeDowngradeGoesThroughKlpDowngrade() {
        assertThat(kernelLog("compatible-dmesg")).isEqualTo(upstream("test-state.sh", "compatible cumulative livepatches").lines());
        assertThat(run.step("compatible-apply-3").requireSuccess().stdout()).contains(", replacing test_klp_state2")
                .contains("unloaded module test_klp_state2");
        assertThat(run.step("compatible-patches-v").lines()).startsWith("livepatch: test_klp_state3", "    active: yes",
                "    package: " + pkg() + "-4 (klp record, not installed by a package manager)");
        assertThat(run.step("compatible-downgrade").requireSuccess().stdout())
                .contains("downgrade test_klp_state3 (" + pkg() + " version 4) to test_klp_state2 (" + pkg() + " version 3)")
                .contains("- selftest#test-klp-state3").contains("unloaded module test_klp_state3");
        JsonNode status = json("compatible-status-json");
        assertThat(status.get("activePatch").asText()).isEqualTo("test_klp_state2");
        assertThat(status.get("effectiveKernelRelease").asText()).isEqualTo(lab.kernel().release() + "+lp3");
        assertThat(kernelPatches("compatible-view")).containsExactly("test_klp_state2");
    }

    /**
     * The downgrade to {@code test_klp_state} (state 1 at version 1) over {@code test_klp_state2}
     * (version 2) is refused, and klp says why in the kernel's words when the kernel refused it,
     * or in its own when it refused before loading; either way the kernel keeps test_klp_state2
     * and logs what upstream expects (without the kernel's refusal if nothing was loaded).
     */
    @Test
    void anIncompatibleCumulativeDowngradeIsRefusedAndKlpSaysWhy() {
        StepResult down = run.step("incompatible-downgrade");
        assertThat(down.exitCode()).isEqualTo(3);
        assertThat(down.stdout()).contains("nothing changed: test_klp_state2 (" + pkg() + " version 3) is active");
        List<String> expected = new ArrayList<>(upstream("test-state.sh", "incompatible cumulative livepatches").lines());
        String kernelRefusal = "livepatch: Livepatch patch (test_klp_state) is not compatible with the already installed livepatches.";
        assertThat(expected).contains(kernelRefusal);
        if (down.stderr().contains("insmod")) {
            assertThat(down.err()).contains("(kernel: " + kernelRefusal + ")");
        } else {
            assertThat(down.err()).as("refused before loading: klp names the state").containsIgnoringCase("state");
            expected.remove(kernelRefusal);
        }
        assertThat(kernelLog("incompatible-dmesg")).isEqualTo(expected);
        assertThat(kernelPatches("incompatible-view")).containsExactly("test_klp_state2");
        assertThat(json("incompatible-status-json").get("activePatch").asText()).isEqualTo("test_klp_state2");
    }

    @Test
    void callbacksRunInTheOrderUpstreamExpects() {
        run.step("callbacks-apply").requireSuccess();
        run.step("callbacks-disable").requireSuccess();
        assertThat(kernelLog("callbacks-dmesg")).isEqualTo(upstream("test-callbacks.sh", "target module before livepatch").lines());
    }

    @Test
    void aBusyTargetModuleHoldsTheTransitionKlpShowsItAndRevertsIt() {
        JsonNode apply = json("busy-apply");
        assertThat(apply.get("result").asText()).isEqualTo("in_progress");
        assertThat(run.step("busy-apply").exitCode()).isEqualTo(1);
        assertThat(run.step("busy-transition").out()).isEqualTo("1");
        JsonNode status = json("busy-status-json");
        assertThat(status.at("/transition/patch").asText()).isEqualTo("test_klp_callbacks_demo");
        JsonNode blocking = json("busy-blocking-json").get("blocking");
        assertThat(blocking).isNotEmpty();
        assertThat(blocking.toString()).contains("busymod_work_func");
        assertThat(json("busy-revert").get("result").asText()).isEqualTo("reverted");
        run.step("busy-rmmod-busy").requireSuccess();
        assertThat(kernelPatches("busy-after-view")).isEmpty();
        assertThat(kernelModules("busy-after-view")).isEmpty();
        // The kernel signals the tasks a transition waits for every 15 s: upstream's run is over before the
        // first signal, ours (klp's commands under TCG) is not. That line says how long it took, nothing else.
        List<String> log = new ArrayList<>(kernelLog("busy-dmesg"));
        log.removeIf(l -> l.equals("livepatch: signaling remaining tasks"));
        assertThat(log).isEqualTo(upstream("test-callbacks.sh", "busy target module").lines());
    }

    @Test
    void theSampleLoadsAndWhatIsNoLivePatchIsRefused() {
        run.step("sample-apply").requireSuccess();
        assertThat(run.step("sample-cmdline").stdout()).isEqualTo("this has been live patched\n");
        assertThat(run.step("sample-patches-v").lines()).startsWith("livepatch: livepatch_sample", "    active: yes");
        run.step("sample-disable").requireSuccess();
        assertThat(run.step("refuse-target-module").exitCode()).isNotZero();
        assertThat(run.step("refuse-target-module").err()).contains("(test_klp_callbacks_mod) is a kernel module but not a live patch");
        assertThat(run.step("refuse-shadow-mod").err()).contains("(livepatch_shadow_mod) is a kernel module but not a live patch");
        assertThat(kernelModules("end-view")).isEmpty();
    }

    /** The modules come from the kernel's own version of the sources; the timings go to the test log. */
    @Test
    void theModulesComeFromTheKernelsOwnSourcesAndTheFiguresAreReported() {
        assertThat(modules.sourcePackage()).isEqualTo("linux-source-" + lab.kernel().version());
        long klpMillis = run.steps().stream().filter(s -> s.name().matches(".*-(apply|apply-\\d|disable|disable-\\d|downgrade|revert)"))
                .mapToLong(s -> s.guestTime().toMillis()).sum();
        System.out.println("kernel selftests on " + lab.kernel().release() + " (sources " + modules.sourcePackage() + "): modules built in "
                + buildTime.toMillis() + " ms, boot " + run.wallTime().toMillis() + " ms host time, root ready after "
                + run.rootReadyAfter().toMillis() + " ms, klp apply/disable/downgrade/revert " + klpMillis + " ms guest time");
    }

    private static String pkg() {
        return "kernel-livepatch-" + lab.kernel().release().packageForm();
    }
}
