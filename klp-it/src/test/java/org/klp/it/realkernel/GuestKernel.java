package org.klp.it.realkernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.klp.core.kernel.KernelRelease;

/**
 * The kernel the guest boots: Debian's {@code linux-image-amd64} as installed on the host, which
 * is not the kernel the host runs (so never {@code uname -r}).
 *
 * @param release the guest kernel release, as {@code uname -r} prints it in the guest
 * @param vmlinuz its image, {@code /boot/vmlinuz-<release>}
 * @param modules its module tree, {@code /lib/modules/<release>}
 * @param headers its kbuild tree, {@code /lib/modules/<release>/build}
 */
public record GuestKernel(KernelRelease release, Path vmlinuz, Path modules, Path headers) {

    private static final Pattern DEPENDS = Pattern.compile("linux-image-([0-9][^ ,(]*)");

    /** The kernel at the standard Debian paths for a release. */
    public static GuestKernel of(KernelRelease release) {
        Path modules = Path.of("/lib/modules", release.uname());
        return new GuestKernel(release, Path.of("/boot", "vmlinuz-" + release.uname()), modules, modules.resolve("build"));
    }

    /**
     * The release {@code linux-image-amd64} depends on, or else the only release with both a
     * {@code /boot/vmlinuz-*} and a {@code /lib/modules/*}.
     *
     * @throws MissingPrerequisiteException when there is no such kernel
     */
    public static GuestKernel installed() {
        String depends = dpkgDepends("linux-image-amd64");
        Matcher m = DEPENDS.matcher(depends);
        if (m.find()) {
            return of(KernelRelease.parse(m.group(1)));
        }
        List<String> releases;
        try (Stream<Path> dirs = Files.list(Path.of("/lib/modules"))) {
            releases = dirs.map(p -> p.getFileName().toString())
                    .filter(r -> Files.isRegularFile(Path.of("/boot", "vmlinuz-" + r)))
                    .sorted().toList();
        } catch (IOException e) {
            releases = List.of();
        }
        if (releases.size() == 1) {
            return of(KernelRelease.parse(releases.get(0)));
        }
        throw new MissingPrerequisiteException(List.of(new Prerequisites.Missing(
                "a guest kernel: linux-image-amd64 is not installed"
                        + (releases.isEmpty() ? "" : " and several kernels are: " + releases),
                "linux-image-amd64")));
    }

    private static String dpkgDepends(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Depends}", pkg)
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
