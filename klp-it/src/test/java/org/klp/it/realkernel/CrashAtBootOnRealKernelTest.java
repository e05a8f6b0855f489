package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A live patch that crashes the kernel is not loaded again at the next boot, on the real kernel.
 * Three boots with one guest folder ({@code /var/lib/klp} survives them):
 * <ol>
 *   <li>klp applies v1, which proves itself; then {@link TestModules#CRASH}, whose replacement of
 *       {@code klp_target_message} panics; a read of {@code /proc/klp_target/message} crashes the
 *       kernel (the guest's command line has {@code panic=-1}: it stops at once, with
 *       {@code -no-reboot} QEMU exits, as {@code panic=1} would reboot a host);</li>
 *   <li>{@code klp restore}, as klp-restore.service runs it at boot, finds the loading marker the
 *       crashed boot left and skips the patch, saying why in its output, {@code klp status -v},
 *       {@code --json} and the kernel log; the administrator applies v2;</li>
 *   <li>the normal restore loads v2; the boot ends cleanly ({@code klp restore --stable --now}, as
 *       klp-restore.service's stop does), else the next boot would count v2 as a crash;</li>
 *   <li>the same folder boots the second installed kernel line ({@link DebianKernel#BOOKWORM_BACKPORT}),
 *       whose test patch v3 a package installed under {@code /lib/modules/<its release>/livepatch/}
 *       (the folder's copy is bind-mounted over that kernel's module tree, as the guest's {@code /usr}
 *       is the host's, read-only): {@code klp restore} loads that kernel's own patch, not the v2 chosen
 *       on the first kernel, and the boot plan still holds v2 for the first kernel.</li>
 * </ol>
 * One boot of the second kernel, after the first kernel's last: the choice klp recorded there is
 * the one the second kernel must leave alone, and a boot per case would double the time under TCG.
 */
class CrashAtBootOnRealKernelTest {

    private static final String KLP = "klp() { java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -jar /work/klp.jar \"$@\"; }; ";
    private static final String MODULES = "/work/modules/";

    private static QemuGuest.PanickedRun crashed;
    private static GuestRun afterCrash;
    private static GuestRun following;
    private static GuestRun secondKernel;
    private static String firstRelease;
    private static String secondRelease;

    @BeforeAll
    static void bootFourTimes() {
        RealKernelLab lab = RealKernelLab.get();
        RealKernelLab second = RealKernelLab.of(DebianKernel.BOOKWORM_BACKPORT);
        firstRelease = lab.kernel().release().uname();
        secondRelease = second.kernel().release().uname();
        GuestFolder folder = lab.newFolder("crash-at-boot");
        folder.put("klp.jar", lab.klpJar().jar());
        crashed = lab.guest().bootUntilPanic(folder, Scenario.builder()
                .step("insmod-target", "insmod " + MODULES + TestModules.TARGET)
                .step("apply-v1", KLP + "klp apply " + MODULES + TestModules.patch(1))
                .step("v1-proved-itself", KLP + "klp restore --stable --now")
                .step("apply-crash", KLP + "klp apply " + MODULES + TestModules.CRASH)
                .step("marker", "cat /var/lib/klp/loading")
                .step("trigger", "sync; cat /proc/klp_target/message")
                .build());
        System.out.println("boot " + crashed.boot() + " ended with: " + crashed.panic());
        afterCrash = lab.guest().boot(folder, Scenario.builder()
                .step("insmod-target", "insmod " + MODULES + TestModules.TARGET)
                .step("restore", KLP + "klp restore")
                .step("livepatch", "ls -A /sys/kernel/livepatch")
                .step("message", "cat /proc/klp_target/message")
                .step("status", KLP + "klp -v status")
                .step("status-json", KLP + "klp status --json")
                .step("kmsg", "dmesg | grep 'klp: '")
                .step("apply-v2", KLP + "klp apply " + MODULES + TestModules.patch(2))
                .step("v2-proved-itself", KLP + "klp restore --stable --now")
                .build());
        System.out.println(afterCrash.summary());
        following = lab.guest().boot(folder, Scenario.builder()
                .step("insmod-target", "insmod " + MODULES + TestModules.TARGET)
                .step("restore", KLP + "klp restore")
                .step("message", "cat /proc/klp_target/message")
                // a clean shutdown: klp-restore.service's stop trusts the patch loaded in this boot
                .step("shutdown", KLP + "klp restore --stable --now")
                .build());
        System.out.println(following.summary());
        // what the second kernel's live patch package installs, and that kernel's own target module
        String installed = "lib/modules/" + secondRelease;
        folder.put(installed + "/livepatch/" + TestModules.patch(3), second.modules().path(TestModules.patch(3)));
        folder.put("modules/" + secondRelease + "/" + TestModules.TARGET, second.modules().path(TestModules.TARGET));
        long start = System.nanoTime();
        secondKernel = second.guest().boot(folder, Scenario.builder()
                .step("install-package", "mount --bind " + folder.guestPath(installed) + " /lib/modules/" + secondRelease
                        + " && ls /lib/modules/$(uname -r)/livepatch")
                .step("insmod-target", "insmod " + MODULES + secondRelease + "/" + TestModules.TARGET)
                .step("restore", KLP + "klp restore")
                .step("livepatch", "ls -A /sys/kernel/livepatch")
                .step("message", "cat /proc/klp_target/message")
                .step("status", KLP + "klp -v status")
                .step("status-json", KLP + "klp status --json")
                .step("boot-plan", "cat /var/lib/klp/boot-plan")
                .build());
        System.out.println(secondKernel.summary());
        System.out.println("boot of the second kernel " + secondRelease + ": " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    }

    @Test
    void theCrashingPatchLoadsLiveAndItsTriggerPanicsTheKernel() {
        crashed.step("apply-v1").requireSuccess();
        assertThat(crashed.step("apply-crash").requireSuccess().stdout()).contains("apply done: klp_patch_crash");
        assertThat(crashed.step("marker").requireSuccess().stdout()).contains("patch=klp_patch_crash").contains("phase=apply");
        assertThat(crashed.panic()).contains("Kernel panic").contains("klp_patch_crash: klp_target_message crashes the kernel on purpose");
        assertThat(crashed.inStep()).contains("trigger");
    }

    @Test
    void theNextBootComesUpWithoutItAndSaysWhy() {
        StepResult restore = afterCrash.step("restore").requireSuccess();
        assertThat(restore.stdout()).startsWith("skipped: klp_patch_crash skipped: the kernel stopped (crash or power loss) after it was"
                + " applied live at ");
        assertThat(afterCrash.step("livepatch").stdout()).isEmpty();
        assertThat(afterCrash.step("message").requireSuccess().stdout()).isEqualTo("klp_target_message: original code\n");
        assertThat(afterCrash.step("status").stdout()).contains("at boot: skipped klp_patch_crash skipped")
                .contains("not loaded at boot: klp_patch_crash on " + RealKernelLab.get().kernel().release().uname());
        JsonNode status = json(afterCrash.step("status-json").requireSuccess().stdout());
        assertThat(status.at("/skippedAtBoot/0/patch").asText()).isEqualTo("klp_patch_crash");
        assertThat(status.at("/skippedAtBoot/0/phase").asText()).isEqualTo("apply");
        assertThat(status.at("/boot/result").asText()).isEqualTo("skipped");
        assertThat(afterCrash.step("kmsg").stdout()).contains("klp: live patch klp_patch_crash for").contains("klp: klp_patch_crash skipped");
    }

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    @Test
    void aBootIntoTheSecondKernelLoadsThatKernelsOwnPatch() {
        assertThat(secondKernel.step("install-package").requireSuccess().stdout()).isEqualTo(TestModules.patch(3) + "\n");
        assertThat(secondKernel.step("restore").requireSuccess().stdout()).contains("restore done: klp_patch_v3");
        assertThat(secondKernel.step("livepatch").stdout()).isEqualTo("klp_patch_v3\n");
        assertThat(secondKernel.step("message").requireSuccess().stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v3\n");
        assertThat(secondKernel.step("status").requireSuccess().stdout())
                .contains("at boot: restored klp_patch_v3: the newest installed live patch for " + secondRelease)
                .doesNotContain("klp_patch_v2");
        JsonNode status = json(secondKernel.step("status-json").requireSuccess().stdout());
        assertThat(status.at("/boot/kernel").asText()).isEqualTo(secondRelease);
        assertThat(status.at("/boot/patch").asText()).isEqualTo("klp_patch_v3");
        assertThat(status.at("/boot/message").asText()).contains("the newest installed live patch for " + secondRelease);
    }

    @Test
    void theFirstKernelKeepsItsChoiceAfterTheSecondBoots() {
        assertThat(secondKernel.step("boot-plan").requireSuccess().stdout().lines())
                .anySatisfy(line -> assertThat(line).startsWith(firstRelease + " klp_patch_v2 "))
                .noneSatisfy(line -> assertThat(line).startsWith(firstRelease + " klp_patch_v3"));
    }

    @Test
    void theNormalRestoreWorksOnTheFollowingBoots() {
        assertThat(afterCrash.step("apply-v2").requireSuccess().stdout()).contains("apply done: klp_patch_v2");
        assertThat(following.step("restore").requireSuccess().stdout()).contains("restore done: klp_patch_v2");
        assertThat(following.step("message").stdout()).isEqualTo("klp_target_message: live patched by klp_patch_v2\n");
        following.step("shutdown").requireSuccess();
    }
}
