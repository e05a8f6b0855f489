package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots of a simulated host ({@code klp sim reboot}, clean or after a crash alike) followed by
 * {@code klp restore}, as klp-restore.service runs it: which live patch the kernel that booted
 * gets, and which it does not get, and why.
 */
class BootRestoreTest {

    private static final String OTHER_KERNEL = "6.1.0-57-amd64";

    @TempDir
    Path tmp;
    SimHostFixture host;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
    }

    @Test
    void aRebootRestoresThePatchLastMadeActiveOnThatKernel() {
        host.klp("apply", host.module(1), "--record", host.record(1));
        host.klp("apply", host.module(2), "--record", host.record(2));
        cleanReboot();
        KlpRun restore = host.klp("restore");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(restore.out()).contains("restore done: klp_patch_v2");
        assertThat(active()).isEqualTo("klp_patch_v2");
        assertThat(host.klp("-v", "status").out()).contains("at boot: restored klp_patch_v2 (version 2): the live patch last made active on "
                + SimHostFixture.KERNEL);
        assertThat(host.klp("restore").out()).contains("nothing to restore: klp_patch_v2 is already loaded");
    }

    @Test
    void aDowngradeIsTheChoiceTheNextBootRestores() {
        host.klp("apply", host.module(3), "--record", host.record(3));
        host.klp("apply", host.module(1), "--record", host.record(1));
        cleanReboot();
        host.klp("restore");
        assertThat(active()).isEqualTo("klp_patch_v1");
    }

    @Test
    void aBootIntoAnotherInstalledKernelLoadsTheNewestLivePatchInstalledForIt() throws Exception {
        host.klp("apply", host.module(2), "--record", host.record(2));
        Path folder = Files.createDirectories(host.root.resolve("lib/modules/" + OTHER_KERNEL + "/livepatch"));
        makeModule(folder.resolve("livepatch-2-2_1.ko"), "livepatch_2_2_1", OTHER_KERNEL);
        makeModule(folder.resolve("livepatch-3-3_1.ko"), "livepatch_3_3_1", OTHER_KERNEL);
        makeModule(folder.resolve("livepatch-9-1_1.ko"), "livepatch_for_another_kernel", "6.1.0-99-amd64");

        host.klp("restore", "--stable", "--now");
        assertThat(host.klp("sim", "reboot", "--kernel", OTHER_KERNEL).exitCode()).isZero();
        KlpRun restore = host.klp("-v", "restore");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(restore.err()).contains("restoring livepatch_3_3_1 (version 3): the newest installed live patch for " + OTHER_KERNEL);
        assertThat(active()).isEqualTo("livepatch_3_3_1");

        host.klp("restore", "--stable", "--now");
        assertThat(host.klp("sim", "reboot", "--kernel", SimHostFixture.KERNEL).exitCode()).isZero();
        host.klp("restore");
        assertThat(active()).as("the first kernel gets its own choice back").isEqualTo("klp_patch_v2");
    }

    @Test
    void whenZypperReplacedTheChosenPackageTheNewestInstalledOneIsLoaded() throws Exception {
        host.install(1);
        Path installed = host.root.resolve("lib/modules/" + SimHostFixture.KERNEL + "/livepatch");
        KlpRun apply = host.klp("apply", installed.resolve("klp_patch_v1.ko").toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        // zypper up: version 2's package replaces version 1's
        Files.delete(installed.resolve("klp_patch_v1.ko"));
        host.install(2);
        cleanReboot();
        KlpRun restore = host.klp("-v", "restore");
        assertThat(restore.err()).contains("the chosen klp_patch_v1 (version 1) is no longer installed; the newest installed live patch for");
        assertThat(active()).isEqualTo("klp_patch_v2");
    }

    @Test
    void aPatchThatWasNewWhenTheKernelDiedIsNotLoadedAtTheNextBootAndKlpSaysWhy() {
        host.klp("apply", host.module(1), "--record", host.record(1));
        host.klp("sim", "advance", "3m");
        assertThat(host.klp("status").exitCode()).isZero();
        assertThat(host.root.resolve("var/lib/klp/loading")).as("v1 ran long enough to be trusted").doesNotExist();
        host.klp("apply", host.module(2), "--record", host.record(2));
        assertThat(host.root.resolve("var/lib/klp/loading")).exists();

        reboot(); // the kernel crashed 10 s after v2 was applied
        KlpRun restore = host.klp("restore");
        assertThat(restore.exitCode()).as(restore.toString()).isZero();
        assertThat(restore.out()).startsWith("skipped: klp_patch_v2 (version 2) skipped: the kernel stopped (crash or power loss) after it was applied live");
        assertThat(host.klp("patches").out()).isEmpty();
        assertThat(host.klp("-v", "status").out())
                .contains("at boot: skipped klp_patch_v2 (version 2) skipped")
                .contains("not loaded at boot: klp_patch_v2 on " + SimHostFixture.KERNEL + ": the kernel stopped");
        JsonNode json = host.klp("status", "--json").json();
        assertThat(json.at("/boot/result").asText()).isEqualTo("skipped");
        assertThat(json.at("/skippedAtBoot/0/patch").asText()).isEqualTo("klp_patch_v2");
        assertThat(json.at("/skippedAtBoot/0/phase").asText()).isEqualTo("apply");
        assertThat(host.klp("history").out()).contains("boot klp_patch_v2: crashed");

        reboot();
        assertThat(host.klp("restore").out()).as("every later boot too, until the administrator decides").startsWith("skipped: klp_patch_v2");
    }

    @Test
    void afterASkipTheNormalRestoreWorksOnceTheAdministratorAppliesAPatchAgain() {
        host.klp("apply", host.module(2), "--record", host.record(2));
        reboot();
        host.klp("restore");
        assertThat(host.klp("patches").out()).isEmpty();

        host.klp("apply", host.module(1), "--record", host.record(1));
        host.klp("sim", "advance", "3m");
        assertThat(host.klp("restore", "--stable").out()).contains("klp_patch_v1 ran 2 minutes without trouble: trusted at later boots");
        reboot();
        assertThat(host.klp("restore").out()).contains("restore done: klp_patch_v1");
        assertThat(host.klp("restore", "--stable").out()).as("waits on the host's clock").contains("trusted at later boots");
        reboot();
        assertThat(host.klp("restore").out()).as("the following boots as well").contains("restore done: klp_patch_v1");

        host.klp("apply", host.module(2), "--record", host.record(2));
        host.klp("restore", "--stable");
        reboot();
        assertThat(host.klp("restore").out()).as("applied again on purpose, then shut down cleanly").contains("restore done: klp_patch_v2");
        assertThat(host.klp("status", "--json").json().get("skippedAtBoot")).isEmpty();
    }

    @Test
    void aCrashSoonAfterTheInitramfsLoadedThePatchKeepsItOutOfTheNextBoot() throws Exception {
        host.klp("apply", host.module(2), "--record", host.record(2));
        host.klp("restore", "--stable");
        reboot();
        // what klp-restore-early does in the initramfs: insmod the module of the boot plan, say so in /run
        String plan = Files.readString(host.root.resolve("var/lib/klp/boot-plan"));
        String line = plan.lines().filter(l -> l.startsWith(SimHostFixture.KERNEL + " ")).findFirst().orElseThrow();
        assertThat(line).isEqualTo(SimHostFixture.KERNEL + " klp_patch_v2 var/lib/klp/modules/klp_patch_v2.ko");
        host.klp("sim", "insmod", host.root.resolve(line.split(" ")[2]).toString());
        Files.createDirectories(host.root.resolve("run/klp"));
        Files.writeString(host.root.resolve("run/klp/restored-early"), "klp_patch_v2\n");
        assertThat(host.klp("restore").out()).contains("already loaded");
        assertThat(Files.readString(host.root.resolve("var/lib/klp/loading"))).contains("phase=early-boot");

        reboot();
        assertThat(host.root.resolve("run/klp/restored-early")).as("/run is a tmpfs").doesNotExist();
        assertThat(host.klp("restore").out()).contains("skipped: klp_patch_v2 (version 2) skipped: the kernel stopped (crash or power loss)"
                + " after the initramfs loaded it at boot");
        assertThat(Files.readString(host.root.resolve("var/lib/klp/boot-plan"))).as("the early-boot plan drops it too")
                .doesNotContain("klp_patch_v2");
    }

    @Test
    void aTransitionLeftToTheKernelBecomesTheBootsChoiceOnceItCompletes() throws Exception {
        host.klp("apply", host.module(1), "--record", host.record(1));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait");
        assertThat(host.klp("apply", host.module(2), "--record", host.record(2), "--timeout", "1", "--on-timeout=wait").exitCode())
                .isEqualTo(ExitCode.IN_PROGRESS);
        Path plan = host.root.resolve("var/lib/klp/boot-plan");
        assertThat(Files.readString(plan)).contains(SimHostFixture.KERNEL + " klp_patch_v1 ");
        host.klp("sim", "advance", "20s"); // the kernel's fake signal completes it
        host.klp("status");
        assertThat(Files.readString(plan)).contains(SimHostFixture.KERNEL + " klp_patch_v2 var/lib/klp/modules/klp_patch_v2.ko");
        cleanReboot();
        assertThat(host.klp("restore").out()).contains("restore done: klp_patch_v2");
    }

    @Test
    void klpSkipOnTheKernelCommandLineSkipsEveryLoad() {
        host.klp("apply", host.module(2), "--record", host.record(2));
        host.klp("restore", "--stable");
        assertThat(host.klp("sim", "reboot", "--cmdline", "quiet klp.skip=1").exitCode()).isZero();
        KlpRun restore = host.klp("restore", "--json");
        assertThat(restore.json().get("result").asText()).isEqualTo("skipped");
        assertThat(restore.json().get("reason").asText()).isEqualTo("the kernel command line has klp.skip=1: no live patch is loaded at boot");
        assertThat(host.klp("patches").out()).isEmpty();
        host.klp("sim", "reboot");
        assertThat(host.klp("restore").out()).as("the choice itself is kept").contains("restore done: klp_patch_v2");
    }

    @Test
    void disablingIsAChoiceToo() {
        host.klp("apply", host.module(2), "--record", host.record(2));
        host.install(3);
        assertThat(host.klp("disable").exitCode()).isZero();
        reboot();
        assertThat(host.klp("restore").out()).startsWith("nothing to restore: live patching was disabled on " + SimHostFixture.KERNEL);
    }

    @Test
    void aSecondApplyRefusedDuringAnUnfinishedTransitionLeavesTheHostRecordAsItWas() throws Exception {
        host.klp("apply", host.module(1), "--record", host.record(1));
        host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait", "--uninterruptible");
        assertThat(host.klp("apply", host.module(2), "--record", host.record(2), "--timeout", "1", "--on-timeout=wait").exitCode())
                .isEqualTo(ExitCode.IN_PROGRESS);
        String before = Files.readString(host.root.resolve("var/lib/klp/state"));
        assertThat(before).contains("active.module=var/lib/klp/modules/klp_patch_v1.ko");
        KlpRun refused = host.klp("apply", host.module(3), "--record", host.record(3));
        assertThat(refused.exitCode()).as(refused.toString()).isNotZero();
        String after = Files.readString(host.root.resolve("var/lib/klp/state"));
        assertThat(after.lines().filter(l -> l.startsWith("active.")).toList())
                .isEqualTo(before.lines().filter(l -> l.startsWith("active.")).toList());
    }

    @Test
    void theInitrdIsRegeneratedWithTheHostsToolWhenTheBootPlanChanges() throws Exception {
        Path log = tmp.resolve("update-initramfs.log");
        Path tool = Files.createDirectories(host.root.resolve("usr/sbin")).resolve("update-initramfs");
        Files.writeString(tool, "#!/bin/sh\necho \"$KLP_ROOT $*\" >> " + log + "\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(host.root.resolve("boot"));
        Files.writeString(host.root.resolve("boot/initrd.img-" + SimHostFixture.KERNEL), "initrd");

        KlpRun apply = host.klp("apply", host.module(1), "--record", host.record(1));
        assertThat(apply.out()).contains("initrd: regenerated /boot/initrd.img-" + SimHostFixture.KERNEL
                + " with update-initramfs: early boot loads live patch klp_patch_v1");
        assertThat(Files.readAllLines(log)).containsExactly(host.root + " -u -k " + SimHostFixture.KERNEL);

        assertThat(host.klp("apply", host.module(1)).out()).as("nothing changed for the boot").doesNotContain("initrd:");
        JsonNode json = host.klp("apply", host.module(2), "--record", host.record(2), "--json").json();
        assertThat(json.at("/initrd/0/result").asText()).isEqualTo("regenerated");
        assertThat(json.at("/initrd/0/tool").asText()).isEqualTo("update-initramfs");
        assertThat(Files.readAllLines(log)).hasSize(2);
    }

    @Test
    void withoutAnInitrdToolTheRegenerationIsSkippedAndSaidSo() {
        KlpRun apply = host.klp("apply", host.module(1), "--record", host.record(1));
        assertThat(apply.exitCode()).isZero();
        assertThat(apply.out()).contains("initrd: not regenerated for " + SimHostFixture.KERNEL + ": neither dracut nor update-initramfs is installed");
        assertThat(host.klp("apply", host.module(2), "--json").json().at("/initrd/0/result").asText()).isEqualTo("skipped");
    }

    /** A clean shutdown (klp-restore.service's stop: restore --stable --now), then a boot. */
    private void cleanReboot() {
        assertThat(host.klp("restore", "--stable", "--now").exitCode()).isZero();
        reboot();
    }

    /** A boot after a crash or a clean one alike: nothing ran at shutdown. */
    private void reboot() {
        KlpRun r = host.klp("sim", "reboot");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private String active() {
        return host.klp("status", "--json").json().get("activePatch").asText();
    }

    private void makeModule(Path file, String name, String kernel) {
        KlpRun r = KlpRun.run(SimHostFixture.CLOCK, "sim", "make-module", file.toString(), "--name", name, "--kernel", kernel,
                "--function", "klp_target:klp_target_message");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }
}
