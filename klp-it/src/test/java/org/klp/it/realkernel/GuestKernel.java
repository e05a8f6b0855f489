package org.klp.it.realkernel;

import java.nio.file.Path;
import org.klp.core.kernel.KernelRelease;

/**
 * The kernel a guest boots: one of the {@link DebianKernel} lines as installed on the host, which
 * is not the kernel the host runs (so never {@code uname -r}).
 *
 * @param release the guest kernel release, as {@code uname -r} prints it in the guest
 * @param vmlinuz its image, {@code /boot/vmlinuz-<release>}
 * @param modules its module tree, {@code /lib/modules/<release>}
 * @param headers its kbuild tree, {@code /lib/modules/<release>/build}
 */
public record GuestKernel(KernelRelease release, Path vmlinuz, Path modules, Path headers) {

    /** The kernel at the standard Debian paths for a release. */
    public static GuestKernel of(KernelRelease release) {
        Path modules = Path.of("/lib/modules", release.uname());
        return new GuestKernel(release, Path.of("/boot", "vmlinuz-" + release.uname()), modules, modules.resolve("build"));
    }

    /** The major.minor of this kernel's release, e.g. {@code 6.12}: which of the kernel's sysfs attributes exist. */
    public KernelVersion version() {
        return KernelVersion.of(release.uname());
    }
}
