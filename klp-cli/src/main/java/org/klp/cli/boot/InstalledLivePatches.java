package org.klp.cli.boot;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.klp.cli.Host;
import org.klp.core.boot.BootCandidate;
import org.klp.core.boot.ModuleFileVersion;
import org.klp.core.module.ModuleInfo;
import org.klp.packaging.record.PatchRecord;

/**
 * The live patch modules installed for one kernel release, where packages put them:
 * {@code lib/modules/<release>/livepatch/*.ko}. Each file must be a live patch module built for
 * that release; anything else there (a symbolic link, a module for another kernel, a damaged
 * file) is passed over. The version comes from klp's package record when one names the file,
 * else from a SUSE-style file name ({@code livepatch-2-2_1.ko}).
 */
public final class InstalledLivePatches {

    /** Kernel releases are one path element: no slash, no dot-dot, no spaces. */
    private static final Pattern RELEASE = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._+~-]{0,127}");
    private static final int MAX_FILES = 256;
    private static final long MAX_MODULE_BYTES = 64L * 1024 * 1024;

    private InstalledLivePatches() {
    }

    public static boolean validRelease(String release) {
        return RELEASE.matcher(release).matches() && !release.contains("..");
    }

    public static String folder(String kernel) {
        return "lib/modules/" + kernel + "/livepatch";
    }

    public static List<BootCandidate> forKernel(Host host, String kernel) {
        if (!validRelease(kernel)) {
            return List.of();
        }
        Path dir = host.root().resolve(folder(kernel));
        if (!Files.isDirectory(dir) || !insideRoot(host, dir)) {
            return List.of();
        }
        List<BootCandidate> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.ko")) {
            for (Path file : files) {
                if (found.size() >= MAX_FILES) {
                    break;
                }
                candidate(host, kernel, file).ifPresent(found::add);
            }
        } catch (IOException e) {
            return List.copyOf(found);
        }
        return List.copyOf(found);
    }

    /** The module at {@code file} as a boot candidate for {@code kernel}, if it is a live patch module for it. */
    static Optional<BootCandidate> candidate(Host host, String kernel, Path file) {
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_MODULE_BYTES) {
                return Optional.empty();
            }
            ModuleInfo info = ModuleInfo.parse(Files.readAllBytes(file), file.toString());
            info.requireLivePatchFor(kernel, file.toString());
            String relative = host.root().path().relativize(file).toString();
            OptionalInt fromName = ModuleFileVersion.of(file.getFileName().toString());
            List<PatchRecord> records = host.patchRecords().forKernel(kernel);
            int version = records.stream().filter(r -> relative.equals(r.moduleFile())).mapToInt(r -> r.livePatch().version()).max()
                    .orElse(records.stream().filter(r -> r.moduleName().equals(info.name())).mapToInt(r -> r.livePatch().version()).max()
                            .orElse(fromName.orElse(0)));
            return Optional.of(new BootCandidate(info.name(), version, relative));
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code file} is a regular file that resolves inside the host's root (no link leading out). */
    public static boolean presentInsideRoot(Host host, String relative) {
        if (relative.isEmpty() || relative.startsWith("/") || relative.contains("..")) {
            return false;
        }
        Path file = host.root().resolve(relative);
        return Files.isRegularFile(file) && insideRoot(host, file);
    }

    private static boolean insideRoot(Host host, Path file) {
        try {
            return file.toRealPath().startsWith(host.root().path().toRealPath());
        } catch (IOException e) {
            return false;
        }
    }
}
