package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two boots with one guest folder. The first feeds the kernel bad modules (a vermagic from
 * another kernel release, from another configuration, a truncated file, a module that is no
 * live patch), shows the kernel refusing a cumulative patch with a lower klp state version,
 * runs java, and records the active patch in {@code /var/lib/klp}. The second boot's hook
 * re-applies that patch before anything else runs, before its target module is even loaded.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class BadInputAndRebootOnRealKernelTest {

    /** The kernel line of this run of the class (each line's boots are made once, before its tests). */
    @Parameter
    DebianKernel line;


    private static final String LP = "/sys/kernel/livepatch";
    private static final String MODULES = "/work/modules/";

    private static RealKernelLab lab;
    private static GuestRun first;
    private static GuestRun second;

    @BeforeParameterizedClassInvocation
    static void bootTwice(DebianKernel line) {
        lab = RealKernelLab.of(line);
        GuestFolder folder = lab.newFolder("bad-input-and-reboot");
        folder.put("probe.jar", GuestJars.runnable(KernelFilesProbe.class, lab.workDir().resolve("probe.jar")));
        first = lab.guest().boot(folder, badInputAndStates());
        System.out.println(first.summary());
        second = lab.guest().boot(folder, reboot());
        System.out.println(second.summary());
    }

    private static Scenario badInputAndStates() {
        return Scenario.builder()
                .step("insmod-target", "insmod " + MODULES + "klp_target.ko")
                // a vermagic naming another release of the same kernel (the ABI number rewritten to 99)
                .step("bad-release-modinfo", "modinfo -F vermagic " + MODULES + "klp_bad_release.ko")
                .step("bad-release-insmod", "insmod " + MODULES + "klp_bad_release.ko")
                .step("bad-release-livepatch", "ls -A " + LP)
                .step("bad-release-dmesg", "dmesg | tail -n 4")
                .step("bad-release-cleanup", disableAndRemove("klp_patch_v1"))
                // a vermagic with other flags (SMP preempt -> SMP PREEMPT)
                .step("bad-vermagic-insmod", "insmod " + MODULES + "klp_bad_vermagic.ko")
                .step("bad-vermagic-dmesg", "dmesg | tail -n 1")
                .step("truncated-insmod", "insmod " + MODULES + "klp_truncated.ko")
                .step("truncated-dmesg", "dmesg | tail -n 1")
                .step("bad-livepatch", "ls -A " + LP)
                // not a live patch
                .step("plain-modinfo-livepatch", "modinfo -F livepatch " + MODULES + "klp_plain.ko; modinfo -F livepatch "
                        + MODULES + "klp_patch_v1.ko")
                .step("plain-insmod", "insmod " + MODULES + "klp_plain.ko")
                .step("plain-livepatch", "ls -A " + LP)
                .step("plain-taint", "cat /sys/module/klp_plain/taint")
                .step("plain-sys-module", "ls /sys/module/klp_plain")
                .step("plain-rmmod", "rmmod klp_plain")
                // klp states: id 1 at version 2, then a patch at version 1
                .step("state2-insmod-v2", "insmod " + MODULES + "klp_patch_v2.ko state_version=2")
                .step("state2-wait", "klp_wait_for " + LP + "/klp_patch_v2/transition 0 30")
                .step("state1-insmod-v1-over-state2", "insmod " + MODULES + "klp_patch_v1.ko")
                .step("state1-v1-dmesg", "dmesg | tail -n 1")
                .step("state1-insmod-v3-over-state2", "insmod " + MODULES + "klp_patch_v3.ko")
                .step("state1-v3-dmesg", "dmesg | tail -n 1")
                .step("state1-livepatch", "ls " + LP)
                .step("state1-modules", "grep '^klp_patch' /proc/modules | cut -d' ' -f1 | sort")
                .step("state2-insmod-v3", "insmod " + MODULES + "klp_patch_v3.ko state_version=2")
                .step("state2-v3-wait", "klp_wait_for " + LP + "/klp_patch_v3/transition 0 30")
                .step("state2-insmod-v1", "insmod " + MODULES + "klp_patch_v1.ko state_version=2")
                .step("state2-v1-wait", "klp_wait_for " + LP + "/klp_patch_v1/transition 0 30")
                .step("state2-message", "cat /proc/klp_target/message")
                .step("java-jar-kernel-files", "java -jar /work/probe.jar " + probe("klp_patch_v1"))
                .step("state-cleanup", disableAndRemove("klp_patch_v1") + "; rmmod klp_patch_v2 klp_patch_v3; ls -A " + LP)
                // java, and the record the next boot reads
                .step("java-version", "java -version")
                .step("java-version-again", "java -version")
                .step("record-active-patch", "mkdir -p /var/lib/klp && echo klp_patch_v2 > /var/lib/klp/active-patch")
                .step("boot-id", "cat /proc/sys/kernel/random/boot_id")
                .build();
    }

    private static Scenario reboot() {
        return Scenario.builder()
                .bootHook("read -r patch < /var/lib/klp/active-patch && insmod " + MODULES + "$patch.ko"
                        + " && klp_wait_for " + LP + "/$patch/transition 0 30 >/dev/null && cut -d' ' -f1 /proc/uptime")
                .step("boot-id", "cat /proc/sys/kernel/random/boot_id")
                .step("hook-livepatch", "ls " + LP)
                .step("hook-tree", "cd " + LP + " && find . | sort; cd /")
                .step("patched-before-target", "cat " + LP + "/klp_patch_v2/klp_target/patched")
                .step("taint-before-target", "cat /proc/sys/kernel/tainted")
                .step("insmod-target-after-patch", "insmod " + MODULES + "klp_target.ko")
                .step("patched-after-target", "cat " + LP + "/klp_patch_v2/klp_target/patched")
                .step("message", "cat /proc/klp_target/message")
                .step("rmmod-target-under-patch", "rmmod klp_target; cat " + LP + "/klp_patch_v2/klp_target/patched")
                .build();
    }

    /** KernelFilesProbe's arguments: read each file of a patch and two of procfs, write three. */
    private static String probe(String patch) {
        String p = LP + "/" + patch;
        return String.join(" ", "read:" + p + "/enabled", "read:" + p + "/transition", "read:" + p + "/force",
                "read:" + p + "/klp_target/patched", "read:/proc/self/patch_state", "read:/proc/1/cmdline", "read:/proc/sys/kernel/tainted",
                "write:" + p + "/force=1", "write:" + p + "/enabled=1", "write:" + p + "/transition=0");
    }

    /**
     * What {@code testkernel/rewrite-vermagic.pl release} makes of a release: its last number after
     * a '.' or '-' all nines (eights if it was all nines).
     */
    static String withReleaseNumberRewritten(String release) {
        Matcher m = Pattern.compile("(?<=[.-])\\d+").matcher(release);
        int start = -1;
        int end = -1;
        while (m.find()) {
            start = m.start();
            end = m.end();
        }
        if (start < 0) {
            throw new IllegalArgumentException("no release number to rewrite in " + release);
        }
        String number = release.substring(start, end);
        String nines = number.replaceAll("[0-9]", "9");
        return release.substring(0, start) + (nines.equals(number) ? number.replaceAll("[0-9]", "8") : nines)
                + release.substring(end);
    }

    private static String disableAndRemove(String patch) {
        return "if [ -d " + LP + "/" + patch + " ]; then echo 0 > " + LP + "/" + patch + "/enabled; klp_wait_gone " + LP + "/"
                + patch + " 30 > /dev/null; fi; rmmod " + patch;
    }

    @Test
    void aVermagicOfAnotherReleaseOfTheSameKernelLoadsBecauseModversionsComparesOnlyTheFlags() {
        assertThat(run1("bad-release-modinfo").out()).startsWith(withReleaseNumberRewritten(lab.kernel().release().uname()) + " ");
        run1("bad-release-insmod").requireSuccess();
        assertThat(run1("bad-release-livepatch").lines()).containsExactly("klp_patch_v1");
        run1("bad-release-cleanup").requireSuccess();
    }

    @Test
    void aVermagicWithOtherFlagsIsRefusedAsAnInvalidModuleFormat() {
        assertThat(run1("bad-vermagic-insmod").requireFailure().stderr()).contains("Invalid module format");
        String release = lab.kernel().release().uname();
        assertThat(run1("bad-vermagic-dmesg").stdout())
                .contains("klp_patch_v1: version magic '" + release + " SMP PREEMPT mod_unload modversions ' should be "
                        + "'" + release + " SMP preempt mod_unload modversions '");
    }

    @Test
    void aTruncatedModuleIsRefused() {
        StepResult truncated = run1("truncated-insmod").requireFailure();
        assertThat(truncated.stderr()).contains("could not insert module");
        assertThat(run1("bad-livepatch").stdout()).isEmpty();
    }

    @Test
    void anOrdinaryModuleLoadsButIsNoLivePatch() {
        assertThat(run1("plain-modinfo-livepatch").lines()).containsExactly("Y");
        run1("plain-insmod").requireSuccess();
        assertThat(run1("plain-livepatch").stdout()).isEmpty();
        assertThat(run1("plain-taint").out()).as("its own taint flags: out of tree, unsigned, no K").isEqualTo("OE");
        run1("plain-rmmod").requireSuccess();
    }

    @Test
    void aCumulativePatchWithALowerStateVersionIsRefusedWhetherOlderOrNewer() {
        run1("state2-insmod-v2").requireSuccess();
        run1("state2-wait").requireSuccess();
        assertThat(run1("state1-insmod-v1-over-state2").requireFailure().stderr()).contains("Invalid parameters");
        assertThat(run1("state1-v1-dmesg").stdout())
                .contains("livepatch: Livepatch patch (klp_patch_v1) is not compatible with the already installed livepatches.");
        assertThat(run1("state1-insmod-v3-over-state2").requireFailure().stderr()).contains("Invalid parameters");
        assertThat(run1("state1-livepatch").lines()).containsExactly("klp_patch_v2");
        assertThat(run1("state1-modules").lines()).as("a refused patch module does not stay loaded")
                .containsExactly("klp_patch_v2");
        run1("state2-insmod-v3").requireSuccess();
        run1("state2-v3-wait").requireSuccess();
        run1("state2-insmod-v1").requireSuccess();
        run1("state2-v1-wait").requireSuccess();
        assertThat(run1("state2-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v1\n");
        assertThat(run1("state-cleanup").requireSuccess().stdout()).isEmpty();
    }

    @Test
    void javaRunsInTheGuest() {
        assertThat(run1("java-version").requireSuccess().stderr()).contains("openjdk version \"17");
        run1("java-version-again").requireSuccess();
    }

    @Test
    void javaNioReadsKernelFilesExactlyAndReportsTheirErrnos() {
        String p = LP + "/klp_patch_v1";
        assertThat(run1("java-jar-kernel-files").requireSuccess().lines()).containsExactly(
                "read " + p + "/enabled -> \"1\\n\"",
                "read " + p + "/transition -> \"0\\n\"",
                "read " + p + "/force -> AccessDeniedException: " + p + "/force",
                "read " + p + "/klp_target/patched -> \"1\\n\"",
                "read /proc/self/patch_state -> \"-1\\n\"",
                "read /proc/1/cmdline -> \"/bin/busybox\\0sh\\0/init\\0\"",
                // procfs says size 0: readAllBytes reads one byte, then asks at offset 1, where a numeric sysctl
                // answers end-of-file; the taint is 45056 here (klp's HostRoot reads kernel files in one read)
                "read /proc/sys/kernel/tainted -> \"4\"",
                "write " + p + "/force \"1\" -> IOException: Invalid argument",
                "write " + p + "/enabled \"1\" -> IOException: Invalid argument",
                "write " + p + "/transition \"0\" -> AccessDeniedException: " + p + "/transition");
    }

    @Test
    void aSecondBootKeepsTheFolderAndItsVarLibKlp() {
        assertThat(second.boot()).isEqualTo(2);
        assertThat(second.step("boot-id").out()).isNotEqualTo(run1("boot-id").out());
        assertThat(second.folder().readString("var/lib/klp/active-patch")).isEqualTo("klp_patch_v2\n");
    }

    @Test
    void theBootHookReappliesTheRecordedPatchBeforeItsTargetModuleLoads() {
        second.step(Scenario.BOOT_HOOK).requireSuccess();
        assertThat(second.steps().get(0).name()).isEqualTo(Scenario.BOOT_HOOK);
        assertThat(second.step("hook-livepatch").lines()).containsExactly("klp_patch_v2");
        assertThat(second.step("hook-tree").lines()).contains("./klp_patch_v2/klp_target/klp_target_wait,1");
        assertThat(second.step("patched-before-target").out()).isEqualTo("0");
        assertThat(second.step("taint-before-target").out()).as("TAINT_OOT_MODULE | TAINT_UNSIGNED_MODULE | TAINT_LIVEPATCH")
                .isEqualTo("45056");
        second.step("insmod-target-after-patch").requireSuccess();
        assertThat(second.step("patched-after-target").out()).isEqualTo("1");
        assertThat(second.step("message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        assertThat(second.step("rmmod-target-under-patch").requireSuccess().out()).isEqualTo("0");
    }

    private static StepResult run1(String step) {
        return first.step(step);
    }
}
