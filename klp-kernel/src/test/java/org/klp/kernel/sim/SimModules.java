package org.klp.kernel.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.klp.core.module.ModuleInfo;

/** Writes simulated modules like the project's test live patches v1, v2 and v3 of klp_target. */
public final class SimModules {

    public static final String RELEASE = "6.1.0-56-amd64";
    public static final String MESSAGE = "function=klp_target:klp_target_message,0";
    public static final String WAIT = "function=klp_target:klp_target_wait,0";
    public static final String LOOP = "function=klp_target:klp_target_loop,0";
    public static final String CMDLINE = "function=vmlinux:cmdline_proc_show,0";

    private SimModules() {
    }

    public static Path write(Path dir, String name, String release, List<String> lines) {
        StringBuilder sb = new StringBuilder(ModuleInfo.SIMULATED_HEADER).append('\n');
        sb.append("name=").append(name).append('\n');
        sb.append("vermagic=").append(release).append(" SMP preempt mod_unload modversions\n");
        lines.forEach(l -> sb.append(l).append('\n'));
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".ko");
            Files.writeString(file, sb.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path v1(Path dir) {
        return write(dir, "klp_patch_v1", RELEASE, List.of("livepatch=Y", "replace=Y", "state=1:1", MESSAGE));
    }

    public static Path v2(Path dir) {
        return write(dir, "klp_patch_v2", RELEASE, List.of("livepatch=Y", "replace=Y", "state=1:2", MESSAGE, WAIT));
    }

    public static Path v3(Path dir) {
        return write(dir, "klp_patch_v3", RELEASE, List.of("livepatch=Y", "replace=Y", "state=1:3", MESSAGE, WAIT, LOOP, CMDLINE));
    }
}
