package org.klp.cli.repo;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.klp.core.kernel.KernelRelease;

/** The kernels installed on a host: those with a module folder {@code lib/modules/<release>}, newest first. */
public final class InstalledKernels {

    private InstalledKernels() {
    }

    public static List<KernelRelease> under(Path root) {
        List<KernelRelease> found = new ArrayList<>();
        Path dir = root.resolve("lib/modules");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path p : s) {
                    try {
                        found.add(KernelRelease.parse(p.getFileName().toString()));
                    } catch (IllegalArgumentException notAKernel) {
                        // a folder such as lib/modules/extra
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot list " + dir + ": " + e.getMessage(), e);
            }
        }
        found.sort(Comparator.reverseOrder());
        return found;
    }

    /** The installed kernels plus the running one (which may have no module folder on a simulated host), newest first. */
    public static List<KernelRelease> withRunning(Path root, KernelRelease running) {
        List<KernelRelease> all = new ArrayList<>(under(root));
        if (!all.contains(running)) {
            all.add(running);
            all.sort(Comparator.reverseOrder());
        }
        return all;
    }
}
