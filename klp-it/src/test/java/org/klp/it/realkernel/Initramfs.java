package org.klp.it.realkernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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

    /**
     * The initramfs {@code base} plus what klp's initramfs-tools packaging puts into a host's
     * initramfs, as {@code update-initramfs} would build it from the guest folder's root: the
     * init-premount script ({@code scripts/init-premount/klp}, always: the package installs it),
     * and, when the folder's early-boot plan names a live patch for {@code kernel} whose module
     * copy exists, what the hook ({@code hooks/klp}) copies: the plan, the module copy and
     * {@code /usr/lib/klp/klp-restore-early}. Appended to {@code base} as a second compressed cpio
     * archive, which the kernel unpacks over the first. Returns what the hook included.
     *
     * @param boot klp-cli's {@code src/main/boot}
     */
    static List<String> withKlpHook(Path base, Path boot, GuestFolder folder, String kernel, Path out) {
        List<String> included = new ArrayList<>();
        try {
            Files.createDirectories(out.getParent());
            Path partial = out.resolveSibling(out.getFileName() + ".part");
            Files.copy(base, partial, StandardCopyOption.REPLACE_EXISTING);
            try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(partial, StandardOpenOption.APPEND), 1 << 16);
                 CpioNewcWriter cpio = new CpioNewcWriter(gz)) {
                Set<String> dirs = new HashSet<>();
                file(cpio, dirs, "scripts/init-premount/klp", 0755, Files.readAllBytes(boot.resolve("initramfs-tools/scripts/init-premount/klp")));
                included.add("scripts/init-premount/klp");
                String module = bootPlanModule(folder, kernel);
                Optional<Path> moduleCopy = module.startsWith("var/") ? Optional.of(folder.hostPath(module)) : Optional.empty();
                if (moduleCopy.filter(Files::isRegularFile).isPresent()) {
                    file(cpio, dirs, "var/lib/klp/boot-plan", 0644, folder.read("var/lib/klp/boot-plan"));
                    file(cpio, dirs, module, 0644, Files.readAllBytes(moduleCopy.get()));
                    file(cpio, dirs, "usr/lib/klp/klp-restore-early", 0755, Files.readAllBytes(boot.resolve("klp-restore-early")));
                    included.addAll(List.of("var/lib/klp/boot-plan", module, "usr/lib/klp/klp-restore-early"));
                }
            }
            Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return included;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot pack the guest initramfs with klp's hook " + out, e);
        }
    }

    /**
     * The module the folder's early-boot plan ({@code var/lib/klp/boot-plan}, lines
     * {@code KERNEL PATCH MODULE}) names for {@code kernel}, as klp's hook reads it; empty without one.
     */
    private static String bootPlanModule(GuestFolder folder, String kernel) {
        if (!folder.exists("var/lib/klp/boot-plan")) {
            return "";
        }
        for (String line : folder.readString("var/lib/klp/boot-plan").lines().toList()) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 3 && words[0].equals(kernel)) {
                return words[2];
            }
        }
        return "";
    }

    /** A file entry, after entries for those of its parent folders not yet written (the kernel does not create parents). */
    private static void file(CpioNewcWriter cpio, Set<String> dirs, String name, int permissions, byte[] data) throws IOException {
        String[] parts = name.split("/");
        StringBuilder dir = new StringBuilder();
        for (int i = 0; i < parts.length - 1; i++) {
            dir.append(i == 0 ? "" : "/").append(parts[i]);
            if (dirs.add(dir.toString())) {
                cpio.directory(dir.toString());
            }
        }
        cpio.file(name, permissions, data);
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
