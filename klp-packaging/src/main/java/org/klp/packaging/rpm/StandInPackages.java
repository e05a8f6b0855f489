package org.klp.packaging.rpm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.pgp.SigningKey;

/**
 * Stand-in packages for an otherwise empty root ({@code zypper --root}, {@code rpm --root}), built
 * with the same writer as live patches: a kernel package that provides what live patches require,
 * and a shell for their {@code %post} scriptlet. For tests and demos; they install nothing that
 * boots or runs beyond a busybox shell.
 */
public final class StandInPackages {

    private StandInPackages() {
    }

    /**
     * {@code kernel-<flavor>-<version>-<release>.1.<arch>.rpm}, providing
     * {@code kernel-uname-r = <uname -r>} and {@code multiversion(kernel)} as SUSE's kernel
     * packages do, and owning {@code /lib/modules/<uname -r>}.
     */
    public static Path kernel(KernelRelease kernel, String arch, SigningKey key, Path outputDir) {
        String name = "kernel-" + kernel.flavor();
        return new PackageWriter(name, kernel.version(), kernel.release() + ".1", arch)
                .summary("Stand-in for the " + kernel.flavor() + " kernel " + kernel.uname() + " (klp tests and demos)")
                .description("Provides kernel-uname-r = " + kernel.uname() + " so that live patch packages for this kernel install"
                        + " into an empty root. Contains no kernel.")
                .group("System/Kernel")
                .directory("/lib/modules/" + kernel.uname())
                .file("/lib/modules/" + kernel.uname() + "/klp-stand-in",
                        ("stand-in for kernel " + kernel.uname() + "\n").getBytes(StandardCharsets.UTF_8), 0644)
                .provides(PackageWriter.Dependency.equal("kernel-uname-r", kernel.uname()))
                .provides(PackageWriter.Dependency.of("multiversion(kernel)"))
                .write(outputDir, key);
    }

    /**
     * {@code klp-stand-in-shell-1-1.<arch>.rpm}: a static busybox as {@code /bin/busybox}, with
     * {@code /bin/sh}, {@code /bin/uname} and {@code /bin/rm} linked to it, so that scriptlets run in a chroot.
     *
     * @param busybox a statically linked busybox (Debian: busybox-static, {@code /bin/busybox})
     */
    public static Path shell(Path busybox, String arch, SigningKey key, Path outputDir) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(busybox);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + busybox + " (install busybox-static): " + e.getMessage(), e);
        }
        return new PackageWriter("klp-stand-in-shell", "1", "1", arch)
                .summary("Stand-in /bin/sh for empty roots (klp tests and demos)")
                .description("A static busybox as /bin/sh and /bin/uname, so that package scriptlets run inside zypper --root.")
                .group("System/Shells")
                .license("GPL-2.0-only")
                .file("/bin/busybox", binary, 0755)
                .symlink("/bin/sh", "busybox")
                .symlink("/bin/uname", "busybox")
                .symlink("/bin/rm", "busybox")
                .write(outputDir, key);
    }

    /**
     * {@code klp-stand-in-java-17-1.noarch.rpm}: provides {@code java-headless = 17}, what the host
     * tool's package requires, and installs no Java (the tests do not run klp inside the root).
     */
    public static Path javaRuntime(SigningKey key, Path outputDir) {
        return new PackageWriter("klp-stand-in-java", "17", "1", "noarch")
                .summary("Stand-in for a Java 17 runtime (klp tests and demos)")
                .description("Provides java-headless = 17 so that the host tool's package installs into an empty root. Contains no Java.")
                .group("Development/Languages/Java")
                .file("/usr/share/doc/klp-stand-in-java/README", "stand-in: no Java here\n".getBytes(StandardCharsets.UTF_8), 0644)
                .provides(PackageWriter.Dependency.equal("java-headless", "17"))
                .write(outputDir, key);
    }
}
