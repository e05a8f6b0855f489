package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * klp, the real jar, on each of Debian's kernels ({@link DebianKernel}) in QEMU: every scenario of {@link KlpScript} asserted on
 * what klp prints (text and {@code --json}) and on the kernel's own files. Two boots with one
 * folder ({@link KlpGuestRuns}); the simulated host's agreement with them is
 * {@link SimulatorAgreementOnRealKernelTest}.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class KlpOnRealKernelTest {

    /** The kernel line of this run of the class (each line's boots are made once, before its tests). */
    @Parameter
    DebianKernel line;


    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V1_CVES = "[\"CVE-2024-1086\",\"CVE-2023-52447\"]";

    private static RealKernelLab lab;
    private static KlpGuestRuns.Runs runs;
    private static String kernel;
    /** {@code kernel-livepatch-6_1_0-56-amd64}: the package of the test patches' records for the guest kernel. */
    private static String pkg;

    @BeforeParameterizedClassInvocation
    static void boot(DebianKernel line) {
        lab = RealKernelLab.of(line);
        runs = KlpGuestRuns.real(line);
        kernel = lab.kernel().release().uname();
        pkg = "kernel-livepatch-" + kernel.replace('.', '_');
    }

    private static StepResult step(String name) {
        return runs.step(name);
    }

    private static JsonNode json(String name) {
        StepResult s = step(name);
        try {
            return JSON.readTree(s.stdout());
        } catch (IOException e) {
            throw new AssertionError("Step " + name + " did not print one JSON document: " + s, e);
        }
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.get(field).asText()).toList();
    }

    private static String label(String patch, int packageVersion) {
        return patch + " (" + pkg + " version " + packageVersion + ")";
    }

    @Test
    void noPatchIsReadyWithNothingLoadedAndTheTargetModulesTaint() {
        assertThat(step("s1-livepatch").requireSuccess().stdout()).isEmpty();
        assertThat(step("s1-taint").out()).as("TAINT_OOT_MODULE | TAINT_UNSIGNED_MODULE").isEqualTo("12288");
        assertThat(step("s1-status").requireSuccess().stdout()).isEqualTo("ready\n");
        JsonNode status = json("s1-status-json");
        assertThat(status.get("state").asText()).isEqualTo("ready");
        assertThat(status.get("kernel").asText()).isEqualTo(kernel);
        assertThat(status.get("activePatch").isNull()).isTrue();
        assertThat(status.get("loadedPatches")).isEmpty();
        assertThat(status.at("/taint/mask").asLong()).as("klp reads the sysctl whole (it once read 12288 as 1)").isEqualTo(12288);
        assertThat(status.at("/taint/flags").asText()).isEqualTo("OE");
        assertThat(status.at("/taint/livePatched").asBoolean()).isFalse();
        assertThat(step("s1-patches").requireSuccess().stdout()).isEmpty();
        assertThat(json("s1-patches-json").get("patches")).isEmpty();
    }

    @Test
    void klpUnameGivesTheEffectiveKernelReleaseOnlyWhileALivePatchIsInForce() {
        assertThat(step("s1-uname").requireSuccess().stdout()).as("no live patch").isEqualTo(kernel + "\n");
        assertThat(step("s1-uname-plain").stdout()).isEqualTo(kernel + "\n");
        assertThat(step("s2-uname").requireSuccess().stdout()).as("v1, package version 2, transition complete").isEqualTo(kernel + "+lp2\n");
        assertThat(step("s2-uname-plain").stdout()).as("uname itself does not change").isEqualTo(kernel + "\n");
        assertThat(json("s2-status-json").get("effectiveKernelRelease").asText()).isEqualTo(kernel + "+lp2");
        assertThat(step("s3-uname-in-transition").requireSuccess().stdout()).as("v2's transition unfinished").isEqualTo(kernel + "\n");
        assertThat(step("s3-uname-after").requireSuccess().stdout()).as("v2 in force").isEqualTo(kernel + "+lp3\n");
        assertThat(step("s4-uname-forced").requireSuccess().stdout()).as("v3 forced: tasks may still run old code").isEqualTo(kernel + "\n");
    }

    @Test
    void applyingV1CompletesAtOnceAndShowsItsPackageAndCves() {
        JsonNode apply = json("s2-apply-v1");
        assertThat(step("s2-apply-v1").exitCode()).isZero();
        assertThat(apply.get("result").asText()).isEqualTo("completed");
        assertThat(apply.get("activePatch").asText()).isEqualTo("klp_patch_v1");
        assertThat(apply.get("previousPatch").isNull()).isTrue();
        assertThat(apply.at("/package/name").asText()).isEqualTo(pkg);
        assertThat(apply.at("/package/version").asInt()).isEqualTo(2);
        assertThat(texts(apply.get("fixesGained"), "id")).containsExactly("CVE-2024-1086", "CVE-2023-52447");

        assertThat(step("s2-livepatch").lines()).containsExactly("klp_patch_v1/enabled:1", "klp_patch_v1/transition:0");
        assertThat(step("s2-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v1\n");
        assertThat(step("s2-taint").out()).as("... | TAINT_LIVEPATCH").isEqualTo("45056");

        assertThat(step("s2-patches-v").requireSuccess().lines()).containsExactly(
                "livepatch: klp_patch_v1",
                "    active: yes",
                "    package: " + pkg + "-2 (klp record, not installed by a package manager)",
                "    CVE: CVE-2024-1086 (CVSS 7.8) netfilter: nf_tables: use-after-free in nft_verdict_init() [bsc#1219434]",
                "         CVE-2023-52447 (CVSS 6.7) bpf: defer the free of inner map when necessary [bsc#1220251]",
                "    bug fixes and enhancements: bsc#1219434 bsc#1220251");
        JsonNode patches = json("s2-patches-json").get("patches");
        assertThat(texts(patches, "name")).containsExactly("klp_patch_v1");
        assertThat(patches.get(0).get("active").asBoolean()).isTrue();
        assertThat(patches.get(0).get("cves").toString()).isEqualTo(V1_CVES);
        assertThat(patches.get(0).get("functions").toString()).isEqualTo("[\"klp_target:klp_target_message,1\"]");
        JsonNode status = json("s2-status-json");
        assertThat(status.get("activePatch").asText()).isEqualTo("klp_patch_v1");
        assertThat(status.at("/taint/flags").asText()).isEqualTo("OEK");
        assertThat(status.at("/taint/mask").asLong()).isEqualTo(45056);
    }

    @Test
    void anUpgradeWaitsForTheTaskAsleepInAPatchedFunctionUntilTheFakeSignal() {
        String sleeper = step("s3-start-sleeper").requireSuccess().out();
        assertThat(step("s3-still-in-transition").lines())
                .as("the kernel's fake signal comes 15 s after the insmod; klp's checks of the blocked transition must finish "
                        + "before it, and did not: the guest ran too slowly (see the step times in the test output)")
                .contains("klp_patch_v2/transition:1");

        StepResult applyStep = step("s3-apply-v2");
        assertThat(applyStep.exitCode()).as("--on-timeout=wait leaves the transition running: exit 1").isEqualTo(1);
        JsonNode apply = json("s3-apply-v2");
        assertThat(apply.get("result").asText()).isEqualTo("in_progress");
        assertThat(apply.get("activePatch").asText()).isEqualTo("klp_patch_v2");
        assertThat(apply.get("blocking")).hasSize(1);
        assertThat(apply.at("/blocking/0/pid").asText()).isEqualTo(sleeper);
        assertThat(apply.at("/blocking/0/comm").asText()).isEqualTo("cat");
        assertThat(apply.at("/blocking/0/kernelThread").asBoolean()).isFalse();
        assertThat(apply.at("/blocking/0/sleepsIn").asText()).isEqualTo("klp_target:klp_target_wait");
        assertThat(texts(apply.get("fixesGained"), "id")).containsExactly("CVE-2024-26585", "bsc#1221000");

        assertThat(step("s3-status").requireSuccess().stdout()).isEqualTo("in_progress\n");
        assertThat(step("s3-blocking").requireSuccess().stdout()).as("exactly the sleeping task").isEqualTo(sleeper + "\n");
        List<String> vv = step("s3-blocking-vv").requireSuccess().lines();
        assertThat(vv.get(0)).startsWith("transition: " + label("klp_patch_v2", 3) + " patching for ").endsWith(", 1 task blocking");
        assertThat(vv).contains(sleeper + " cat (user task) cat /proc/klp_target/sleep",
                "    sleeps in: klp_target_wait [klp_target], a function this transition changes", "    stack:");
        assertThat(vv).anySatisfy(l -> assertThat(l).startsWith("        klp_target_wait+0x").endsWith(" [klp_target]"));
        assertThat(vv).as("the held sleeper is in an uninterruptible sleep, which klp reads from its stat")
                .anySatisfy(l -> assertThat(l).startsWith("    what to do: user task in an uninterruptible sleep (state D)"));
        JsonNode blocking = json("s3-blocking-json");
        assertThat(blocking.get("state").asText()).isEqualTo("in_progress");
        assertThat(blocking.at("/transition/patch").asText()).isEqualTo("klp_patch_v2");
        assertThat(blocking.get("blocking")).hasSize(1);
        assertThat(blocking.at("/blocking/0/tid").asText()).isEqualTo(sleeper);
        assertThat(blocking.at("/blocking/0/cmdline").asText()).isEqualTo("cat /proc/klp_target/sleep");
        assertThat(blocking.at("/blocking/0/patchState").asInt()).isZero();
        assertThat(blocking.at("/blocking/0/state").asText()).isEqualTo("D");
        assertThat(blocking.at("/blocking/0/stack/0").asText()).startsWith("klp_target_wait+0x").endsWith(" [klp_target]");
        assertThat(step("s3-sleeper-patch-state").out()).isEqualTo("0");

        step("s3-fake-signal").requireSuccess();
        assertThat(runs.bootOf("s3-fake-signal").dmesg()).containsSubsequence("livepatch: 'klp_patch_v2': starting patching transition",
                "livepatch: signaling remaining tasks", "livepatch: 'klp_patch_v2': patching complete");
        assertThat(step("s3-status-after").requireSuccess().stdout()).isEqualTo("ready\n");
        JsonNode after = json("s3-status-after-json");
        assertThat(after.get("activePatch").asText()).isEqualTo("klp_patch_v2");
        assertThat(after.get("loadedPatches").toString()).isEqualTo("[\"klp_patch_v2\"]");
        assertThat(after.get("transition").isNull()).isTrue();
        assertThat(after.get("interruptedOperation").isNull()).isTrue();
        assertThat(step("s3-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        assertThat(step("s3-release-sleeper").requireSuccess().stdout())
                .as("the sleeper's read restarted in v2's function").isEqualTo("klp_target_wait: live patched by klp_patch_v2, released\n");
        assertThat(step("b1-state").lines()).contains("active.patch=klp_patch_v2", "active.kernel=" + kernel,
                "active.module=var/lib/klp/modules/klp_patch_v2.ko");
    }

    @Test
    void theEarlyBootHookInTheInitramfsLoadsTheRecordedPatchBeforeTheRootIsMounted() throws IOException {
        assertThat(runs.hookFiles().get(0)).as("no record yet: only the init-premount script the package installs")
                .containsExactly("scripts/init-premount/klp");
        assertThat(runs.hookFiles().get(1)).containsExactly("scripts/init-premount/klp", "var/lib/klp/boot-plan",
                "var/lib/klp/modules/klp_patch_v2.ko", "usr/lib/klp/klp-restore-early");
        List<String> console = Files.readAllLines(runs.bootOf("s7-status").consoleLog(), StandardCharsets.ISO_8859_1);
        int premount = lineIndex(console, "@@KLP:INIT init-premount /scripts/init-premount/klp ");
        int loaded = lineIndex(console, "klp-restore-early: loaded live patch klp_patch_v2 for " + kernel);
        int ninep = lineIndex(console, "@@KLP:INIT init-premount-done ");
        int chroot = lineIndex(console, "@@KLP:INIT chroot ");
        assertThat(List.of(premount, loaded, ninep, chroot)).as("/init ran klp's init-premount script, which loaded the patch, before "
                + "it loaded the 9p modules, mounted the root and chrooted; console lines " + premount + ", " + loaded + ", " + ninep + ", "
                + chroot).isSorted();
        assertThat(runs.bootOf("s7-status").dmesg()).contains("klp-restore-early: loaded live patch klp_patch_v2 for " + kernel);

        assertThat(step("s7-restored-early").requireSuccess().out()).isEqualTo("klp_patch_v2");
        assertThat(step("s7-livepatch").lines()).contains("./klp_patch_v2/klp_target/klp_target_wait,1");
        assertThat(step("s7-values").lines()).as("loaded before its target module: patched 0")
                .containsExactly("klp_patch_v2/enabled:1", "klp_patch_v2/transition:0", "klp_patch_v2/klp_target/patched:0");
        assertThat(step("s7-taint").out()).isEqualTo("45056");
        assertThat(step("s7-status").requireSuccess().stdout()).isEqualTo("ready\n");
        JsonNode status = json("s7-status-json");
        assertThat(status.get("activePatch").asText()).isEqualTo("klp_patch_v2");
        assertThat(status.at("/package/version").asInt()).isEqualTo(3);
        assertThat(status.get("rebootRecommended").asBoolean()).isFalse();
        assertThat(step("s7-patches-v").requireSuccess().lines()).startsWith("livepatch: klp_patch_v2", "    active: yes",
                "    package: " + pkg + "-3 (klp record, not installed by a package manager)",
                "    CVE: CVE-2024-1086 (CVSS 7.8) netfilter: nf_tables: use-after-free in nft_verdict_init() [bsc#1219434]");
        step("s7-insmod-target").requireSuccess();
        assertThat(step("s7-patched-after-target").out()).isEqualTo("1");
        assertThat(step("s7-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        assertThat(step("s7-restore").requireSuccess().stdout()).as("what klp-restore.service runs later finds nothing to do")
                .isEqualTo("nothing to restore: klp_patch_v2 is already loaded\n");
    }

    @Test
    void badModulesAreRefusedWithOneClearLineAndNothingChanges() {
        for (String bad : KlpScript.BAD_MODULES) {
            StepResult s = step(KlpScript.badStep(bad));
            assertThat(s.exitCode()).as("exit code of klp apply " + bad + ": " + s).isEqualTo(3);
            assertThat(s.stderr().lines().toList()).as("klp's error for " + bad).hasSize(1).allSatisfy(l -> assertThat(l).startsWith("klp: "));
        }
        assertThat(step(KlpScript.badStep(TestModules.BAD_RELEASE)).err()).as("klp refuses it; the kernel would load it")
                .contains("klp_bad_release.ko was built for kernel ").contains(", not for " + kernel + " (vermagic mismatch)");
        assertThat(step(KlpScript.badStep(TestModules.BAD_VERMAGIC)).err()).as("the kernel refuses it, and klp says why")
                .contains("insmod: ERROR: could not insert module /work/modules/klp_bad_vermagic.ko: Invalid module format")
                .contains("(kernel: klp_patch_v1: version magic '" + kernel + " SMP PREEMPT mod_unload modversions ' should be '"
                        + kernel + " SMP preempt mod_unload modversions ')");
        assertThat(step(KlpScript.badStep(TestModules.BAD_VERMAGIC)).stdout())
                .isEqualTo("nothing changed: " + label("klp_patch_v2", 3) + " is active\n");
        assertThat(step(KlpScript.badStep(TestModules.PLAIN)).err()).contains("(klp_plain) is a kernel module but not a live patch");
        assertThat(step(KlpScript.badStep(TestModules.TRUNCATED)).err()).contains("klp_truncated.ko is truncated or damaged");
        JsonNode truncated = json("s8-truncated-json");
        assertThat(step("s8-truncated-json").exitCode()).isEqualTo(3);
        assertThat(truncated.at("/error/exitCode").asInt()).isEqualTo(3);
        assertThat(truncated.at("/error/message").asText()).contains("is truncated or damaged");
        assertThat(step("s8-bad-vermagic-dmesg").stdout()).contains("version magic");

        assertThat(step("s8-before").lines()).contains("klp_patch_v2", "/sys/kernel/livepatch/klp_patch_v2/enabled:1");
        assertThat(step("s8-after").stdout()).as("live patches, modules and taint as before").isEqualTo(step("s8-before").stdout());
        assertThat(json("s8-status-json").get("activePatch").asText()).isEqualTo("klp_patch_v2");
    }

    @Test
    void anUpgradeBlockedByAKernelThreadIsRevertedThenForcedAndThePinnedModuleCallsForAReboot() {
        String spinner = step("s4-start-spinner").requireSuccess().out();
        StepResult revert = step("s4-apply-v3-revert");
        assertThat(revert.exitCode()).isEqualTo(3);
        assertThat(revert.stderr()).isEqualTo("klp: the transition of klp_patch_v3 did not complete in 5 s: 1 blocking task (klp_target_spin "
                + spinner + ", kernel thread in klp_target_loop)\n");
        assertThat(revert.stdout()).startsWith("reverted: " + label("klp_patch_v2", 3) + " stays active;");
        assertThat(step("s4-reverted-livepatch").lines()).containsExactly("klp_patch_v2");
        assertThat(step("s4-reverted-modules").lines()).as("the reverted v3 was unloaded").containsExactly("klp_patch_v2 1", "klp_target 0");
        assertThat(step("s4-reverted-cmdline").out()).doesNotContain("live_patched_by");
        assertThat(json("s4-status-json").get("activePatch").asText()).isEqualTo("klp_patch_v2");

        assertThat(step("s4-apply-v3-force").exitCode()).isZero();
        JsonNode forced = json("s4-apply-v3-force");
        assertThat(forced.get("result").asText()).isEqualTo("forced");
        assertThat(forced.get("activePatch").asText()).isEqualTo("klp_patch_v3");
        assertThat(forced.get("modulesHeldForever").toString()).as("6.1 pins the replaced patch, not the forcing one")
                .isEqualTo("[\"klp_patch_v2\"]");
        assertThat(forced.get("rebootRecommended").asBoolean()).isTrue();
        assertThat(forced.get("blocking")).hasSize(1);
        assertThat(forced.at("/blocking/0/pid").asText()).isEqualTo(spinner);
        assertThat(forced.at("/blocking/0/kernelThread").asBoolean()).isTrue();
        assertThat(forced.at("/blocking/0/sleepsIn").asText()).isEqualTo("klp_target:klp_target_loop");
        assertThat(texts(forced.get("fixesGained"), "id")).containsExactly("CVE-2024-36971");

        assertThat(step("s4-forced-livepatch").lines()).containsExactly("klp_patch_v3");
        assertThat(step("s4-forced-modules").lines()).containsExactly("klp_patch_v2 1", "klp_patch_v3 1", "klp_target 0");
        assertThat(step("s4-forced-cmdline").out()).endsWith(" live_patched_by=klp_patch_v3");
        assertThat(step("s4-forced-spinner-stack").stdout()).as("the forced kernel thread still runs the old code")
                .contains("klp_target_loop+0x").contains("[klp_target]");
        assertThat(step("s4-status-v").requireSuccess().lines()).contains("active: " + label("klp_patch_v3", 4))
                .anySatisfy(l -> assertThat(l).startsWith("reboot recommended: the transition of klp_patch_v3 was forced at ")
                        .endsWith(": tasks that were blocked may still run old code; module klp_patch_v2 can never be unloaded; plan a reboot"));
        JsonNode status = json("s4-status-forced-json");
        assertThat(status.get("rebootRecommended").asBoolean()).isTrue();
        assertThat(status.get("modulesHeldForever").toString()).isEqualTo("[\"klp_patch_v2\"]");
        assertThat(step("s4-stop-spinner").out()).isEqualTo("stopped");
    }

    @Test
    void downgradeToV1ListsTheFixesItDropsAndRestoresWhatV1DoesNotPatch() {
        List<String> lines = step("s5-downgrade").requireSuccess().lines();
        assertThat(lines).startsWith(
                "downgrade " + label("klp_patch_v3", 4) + " to " + label("klp_patch_v1", 2),
                "fixes dropped (3):",
                "  - CVE-2024-26585 (CVSS 4.7) tls: fix race between tx work scheduling and socket close [bsc#1220187]",
                "  - bsc#1221000 klp_target_wait: lost wake-up",
                "  - CVE-2024-36971 (CVSS 7.8) net: fix __dst_negative_advice() race [bsc#1226145]");
        assertThat(lines).contains("active: " + label("klp_patch_v1", 2), "unloaded module klp_patch_v3", "fixes: +0 gained, -3 dropped");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("downgrade done: " + label("klp_patch_v1", 2) + " in ")
                .endsWith(", replacing klp_patch_v3"));
        assertThat(step("s5-cmdline").out()).as("cmdline_proc_show is back to the original").doesNotContain("live_patched_by");
        assertThat(step("s5-message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v1\n");
        assertThat(step("s5-modules").lines()).as("v1 active, v2 still pinned, the forcing v3 removed")
                .containsExactly("klp_patch_v1 1", "klp_patch_v2 1", "klp_target 0");
        JsonNode patches = json("s5-patches-json").get("patches");
        assertThat(texts(patches, "name")).as("v1 active, and v2's module, pinned by the forced transition, still loaded")
                .containsExactly("klp_patch_v2", "klp_patch_v1");
        assertThat(patches.get(0).get("replaced").asBoolean()).isTrue();
        assertThat(patches.get(0).get("moduleRemovable").asBoolean()).isFalse();
        assertThat(patches.get(1).get("active").asBoolean()).isTrue();
        assertThat(patches.get(1).get("cves").toString()).isEqualTo(V1_CVES);
    }

    @Test
    void disableRestoresTheOriginalCodeAndUnloadsWhatTheKernelLetsGo() {
        assertThat(step("s6-disable").exitCode()).isZero();
        JsonNode disable = json("s6-disable");
        assertThat(disable.get("result").asText()).isEqualTo("completed");
        assertThat(disable.get("activePatch").isNull()).isTrue();
        assertThat(disable.get("unloadedModules").toString()).isEqualTo("[\"klp_patch_v1\"]");
        assertThat(texts(disable.get("fixesDropped"), "id")).containsExactly("CVE-2024-1086", "CVE-2023-52447");
        assertThat(step("s6-livepatch").stdout()).isEmpty();
        assertThat(step("s6-message").stdout()).isEqualTo("klp_target_message: original code\n");
        assertThat(step("s6-modules").lines()).as("only the module the forced transition pinned stays")
                .containsExactly("klp_patch_v2 1", "klp_target 0");
        JsonNode status = json("s6-status-json");
        assertThat(status.get("activePatch").isNull()).isTrue();
        assertThat(status.get("modulesHeldForever").toString()).isEqualTo("[\"klp_patch_v2\"]");
        StepResult pinned = step("s6-apply-pinned-v2");
        assertThat(pinned.exitCode()).isEqualTo(3);
        assertThat(pinned.stderr()).isEqualTo("klp: apply failed: Module klp_patch_v2 is still loaded from an earlier transition and cannot be "
                + "removed (Cannot unload klp_patch_v2: rmmod: ERROR: Module klp_patch_v2 is in use); it cannot be loaded again until a reboot\n");
        List<String> history = StreamSupport.stream(json("s6-history-json").get("events").spliterator(), false)
                .map(e -> e.get("operation").asText() + " " + e.get("patch").asText() + " " + e.get("result").asText()).toList();
        assertThat(history).containsExactly(
                "apply klp_patch_v1 started", "apply klp_patch_v1 completed",
                "apply klp_patch_v2 started", "apply klp_patch_v2 in_progress", "apply klp_patch_v2 completed",
                "apply klp_patch_v1 started", "apply klp_patch_v1 failed",
                "apply klp_patch_v3 started", "apply klp_patch_v3 reverted",
                "apply klp_patch_v3 started", "apply klp_patch_v3 forced",
                "downgrade klp_patch_v1 started", "downgrade klp_patch_v1 completed",
                "disable klp_patch_v1 started", "disable klp_patch_v1 completed",
                "apply klp_patch_v2 started", "apply klp_patch_v2 failed");
    }

    /**
     * Not asserted: how long klp takes on this kernel, written to the test output and to
     * {@code target/realkernel/<release>/klp-performance.txt}.
     */
    @Test
    void performanceFiguresAreReported() {
        List<Long> bare = step("perf-bare-insmod").requireSuccess().lines().stream().map(Long::parseLong).sorted().toList();
        assertThat(bare).hasSize(KlpScript.BARE_RUNS);
        long bareMedian = bare.get(bare.size() / 2);
        long klpTransition = json("s2-apply-v1").get("milliseconds").asLong();
        long klpCommand = step("s2-apply-v1").guestTime().toMillis();
        List<String> lines = new ArrayList<>();
        lines.add("klp on " + kernel + " under QEMU TCG (guest times)");
        lines.add("  bare insmod + polling transition, v1 over nothing: " + bare + " ms (median " + bareMedian + ")");
        lines.add("  klp apply v1 --json, whole command (JVM start included): " + klpCommand + " ms = " + ratio(klpCommand, bareMedian)
                + " x bare");
        lines.add("  klp apply v1, klp's own measure (insmod to transition complete): " + klpTransition + " ms = "
                + ratio(klpTransition, bareMedian) + " x bare");
        lines.add("  klp status, one command: " + step("s1-status").guestTime().toMillis() + " ms; CDS archive made in "
                + step("b1-setup").guestTime().toMillis() + " ms");
        lines.add("  upgrade blocked by a sleeping task, insmod to complete after the fake signal: about " + fakeSignalCompletion() + " ms");
        for (GuestRun boot : runs.boots()) {
            lines.add("  boot " + boot.boot() + ": " + boot.steps().size() + " steps, root ready after " + boot.rootReadyAfter().toMillis()
                    + " ms, " + boot.wallTime().toMillis() + " ms in all (host)");
        }
        lines.add("  both boots, initramfs packing included: " + runs.wallTime().toMillis() + " ms (host); klp jar " + runs.klpJar());
        String report = String.join("\n", lines) + "\n";
        System.out.print(report);
        try {
            Files.writeString(lab.workDir().resolve("klp-performance.txt"), report);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The blocked upgrade's time to complete: klp's wait in the apply, then the guest time of every step until the transition ended. */
    private static long fakeSignalCompletion() {
        GuestRun boot = runs.bootOf("s3-apply-v2");
        List<String> names = boot.steps().stream().map(StepResult::name).toList();
        long after = boot.steps().subList(names.indexOf("s3-apply-v2") + 1, names.indexOf("s3-fake-signal") + 1).stream()
                .mapToLong(s -> s.guestTime().toMillis()).sum();
        return json("s3-apply-v2").get("waitedMilliseconds").asLong() + after;
    }

    private static String ratio(long a, long b) {
        return b == 0 ? "n/a" : String.format("%.1f", (double) a / b);
    }

    private static int lineIndex(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("No console line starts with '" + prefix + "'");
    }
}
