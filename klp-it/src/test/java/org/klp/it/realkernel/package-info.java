/**
 * Tests against real Linux kernels: Debian's two kernel lines ({@link org.klp.it.realkernel.DebianKernel}:
 * {@code linux-image-amd64}, 6.1, and {@code linux-image-6.12-amd64}) booted under QEMU (TCG), with
 * klp's own test modules ({@code testkernel/}) and the kernel's own livepatch selftest modules
 * ({@link org.klp.it.realkernel.KernelSelftestModules}) built for each. Every test class runs once
 * per line ({@code @ParameterizedClass}); its boots are made once per line, before its tests.
 *
 * <p>A test reads as "boot a guest with these files, run this script, assert on the steps":
 *
 * <pre>{@code
 * RealKernelLab lab = RealKernelLab.of(line);         // checks prerequisites, builds modules once per kernel
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
 * <p>The kernel's own selftests under klp: {@link org.klp.it.realkernel.KernelSelftestsOnRealKernelTest}.
 *
 * <p>klp's own suite: {@link org.klp.it.realkernel.KlpScript} (the scenarios, two boots),
 * {@link org.klp.it.realkernel.KlpOnRealKernelTest} (asserted on the real kernel) and
 * {@link org.klp.it.realkernel.SimulatorAgreementOnRealKernelTest} (the simulated kernel agrees).
 */
package org.klp.it.realkernel;
