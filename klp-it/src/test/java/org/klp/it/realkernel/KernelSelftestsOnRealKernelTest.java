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
    private static final String LIVE_PATCHED = "grep 'live patched' /proc/cmdline > /dev/kmsg; grep 'live patched' /proc/meminfo > /dev/kmsg; cat /proc/cmdline";
    private static final String KERNEL_VIEW = "cd " + LP + " && find . -mindepth 1 | sort; cd /; echo modules:; cut -d' ' -f1 /proc/modules | grep -E '^(test_klp|livepatch)' | sort; true";

    private static RealKernelLab lab;
    private static KernelSelftestModules modules;
    private static GuestRun run;
    private static Duration buildTime;

    @BeforeParameterizedClassInvocation
    static void bootOnce(DebianKernel line) {
        lab = RealKernelLab.of(line);
        long start = System.nanoTime();
        modules = KernelSelftestModules.build(lab.kernel(), lab.workDir().resolve("selftests"));
        buildTime = Duration.ofNanos(System.nanoTime() - start);
        GuestFolder folder = lab.newFolder("selftests");
        folder.put("klp.jar", lab.klpJar().jar());
        modules.copyInto(folder);
        SelftestRecords.writeInto(folder, lab.kernel().release().uname());
        run = lab.guest().boot(folder, scenario());
        System.out.println("kernel selftest modules from " + modules.sourcePackage() + " built for " + lab.kernel().release() + " in "
                + buildTime.toMillis() + " ms (cached builds only relink)");
        System.out.println(run.summary());
    }

    /** One step per klp command or kernel action; each upstream test starts with a cleared kernel log and ends with it. */
    static Scenario scenario() {
        Scenario.Builder s = Scenario.builder()
                .step("setup", KlpScript.SETUP);
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
                .step("incompatible-downgrade-json", "klp downgrade -n " + M + "test_klp_state.ko --record "
                        + SelftestRecords.guestPath("test_klp_state") + " --json")
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

    @Test
    void basicFunctionPatchingLogsWhatUpstreamExpects() {
        run.step("basic-apply").requireSuccess();
        assertThat(run.step("basic-cmdline").stdout()).isEqualTo("test_klp_livepatch: this has been live patched\n");
        run.step("basic-disable").requireSuccess();
        assertThat(run.step("basic-cmdline-after").stdout()).doesNotContain("live patched");
        assertThat(kernelLog("basic-dmesg")).isEqualTo(upstream("test-livepatch.sh", "basic function patching").lines());
    }

    @Test
    void printsWhatItSaw() {
        List<String> all = new ArrayList<>();
        for (StepResult s : run.steps()) {
            all.add(s.toString());
        }
        System.out.println(String.join("\n", all));
    }
}
