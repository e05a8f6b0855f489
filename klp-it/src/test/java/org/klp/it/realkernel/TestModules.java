package org.klp.it.realkernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * klp's test modules ({@code testkernel/}) built for the guest kernel by its Makefile, out of
 * tree, into a build folder (the source folder stays clean).
 *
 * <ul>
 *   <li>{@link #TARGET}: the patched module, {@code /proc/klp_target/{message,sleep,spin}}</li>
 *   <li>{@link #patch(int)}: cumulative live patches v1..v3 ({@code .replace = true}, klp state
 *       id 1 at version 1 or the {@code state_version} module parameter)</li>
 *   <li>{@link #PLAIN}: an ordinary module, not a live patch</li>
 *   <li>{@link #CRASH}: a cumulative live patch whose replacement panics when called</li>
 *   <li>{@link #BAD_RELEASE}, {@link #BAD_VERMAGIC}: v1 with the vermagic's release or flags
 *       rewritten in place; {@link #TRUNCATED}: the first half of v1</li>
 * </ul>
 */
public final class TestModules {

    public static final String TARGET = "klp_target.ko";
    public static final String PLAIN = "klp_plain.ko";
    public static final String BAD_RELEASE = "klp_bad_release.ko";
    public static final String BAD_VERMAGIC = "klp_bad_vermagic.ko";
    public static final String TRUNCATED = "klp_truncated.ko";
    /** A live patch whose klp_target_message panics the kernel: a read of /proc/klp_target/message crashes it. */
    public static final String CRASH = "klp_patch_crash.ko";
    public static final List<String> ALL = List.of(TARGET, patch(1), patch(2), patch(3), PLAIN,
            BAD_RELEASE, BAD_VERMAGIC, TRUNCATED, CRASH);

    private final Path dir;

    private TestModules(Path dir) {
        this.dir = dir;
    }

    /** The file name of cumulative test patch version {@code n} (1 to 3). */
    public static String patch(int n) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("The test live patches are v1 to v3, not v" + n);
        }
        return "klp_patch_v" + n + ".ko";
    }

    /** Builds every module for the kernel with {@code make -C sources KVER=... O=out}. */
    static TestModules build(GuestKernel kernel, Path sources, Path out) {
        if (!Files.isRegularFile(sources.resolve("Makefile"))) {
            throw new IllegalStateException("No testkernel sources at " + sources + " (expected testkernel/Makefile)");
        }
        HostCommand.run(List.of("make", "-s", "-C", sources.toString(), "KVER=" + kernel.release().uname(),
                "O=" + out.toAbsolutePath()), sources, Duration.ofMinutes(5));
        TestModules modules = new TestModules(out.toAbsolutePath());
        for (String name : ALL) {
            if (!Files.isRegularFile(modules.path(name))) {
                throw new IllegalStateException("make in " + sources + " did not produce " + modules.path(name));
            }
        }
        return modules;
    }

    /** The host path of a built module. */
    public Path path(String name) {
        return dir.resolve(name);
    }

    /** Copies every module into the folder's {@code modules/}: {@code /work/modules/<name>} in the guest. */
    void copyInto(GuestFolder folder) {
        for (String name : ALL) {
            folder.put("modules/" + name, path(name));
        }
    }

}
