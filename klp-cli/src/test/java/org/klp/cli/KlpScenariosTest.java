package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host tool end to end on a simulated host: what an administrator types and what klp answers. */
class KlpScenariosTest {

    @TempDir
    Path tmp;
    SimHostFixture host;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
    }

    @Test
    void freshHostIsReadyWithoutAnyPatch() {
        assertThat(host.klp("status").out()).isEqualTo("ready\n");
        KlpRun verbose = host.klp("-v", "status");
        assertThat(verbose.out()).contains("no live patch is loaded").contains("taint 12288 (OE)");
        assertThat(host.klp("patches").out()).isEmpty();
        assertThat(host.klp("check").exitCode()).isZero();
        JsonNode json = host.klp("status", "--json").json();
        assertThat(json.get("state").asText()).isEqualTo("ready");
        assertThat(json.get("activePatch").isNull()).isTrue();
        assertThat(json.at("/taint/flags").asText()).isEqualTo("OE");
    }

    @Test
    void applyingTheFirstPatchShowsItsPackageAndFixes() {
        KlpRun apply = host.klp("apply", host.module(2), "--record", host.record(2));
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("apply done: klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2)")
                .contains("+ CVE-2024-50115 (CVSS 7.8)");

        KlpRun patches = host.klp("-v", "patches");
        assertThat(patches.lines()).containsExactly(
                "livepatch: klp_patch_v2",
                "    active: yes",
                "    package: kernel-livepatch-6_1_0-56-amd64-2 (klp record, not installed by a package manager)",
                "    CVE: CVE-2024-50115 (CVSS 7.8) KVM: nSVM: ignore nCR3[4:0] [bsc#1233019]",
                "    bug fixes and enhancements: bsc#1210000 oops in klp_target_wait");
        JsonNode json = host.klp("patches", "--json").json();
        assertThat(json.at("/patches/0/cves/0").asText()).isEqualTo("CVE-2024-50115");
        assertThat(json.at("/patches/0/bugs").toString()).contains("bsc#1233019", "bsc#1210000");
        assertThat(json.at("/patches/0/package/version").asInt()).isEqualTo(2);
        assertThat(host.klp("status", "-v").out()).contains("active: klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2)");
    }

    @Test
    void installedPackageIsShownAsItsRpm() {
        host.install(1);
        assertThat(host.klp("apply", "--quiet", host.root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_patch_v1.ko").toString()).out()).isEmpty();
        assertThat(host.klp("-v", "patches").out())
                .contains("RPM: kernel-livepatch-6_1_0-56-amd64-1-1.x86_64")
                .contains("CVE: (none - this is an initial kernel live patch)");
    }

    @Test
    void upgradeBlockedBySleeperIsInProgressUntilTheFakeSignal() {
        host.install(1);
        host.install(2);
        host.klp("apply", host.module(1));
        String pid = host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait", "--cmdline", "cat /proc/klp_target/sleep").out().strip();

        KlpRun apply = host.klp("apply", host.module(2), "--timeout", "5", "--on-timeout=wait");
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(ExitCode.IN_PROGRESS);
        assertThat(apply.out()).contains("in_progress").contains("cat " + pid + " in klp_target_wait");

        assertThat(host.klp("status").out()).isEqualTo("in_progress\n");
        assertThat(host.klp("check").exitCode()).isEqualTo(1);
        assertThat(host.klp("-v", "status").out()).contains("transition: klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2) patching for 5 s")
                .contains("blocking: 1 task");
        assertThat(host.klp("blocking").out()).isEqualTo(pid + "\n");
        assertThat(host.klp("blocking", "-v").out()).contains(pid + " cat (user task) cat /proc/klp_target/sleep");
        KlpRun vv = host.klp("blocking", "-vv");
        assertThat(vv.out()).contains("sleeps in: klp_target_wait [klp_target]")
                .contains("klp_target_wait+0x142/0x160 [klp_target]")
                .contains("fake signal after 15 s");
        JsonNode blocking = host.klp("blocking", "--json").json();
        assertThat(blocking.at("/blocking/0/pid").asInt()).isEqualTo(Integer.parseInt(pid));
        assertThat(blocking.at("/blocking/0/kernelThread").asBoolean()).isFalse();
        assertThat(blocking.at("/blocking/0/sleepsIn").asText()).isEqualTo("klp_target:klp_target_wait");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1", "klp_patch_v2");

        host.klp("sim", "advance", "10s");
        KlpRun ready = host.klp("status", "-v");
        assertThat(ready.out()).startsWith("ready\n").contains("active: klp_patch_v2");
        // the kernel completed it, not klp: nobody has removed the replaced module yet
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1 (replaced, module still loaded)", "klp_patch_v2");
        assertThat(host.klp("-v", "patches").out()).contains("livepatch: klp_patch_v1 (replaced)\n"
                + "    active: no (replaced; its module is still loaded and can be removed (rmmod klp_patch_v1))");
        assertThat(host.klp("history").out()).contains("apply klp_patch_v2: in_progress").contains("apply klp_patch_v2: completed");
    }

    @Test
    void applyWithALongEnoughTimeoutWaitsThroughTheFakeSignal() {
        host.klp("apply", host.module(1));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        KlpRun apply = host.klp("apply", host.module(2), "--timeout", "30s");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.out()).contains("apply done: klp_patch_v2 in 15 s, replacing klp_patch_v1").contains("unloaded module klp_patch_v1");
    }

    @Test
    void kernelThreadBlockerIsRevertedByDefaultAndForcedOnRequest() {
        host.install(2);
        host.install(3);
        host.klp("apply", host.module(2));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_loop", "--comm", "klp_target_spin", "--kthread");

        KlpRun reverted = host.klp("apply", host.module(3), "--timeout", "5", "--on-timeout=revert");
        assertThat(reverted.exitCode()).as(reverted.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(reverted.err()).contains("did not complete in 5 s").contains("klp_target_spin").contains("kernel thread");
        assertThat(reverted.out()).contains("reverted: klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2) stays active");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v2");

        KlpRun forced = host.klp("apply", host.module(3), "--timeout", "5", "--on-timeout=force", "--json");
        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        JsonNode json = forced.json();
        assertThat(json.get("result").asText()).isEqualTo("forced");
        assertThat(json.get("activePatch").asText()).isEqualTo("klp_patch_v3");
        assertThat(json.get("modulesHeldForever").toString()).as("6.1 pins the replaced patch, not the forcing one")
                .isEqualTo("[\"klp_patch_v2\"]");
        assertThat(json.get("rebootRecommended").asBoolean()).isTrue();
        assertThat(json.at("/fixesGained/0/id").asText()).isEqualTo("CVE-2024-26930");

        KlpRun status = host.klp("status", "-v");
        assertThat(status.out()).contains("reboot recommended: the transition of klp_patch_v3 was forced")
                .contains("module klp_patch_v2 can never be unloaded; plan a reboot");
        assertThat(host.klp("status", "--json").json().get("rebootRecommended").asBoolean()).isTrue();

        KlpRun down = host.klp("apply", host.module(2));
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(down.err()).contains("Module klp_patch_v2 is still loaded from an earlier transition and cannot be removed")
                .contains("until a reboot");
        assertThat(host.klp("disable").out()).as("the forcing patch itself stays removable").contains("unloaded module klp_patch_v3");
    }

    @Test
    void downgradeListsTheFixesItDrops() {
        for (int v = 1; v <= 3; v++) {
            host.install(v);
        }
        host.klp("apply", host.module(3));
        KlpRun down = host.klp("downgrade", "-n", "--to", "1");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("downgrade klp_patch_v3 (kernel-livepatch-6_1_0-56-amd64 version 3) to klp_patch_v1")
                .contains("fixes dropped (3):").contains("- CVE-2024-26930").contains("- CVE-2024-50115");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");

        host.klp("apply", host.module(3));
        KlpRun byDefault = host.klp("downgrade", "-n", "--json");
        assertThat(byDefault.json().get("activePatch").asText()).isEqualTo("klp_patch_v2");
        assertThat(byDefault.json().at("/fixesDropped/0/id").asText()).isEqualTo("CVE-2024-26930");
    }

    @Test
    void aPatchWithoutReplaceIsSaidToStackNotToReplace() {
        host.klp("sim", "make-module", host.modules.resolve("a.ko").toString(), "--name", "stack_a", "--kernel", SimHostFixture.KERNEL,
                "--function", "klp_target:klp_target_message");
        host.klp("sim", "make-module", host.modules.resolve("b.ko").toString(), "--name", "stack_b", "--kernel", SimHostFixture.KERNEL,
                "--function", "vmlinux:cmdline_proc_show", "--no-replace");
        host.klp("apply", host.modules.resolve("a.ko").toString());
        KlpRun stacked = host.klp("apply", host.modules.resolve("b.ko").toString());
        assertThat(stacked.exitCode()).as(stacked.toString()).isZero();
        assertThat(stacked.out()).contains("apply done: stack_b in").contains(", on top of stack_a, which stays enabled (stack_b does not replace it)")
                .doesNotContain("replacing");
        assertThat(host.klp("patches").lines()).containsExactly("stack_a", "stack_b");
    }

    @Test
    void downgradeTheKernelRefusesForItsSystemStateLeavesThePatchActive() {
        host.klp("sim", "make-module", host.modules.resolve("s2.ko").toString(), "--name", "state_v2", "--kernel", SimHostFixture.KERNEL,
                "--function", "klp_target:klp_target_message", "--state", "7:2");
        host.klp("sim", "make-module", host.modules.resolve("s1.ko").toString(), "--name", "state_v1", "--kernel", SimHostFixture.KERNEL,
                "--function", "klp_target:klp_target_message", "--state", "7:1");
        host.klp("apply", host.modules.resolve("s2.ko").toString());
        KlpRun down = host.klp("apply", host.modules.resolve("s1.ko").toString());
        assertThat(down.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(down.err()).contains("not compatible with the already installed livepatches");
        assertThat(down.out()).contains("nothing changed: state_v2 is active");
        assertThat(host.klp("patches").lines()).containsExactly("state_v2");
    }

    @Test
    void downgradeLoweringASystemStateOfThePackageRecordsIsRefusedBeforeLoading() throws java.io.IOException {
        for (int v = 1; v <= 3; v++) {
            host.install(v);
        }
        java.nio.file.Path share = host.root.resolve("usr/share/klp/patches");
        for (int v : new int[] {1, 3}) {
            java.nio.file.Path record = share.resolve("kernel-livepatch-6_1_0-56-amd64-" + v + ".json");
            java.nio.file.Files.writeString(record, java.nio.file.Files.readString(record)
                    .replace("\"functions\": []", "\"functions\": [], \"states\": [\"7:" + (v == 3 ? 2 : 1) + "\"]"));
        }
        host.klp("apply", host.module(3));
        KlpRun down = host.klp("downgrade", "-n", "--to", "1");
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(down.err()).contains("the kernel would refuse to load klp_patch_v1").contains("system state 7 would go down from version 2 to 1")
                .contains("nothing was changed");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v3");
        // version 2's record does not say its states: tried, with a warning
        KlpRun toTwo = host.klp("downgrade", "-n", "--to", "2");
        assertThat(toTwo.exitCode()).as(toTwo.toString()).isZero();
        assertThat(toTwo.err()).contains("warning: the system states of klp_patch_v2");
    }

    @Test
    void downgradeRefusesConflictsAndNonsense() {
        host.install(1);
        host.install(2);
        host.klp("apply", host.module(2));
        assertThat(host.klp("downgrade", "-n", "--to", "2").err()).contains("not older than the active version 2");
        assertThat(host.klp("downgrade", "-n", "--to", "2", host.module(1)).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(host.klp("downgrade", "-n", "--to", "0").exitCode()).isEqualTo(ExitCode.USAGE);
        KlpRun unconfirmed = host.klp("downgrade");
        assertThat(unconfirmed.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(unconfirmed.err()).contains("must be confirmed");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v2");
    }

    @Test
    void disableRestoresTheOriginalCodeAndUnloadsTheModule() {
        host.klp("apply", host.module(2), "--record", host.record(2));
        KlpRun disable = host.klp("disable");
        assertThat(disable.exitCode()).as(disable.toString()).isZero();
        assertThat(disable.out()).contains("disabled klp_patch_v2").contains("active: none (the kernel's original code runs)")
                .contains("unloaded module klp_patch_v2").contains("- CVE-2024-50115");
        assertThat(host.klp("patches").out()).isEmpty();
        assertThat(host.klp("disable").exitCode()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void restoreAtBootLoadsTheRecordedPatch() throws Exception {
        host.klp("apply", host.module(2), "--record", host.record(2));
        host.klp("restore", "--stable", "--now"); // a clean shutdown: v2 is trusted at the next boot
        Path rebooted = tmp.resolve("rebooted");
        KlpRun.run(SimHostFixture.CLOCK, "sim", "create", rebooted.toString(), "--kernel", SimHostFixture.KERNEL, "--clock", "manual",
                "--module", "klp_target");
        copyTree(host.root.resolve("var/lib/klp"), rebooted.resolve("var/lib/klp"));
        KlpRun restore = KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "restore");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(restore.out()).contains("restore done: klp_patch_v2");
        assertThat(KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "-v", "patches").out())
                .contains("CVE-2024-50115");
        assertThat(KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "restore").out()).contains("already loaded");
    }

    @Test
    void aRebootEndsTheAdviceToRebootAndTheEarlyBootHookRestoresThePatch() throws Exception {
        host.klp("apply", host.module(2), "--record", host.record(2));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_loop", "--comm", "klp_target_spin", "--kthread");
        assertThat(host.klp("apply", host.module(3), "--record", host.record(3), "--timeout", "5", "--on-timeout=force").exitCode()).isZero();
        assertThat(host.klp("status", "--json").json().get("rebootRecommended").asBoolean()).isTrue();

        Path rebooted = tmp.resolve("rebooted");
        KlpRun.run(SimHostFixture.CLOCK, "sim", "create", rebooted.toString(), "--kernel", SimHostFixture.KERNEL, "--clock", "manual",
                "--module", "klp_target");
        copyTree(host.root.resolve("var/lib/klp"), rebooted.resolve("var/lib/klp"));
        String state = Files.readString(rebooted.resolve("var/lib/klp/state"));
        String module = state.lines().filter(l -> l.startsWith("active.module=")).findFirst().orElseThrow().substring("active.module=".length());
        // what klp-restore-early does in the initramfs: insmod the recorded module, without klp
        KlpRun insmod = KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "sim", "insmod", rebooted.resolve(module).toString());
        assertThat(insmod.exitCode()).as(insmod.toString()).isZero();

        JsonNode status = KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "status", "--json").json();
        assertThat(status.get("activePatch").asText()).isEqualTo("klp_patch_v3");
        assertThat(status.get("rebootRecommended").asBoolean()).as("the advised reboot happened").isFalse();
        assertThat(status.get("modulesHeldForever")).isEmpty();
        assertThat(Files.readString(rebooted.resolve("var/lib/klp/state"))).doesNotContain("held=").doesNotContain("reboot.");
        assertThat(KlpRun.run(SimHostFixture.CLOCK, "--root", rebooted.toString(), "history").out())
                .contains("reboot: completed (the host rebooted since the reboot was advised; module klp_patch_v2 is gone)");
    }

    @Test
    void revertAndForceActOnTheTransitionInProgress() {
        host.klp("apply", host.module(1));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait", "--uninterruptible");
        host.klp("apply", host.module(2), "--timeout", "1", "--on-timeout=wait");
        assertThat(host.klp("blocking", "-vv").out()).contains("user task in an uninterruptible sleep (state D)");
        assertThat(host.klp("blocking", "--json").json().at("/blocking/0/state").asText()).isEqualTo("D");
        KlpRun revert = host.klp("revert");
        // the reversal asked for, done: a success (it once exited 3 with advice for a failed apply)
        assertThat(revert.exitCode()).as(revert.toString()).isZero();
        assertThat(revert.out()).contains("reverted the transition of klp_patch_v2", "klp_patch_v1 stays active");
        assertThat(host.klp("revert").exitCode()).isEqualTo(ExitCode.USAGE);

        host.klp("apply", host.module(2), "--timeout", "1", "--on-timeout=wait");
        KlpRun force = host.klp("force");
        assertThat(force.exitCode()).as(force.toString()).isZero();
        assertThat(force.err()).contains("plan a reboot");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1 (replaced, module still loaded)", "klp_patch_v2");
        assertThat(host.klp("patches", "--json").json().at("/patches/0/moduleRemovable").asBoolean()).as("pinned by the force").isFalse();
    }

    @Test
    void interruptedOperationIsReconciledByTheNextRun() throws Exception {
        host.klp("apply", host.module(1));
        // a crash after the module loaded, before klp wrote how it ended
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        host.klp("apply", host.module(2), "--timeout", "1", "--on-timeout=wait");
        String state = Files.readString(host.root.resolve("var/lib/klp/state"));
        assertThat(state).contains("pending.operation=apply");
        host.klp("sim", "advance", "20s");
        KlpRun next = host.klp("apply", host.module(2));
        assertThat(next.out()).contains("already active");
        assertThat(host.klp("history").out()).contains("apply klp_patch_v2: completed (the transition left to the kernel ended: it completed");
        assertThat(Files.readString(host.root.resolve("var/lib/klp/state"))).doesNotContain("pending.").contains("active.patch=klp_patch_v2");
    }

    @Test
    void crashBeforeTheModuleLoadedIsRolledBackByTheNextRun() throws Exception {
        host.klp("apply", host.module(1));
        Path state = host.root.resolve("var/lib/klp/state");
        // klp wrote "pending" and died before insmod: the kernel still runs v1
        Files.writeString(state, Files.readString(state).replaceAll("(?m)^last\\..*\n", "")
                + "pending.operation=apply\npending.patch=klp_patch_v2\npending.module=" + host.module(2)
                + "\npending.previous=klp_patch_v1\npending.started=2026-11-23T10:00:00Z\n");
        KlpRun status = host.klp("status", "-v");
        assertThat(status.out()).contains("active: klp_patch_v1").doesNotContain("did not finish");
        assertThat(host.klp("history").out()).contains("apply klp_patch_v2: rolled-back (recovered an interrupted apply: it did not take effect; klp_patch_v1 is active)");
        assertThat(Files.readString(state)).doesNotContain("pending.").contains("active.patch=klp_patch_v1");
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
