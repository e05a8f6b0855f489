package org.klp.it.realkernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * The guest's initramfs: a static busybox, the harness's {@code /init} and the guest kernel's
 * virtio and 9p modules in load order, as {@code modprobe --show-depends} lists them.
 */
final class Initramfs {

    /** The modules /init loads so that it can mount the host's folders over 9p. */
    static final List<String> NINEP_MODULES = List.of("virtio_pci", "9pnet_virtio", "9p");

    private Initramfs() {
    }

    /** Packs the initramfs for the kernel into {@code file} (gzip-compressed newc cpio). */
    static Path build(GuestKernel kernel, Path file) {
        try {
            Files.createDirectories(file.getParent());
            Path partial = file.resolveSibling(file.getFileName() + ".part");
            try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(partial), 1 << 16);
                 CpioNewcWriter cpio = new CpioNewcWriter(gz)) {
                cpio.directory("bin");
                cpio.directory("modules");
                cpio.file("init", 0755, resource("init"));
                cpio.file("bin/busybox", 0755, Files.readAllBytes(Path.of("/bin/busybox")));
                StringBuilder order = new StringBuilder();
                for (Path module : moduleFiles(kernel)) {
                    String name = module.getFileName().toString().replaceFirst("\\.ko\\.(xz|zst|gz)$", ".ko");
                    cpio.file("modules/" + name, 0644, moduleBytes(module));
                    order.append(name).append('\n');
                }
                cpio.file("modules/order", 0644, order.toString().getBytes(StandardCharsets.UTF_8));
            }
            return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot pack the guest initramfs " + file, e);
        }
    }

    /** The module files of {@link #NINEP_MODULES} and their dependencies, each once, in load order. */
    static List<Path> moduleFiles(GuestKernel kernel) {
        Set<Path> files = new LinkedHashSet<>();
        for (String module : NINEP_MODULES) {
            String plan = HostCommand.run(List.of("modprobe", "-S", kernel.release().uname(), "--show-depends", module),
                    Path.of("/"), Duration.ofSeconds(30));
            for (String line : plan.lines().toList()) {
                String[] words = line.trim().split("\\s+");
                if (words.length >= 2 && words[0].equals("insmod")) {
                    files.add(Path.of(words[1]));
                } else if (!line.startsWith("builtin ") && !line.isBlank()) {
                    throw new IllegalStateException("Unexpected line from modprobe --show-depends " + module + ": " + line);
                }
            }
        }
        return List.copyOf(files);
    }

    private static byte[] moduleBytes(Path module) throws IOException {
        String name = module.getFileName().toString();
        if (name.endsWith(".ko")) {
            return Files.readAllBytes(module);
        }
        String tool = name.endsWith(".xz") ? "xz" : name.endsWith(".zst") ? "zstd" : "gzip";
        Process p = new ProcessBuilder(tool, "-dc", module.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(tool + " -dc " + module + " failed (package " + tool + " installed?)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while decompressing " + module, e);
        }
        return bytes;
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = Initramfs.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("Missing test resource org/klp/it/realkernel/" + name);
            }
            return in.readAllBytes();
        }
    }
}
