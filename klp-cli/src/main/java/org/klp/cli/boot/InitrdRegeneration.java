package org.klp.cli.boot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.klp.cli.Host;

/**
 * Rebuilds one kernel's initrd after the live patch its boots load changed, so that klp's hook
 * (dracut module {@code 90klp}, initramfs-tools hook {@code klp}) packs the new one, as SUSE
 * documents for its live patches. It uses the host's own tool: {@code dracut} where installed
 * (SUSE), else {@code update-initramfs} (Debian). Nothing to do, and said so, when the host has
 * neither or the kernel has no initrd in {@code /boot}.
 *
 * <p>On the running system ({@code --root /}) the tool runs as it is; in another root as root
 * through {@code chroot}; on a simulated host, the host's own stand-in runs, with {@code KLP_ROOT}
 * naming the root.
 */
public final class InitrdRegeneration {

    private static final long TIMEOUT_MINUTES = 10;
    private static final int MAX_OUTPUT = 4096;

    /** How it went: {@code regenerated}, {@code skipped} (nothing to do, or cannot here) or {@code failed}. */
    public record Result(String kernel, String outcome, Optional<String> tool, String message) {
        public String line() {
            return "initrd: " + message;
        }
    }

    private record Tool(String name, String path, List<String> args) {
    }

    private InitrdRegeneration() {
    }

    public static Result regenerate(Host host, String kernel, String holds) {
        if (!InstalledLivePatches.validRelease(kernel)) {
            return new Result(kernel, "skipped", Optional.empty(), "not regenerated: '" + kernel + "' is not a kernel release");
        }
        Optional<Tool> tool = tool(host, kernel);
        if (tool.isEmpty()) {
            return new Result(kernel, "skipped", Optional.empty(), "not regenerated for " + kernel
                    + ": neither dracut nor update-initramfs is installed (the next boot loads " + holds + " once the root is mounted)");
        }
        Optional<String> image = image(host, kernel);
        if (image.isEmpty()) {
            return new Result(kernel, "skipped", Optional.of(tool.get().name()), "not regenerated for " + kernel
                    + ": it has no initrd in /boot");
        }
        List<String> command = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (host.root().isSystem()) {
            command.add(tool.get().path());
        } else if (host.simulated().isPresent()) {
            command.add(host.root().resolve(tool.get().path().substring(1)).toString());
            pb.environment().put("KLP_ROOT", host.root().path().toString());
            pb.directory(host.root().path().toFile());
        } else if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("chroot", host.root().path().toString(), tool.get().path()));
        } else {
            return new Result(kernel, "skipped", Optional.of(tool.get().name()), "not regenerated for " + kernel + ": "
                    + host.root().path() + " is not the running system and klp is not root; run " + tool.get().name() + " in it");
        }
        command.addAll(tool.get().args());
        String shown = tool.get().name() + " " + String.join(" ", tool.get().args());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            String output = bounded(p.getInputStream());
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(kernel, "failed", Optional.of(tool.get().name()), shown + " did not finish in " + TIMEOUT_MINUTES
                        + " minutes; /boot/" + image.get() + " may still hold the previous live patch");
            }
            if (p.exitValue() != 0) {
                return new Result(kernel, "failed", Optional.of(tool.get().name()), shown + " failed (exit " + p.exitValue() + "): "
                        + lastLine(output) + "; /boot/" + image.get() + " may still hold the previous live patch");
            }
            return new Result(kernel, "regenerated", Optional.of(tool.get().name()), "regenerated /boot/" + image.get() + " with "
                    + tool.get().name() + ": early boot loads " + holds);
        } catch (IOException e) {
            return new Result(kernel, "failed", Optional.of(tool.get().name()), "cannot run " + shown + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(kernel, "failed", Optional.of(tool.get().name()), "interrupted while " + shown + " ran");
        }
    }

    private static Optional<Tool> tool(Host host, String kernel) {
        for (String path : List.of("/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut")) {
            if (Files.isExecutable(host.root().resolve(path.substring(1)))) {
                return Optional.of(new Tool("dracut", path, List.of("--force", "--kver", kernel)));
            }
        }
        for (String path : List.of("/usr/sbin/update-initramfs", "/sbin/update-initramfs")) {
            if (Files.isExecutable(host.root().resolve(path.substring(1)))) {
                return Optional.of(new Tool("update-initramfs", path, List.of("-u", "-k", kernel)));
            }
        }
        return Optional.empty();
    }

    /** The kernel's initrd in {@code boot/}: SUSE's, Debian's or Fedora's name. */
    private static Optional<String> image(Host host, String kernel) {
        for (String name : List.of("initrd-" + kernel, "initrd.img-" + kernel, "initramfs-" + kernel + ".img")) {
            if (Files.isRegularFile(host.root().resolve("boot/" + name))) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    private static String bounded(InputStream in) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            if (kept.size() < MAX_OUTPUT) {
                kept.write(buf, 0, Math.min(n, MAX_OUTPUT - kept.size()));
            }
        }
        return kept.toString(StandardCharsets.UTF_8);
    }

    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
    }
}
