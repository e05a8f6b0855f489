package org.klp.it.realkernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the host needs to build the test modules for a guest kernel and boot it: each check names
 * the Debian package that provides the missing piece.
 */
final class Prerequisites {

    /** One missing piece and the Debian package that provides it. */
    record Missing(String what, String debianPackage) { }

    private Prerequisites() {
    }

    /** Fails with {@link MissingPrerequisiteException} unless everything is there. */
    static void require(GuestKernel kernel) {
        List<Missing> missing = new ArrayList<>();
        command("qemu-system-x86_64", "qemu-system-x86", missing);
        command("timeout", "coreutils", missing);
        command("modprobe", "kmod", missing);
        command("make", "make", missing);
        command("gcc", "gcc", missing);
        command("perl", "perl-base", missing);
        if (!isStaticExecutable(Path.of("/bin/busybox"))) {
            missing.add(new Missing("a statically linked /bin/busybox for the guest's initramfs", "busybox-static"));
        }
        if (!Files.isRegularFile(Path.of("/usr/bin/java"))) {
            missing.add(new Missing("/usr/bin/java, which the guest runs from the host's /usr",
                    "openjdk-17-jre-headless"));
        }
        if (!Files.isReadable(kernel.vmlinuz())) {
            missing.add(new Missing("readable kernel image " + kernel.vmlinuz(), "linux-image-" + kernel.release()));
        }
        if (!Files.isRegularFile(kernel.headers().resolve("Makefile"))) {
            missing.add(new Missing("kernel headers in " + kernel.headers(), "linux-headers-" + kernel.release()));
        }
        if (!missing.isEmpty()) {
            throw new MissingPrerequisiteException(missing);
        }
    }

    private static void command(String name, String debianPackage, List<Missing> missing) {
        if (onPath(name).isEmpty()) {
            missing.add(new Missing("command " + name + " on PATH", debianPackage));
        }
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the file is an ELF executable without a program interpreter: the initramfs has no
     * dynamic loader, so Debian's dynamically linked {@code busybox} package would not start.
     */
    static boolean isStaticExecutable(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8192);
            boolean elf = head.length > 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
            return elf && !new String(head, StandardCharsets.ISO_8859_1).contains("/ld-linux");
        } catch (IOException e) {
            return false;
        }
    }
}
