package org.klp.it.realkernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kernel's own livepatch selftest modules and samples, code nobody at klp wrote, built out of
 * tree for a guest kernel from Debian's {@code linux-source-<major.minor>} tarball under
 * {@code /usr/src}: {@code test_klp_*.c} (in {@code lib/livepatch/} up to 6.x, in
 * {@code tools/testing/selftests/livepatch/test_modules/} later) and {@code samples/livepatch/*.c},
 * with the upstream scripts ({@code tools/testing/selftests/livepatch/test-*.sh}) whose
 * expectations the tests hold them to.
 *
 * <p>Only those files are extracted, once per tarball (a stamp records which: its size and time),
 * into {@code <out>/src}; kbuild then runs in {@code <out>/build} against the kernel's headers and
 * rebuilds nothing when nothing changed.
 */
final class KernelSelftestModules {

    /** The selftest modules the tests load ({@code test_klp_syscall}, arch-specific and 6.12 only, is left out). */
    static final List<String> SELFTESTS = List.of("test_klp_livepatch", "test_klp_atomic_replace", "test_klp_state",
            "test_klp_state2", "test_klp_state3", "test_klp_callbacks_demo", "test_klp_callbacks_demo2",
            "test_klp_callbacks_mod", "test_klp_callbacks_busy", "test_klp_shadow_vars");
    /** The samples, by file name; their module names have underscores ({@code livepatch_sample}). */
    static final List<String> SAMPLES = List.of("livepatch-sample", "livepatch-shadow-mod", "livepatch-shadow-fix1",
            "livepatch-shadow-fix2", "livepatch-callbacks-demo", "livepatch-callbacks-mod", "livepatch-callbacks-busymod");

    private final Path build;
    private final Path scripts;
    private final String sourcePackage;

    private KernelSelftestModules(Path build, Path scripts, String sourcePackage) {
        this.build = build;
        this.scripts = scripts;
        this.sourcePackage = sourcePackage;
    }

    /** Debian's source package for a kernel: {@code linux-source-6.12} for 6.12.N+deb12-amd64. */
    static String sourcePackage(GuestKernel kernel) {
        return "linux-source-" + kernel.version();
    }

    /**
     * Extracts (when the tarball changed) and builds the modules for the kernel into {@code out}.
     *
     * @throws MissingPrerequisiteException when Debian's source package for the kernel is not installed
     */
    static KernelSelftestModules build(GuestKernel kernel, Path out) {
        String pkg = sourcePackage(kernel);
        Path tarball = Path.of("/usr/src", pkg + ".tar.xz");
        if (!Files.isRegularFile(tarball)) {
            throw new MissingPrerequisiteException(List.of(new Prerequisites.Missing(
                    "the kernel's sources for its livepatch selftest modules, " + tarball, pkg)));
        }
        Path src = out.resolve("src");
        Path top = src.resolve(pkg);
        try {
            String stamp = tarball + " " + Files.size(tarball) + " " + Files.getLastModifiedTime(tarball).toMillis() + "\n";
            Path stampFile = out.resolve("extracted-from");
            if (!Files.isRegularFile(stampFile) || !Files.readString(stampFile).equals(stamp)) {
                deleteTree(src);
                Files.createDirectories(src);
                // GNU tar's wildcards match '/' in member names: the first pattern finds test_klp_*.c in
                // lib/livepatch/ and in tools/testing/selftests/livepatch/test_modules/ alike.
                HostCommand.run(List.of("tar", "-xJf", tarball.toString(), "-C", src.toString(), "--wildcards",
                        pkg + "/*livepatch/*test_klp_*.c", pkg + "/samples/livepatch/*.c",
                        pkg + "/tools/testing/selftests/livepatch/test-*.sh"), src, Duration.ofMinutes(5));
                Files.writeString(stampFile, stamp);
            }
            Path build = out.resolve("build");
            Files.createDirectories(build);
            List<String> objects = new ArrayList<>();
            for (String name : SELFTESTS) {
                copyIfChanged(find(top, name + ".c"), build.resolve(name + ".c"));
                objects.add(name + ".o");
            }
            for (String name : SAMPLES) {
                copyIfChanged(top.resolve("samples/livepatch/" + name + ".c"), build.resolve(name + ".c"));
                objects.add(name + ".o");
            }
            writeIfChanged(build.resolve("Kbuild"), "obj-m := " + String.join(" ", objects) + "\n");
            HostCommand.run(List.of("make", "-s", "-C", kernel.headers().toString(), "M=" + build, "modules"), build,
                    Duration.ofMinutes(10));
            KernelSelftestModules modules = new KernelSelftestModules(build, top.resolve("tools/testing/selftests/livepatch"), pkg);
            for (String name : names()) {
                if (!Files.isRegularFile(modules.path(name))) {
                    throw new IllegalStateException("kbuild in " + build + " did not produce " + modules.path(name));
                }
            }
            return modules;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot build the kernel's livepatch selftest modules from " + tarball + " in " + out, e);
        }
    }

    /** Every module file name without {@code .ko}. */
    static List<String> names() {
        return Stream.concat(SELFTESTS.stream(), SAMPLES.stream()).toList();
    }

    /** The built {@code <name>.ko}. */
    Path path(String name) {
        return build.resolve(name + ".ko");
    }

    /** An upstream selftest script, e.g. {@code test-state.sh}, of the same sources. */
    String script(String name) {
        try {
            return Files.readString(scripts.resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("No upstream selftest script " + name + " in " + scripts, e);
        }
    }

    /** Which Debian package the sources came from, e.g. {@code linux-source-6.1}. */
    String sourcePackage() {
        return sourcePackage;
    }

    /** Copies every module into the folder's {@code selftests/}: {@code /work/selftests/<name>.ko} in the guest. */
    void copyInto(GuestFolder folder) {
        for (String name : names()) {
            folder.put("selftests/" + name + ".ko", path(name));
        }
    }

    private static Path find(Path top, String file) throws IOException {
        try (Stream<Path> walk = Files.walk(top)) {
            List<Path> found = walk.filter(p -> p.getFileName().toString().equals(file) && !Files.isSymbolicLink(p)).toList();
            if (found.size() != 1) {
                throw new IllegalStateException("Expected one " + file + " in " + top + ", found " + found);
            }
            return found.get(0);
        }
    }

    /** Keeps the copy's time when its bytes are the same, so that kbuild does not rebuild it. */
    private static void copyIfChanged(Path from, Path to) throws IOException {
        if (Files.isRegularFile(to) && Files.mismatch(from, to) == -1) {
            return;
        }
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeIfChanged(Path file, String text) throws IOException {
        if (!Files.isRegularFile(file) || !Files.readString(file).equals(text)) {
            Files.writeString(file, text);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
