/**
 * Tests against a real Linux kernel: Debian's {@code linux-image-amd64} booted under QEMU (TCG),
 * with klp's own test modules ({@code testkernel/}) built for it.
 *
 * <p>A test reads as "boot a guest with these files, run this script, assert on the steps":
 *
 * <pre>{@code
 * RealKernelLab lab = RealKernelLab.get();            // checks prerequisites, builds modules once
 * GuestFolder folder = lab.newFolder("apply");         // writable share, /work in the guest,
 * folder.put("klp.jar", lab.klpJar().jar());          // modules already in /work/modules
 * GuestRun run = lab.guest().boot(folder, Scenario.builder()
 *         .step("load-target", "insmod /work/modules/klp_target.ko")
 *         .step("apply", "java -jar /work/klp.jar apply /work/modules/klp_patch_v1.ko --timeout 30")
 *         .step("message", "cat /proc/klp_target/message")
 *         .build());
 * assertThat(run.step("apply").requireSuccess().stdout()).contains(...);
 * assertThat(folder.readString("out/result.json")).contains(...);   // files the guest wrote
 * GuestRun again = lab.guest().boot(folder, nextScenario);          // second boot, same folder
 * }</pre>
 *
 * <p>The guest: busybox {@code /init} in an initramfs, the host's {@code /usr} and {@code /etc}
 * over 9p read-only (so host binaries, {@code kmod} and {@code java} run in the guest), the
 * test's {@link org.klp.it.realkernel.GuestFolder} over 9p read-write at {@code /work}, and
 * {@code /var} bound to {@code /work/var} so that {@code /var/lib/klp} survives a reboot. The
 * scenario runs in one bash in a chroot; each step's stdout, stderr and exit code reach the host
 * over the serial console (see {@code klp-guest.sh}). Every boot is bounded by {@code timeout}.
 *
 * <p>klp's own suite: {@link org.klp.it.realkernel.KlpScript} (the scenarios, two boots),
 * {@link org.klp.it.realkernel.KlpOnRealKernelTest} (asserted on the real kernel) and
 * {@link org.klp.it.realkernel.SimulatorAgreementOnRealKernelTest} (the simulated kernel agrees).
 */
package org.klp.it.realkernel;
