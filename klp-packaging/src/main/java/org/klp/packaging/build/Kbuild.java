package org.klp.packaging.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the kernel's own build system on a generated module, out of tree:
 * {@code make -C <kernel build folder> M=<module folder> modules}, the way every external module
 * is built against a kernel headers package ({@code /lib/modules/<kernel>/build}).
 *
 * <p>The build folder must be for the kernel asked for: its {@code include/config/kernel.release}
 * (written by the kernel's own build, shipped in the headers package) is compared with it, so a
 * module never gets a vermagic of another kernel.
 */
public final class Kbuild {

    private static final int MAX_OUTPUT_LINES = 400;

    /** A failed build: the compiler's output, with paths of the build copy shown as the fix sources' paths. */
    public static final class BuildFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BuildFailedException(String message) {
            super(message);
        }
    }

    private Kbuild() {
    }

    /**
     * Refuses a build folder whose kernel release is not {@code kernel}; returns the folder. The
     * release is {@code UTS_RELEASE} of {@code include/generated/utsrelease.h}, from which the
     * module's vermagic is made ({@code include/config/kernel.release} is not it on Debian, which
     * writes the upstream version there).
     */
    public static Path requireBuildFolderFor(Path buildFolder, String kernel) {
        if (!Files.isDirectory(buildFolder)) {
            throw new IllegalArgumentException("Kernel build folder " + buildFolder + " does not exist; install the kernel's headers"
                    + " (on Debian: apt-get install linux-headers-" + kernel + ") or give --build-dir");
        }
        Path header = buildFolder.resolve("include/generated/utsrelease.h");
        List<String> lines;
        try {
            if (Files.size(header) > 4096) {
                throw new IllegalArgumentException(header + " is larger than a kernel release header");
            }
            lines = Files.readAllLines(header, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(buildFolder + " is not a prepared kernel build folder: " + header + " cannot be read");
        }
        java.util.regex.Pattern define = java.util.regex.Pattern.compile("\\s*#\\s*define\\s+UTS_RELEASE\\s+\"([^\"]*)\"\\s*");
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = define.matcher(lines.get(i));
            if (m.matches()) {
                if (!m.group(1).equals(kernel)) {
                    throw new IllegalArgumentException(header + ":" + (i + 1) + ": the build folder is for kernel " + m.group(1)
                            + ", not --kernel " + kernel + "; a module built there would not load into " + kernel);
                }
                return buildFolder;
            }
        }
        throw new IllegalArgumentException(header + " defines no UTS_RELEASE; " + buildFolder + " is not a prepared kernel build folder");
    }

    /**
     * Builds {@code <moduleFolder>/<moduleName>.ko}.
     *
     * @param pathsToShow pairs (path in the build copy, path the user knows) used to rewrite the
     *                    compiler's messages so they point at the fix sources
     * @return the module's bytes
     */
    public static byte[] build(Path buildFolder, Path moduleFolder, String moduleName, List<String[]> pathsToShow, int jobs,
                               long timeoutSeconds, java.util.Set<String> kernelSymbols) {
        List<String> command = new ArrayList<>(List.of("make", "-C", buildFolder.toString(), "M=" + moduleFolder.toAbsolutePath(),
                "-j" + Math.max(1, jobs)));
        if (!kernelSymbols.isEmpty()) {
            // declared kernel symbols are not exported: modpost may only warn, and every other undefined symbol is refused below
            command.add("KBUILD_MODPOST_WARN=1");
        }
        command.add("modules");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(moduleFolder.toFile());
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run make (install make and gcc): " + e.getMessage(), e);
        }
        List<String> output = new ArrayList<>();
        Thread reader = new Thread(() -> readLines(p.getInputStream(), output), "kbuild-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new BuildFailedException("The kernel build did not finish within " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new BuildFailedException("Interrupted while building the module");
        }
        String shown;
        synchronized (output) {
            shown = show(output, moduleFolder, pathsToShow);
        }
        Path ko = moduleFolder.resolve(moduleName + ".ko");
        if (p.exitValue() != 0 || !Files.isRegularFile(ko)) {
            throw new BuildFailedException("The module did not build (" + String.join(" ", command) + " exited with " + p.exitValue()
                    + "):\n" + shown);
        }
        List<String> undeclared = new ArrayList<>();
        java.util.regex.Pattern undefined = java.util.regex.Pattern.compile(".*modpost: \"([^\"]+)\" \\[.*\\] undefined!.*");
        synchronized (output) {
            for (String line : output) {
                java.util.regex.Matcher m = undefined.matcher(line);
                if (m.matches() && !kernelSymbols.contains(m.group(1))) {
                    undeclared.add(m.group(1));
                }
            }
        }
        if (!undeclared.isEmpty()) {
            throw new BuildFailedException("The module refers to kernel symbols that are neither exported nor declared: "
                    + String.join(", ", undeclared) + ". Declare each in the fix's " + FixSourceParser.PROPERTIES
                    + " (kernel-symbols = vmlinux:NAME …) so that it becomes a livepatch relocation, or fix the name.\n" + shown);
        }
        try {
            return Files.readAllBytes(ko);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + ko + ": " + e.getMessage(), e);
        }
    }

    private static void readLines(InputStream in, List<String> output) {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (output) {
                    if (output.size() < MAX_OUTPUT_LINES) {
                        output.add(line.length() > 2000 ? line.substring(0, 2000) + "…" : line);
                    } else if (output.size() == MAX_OUTPUT_LINES) {
                        output.add("… (more output left out)");
                    }
                }
            }
        } catch (IOException e) {
            synchronized (output) {
                output.add("(reading the build's output failed: " + e.getMessage() + ")");
            }
        }
    }

    static String show(List<String> output, Path moduleFolder, List<String[]> pathsToShow) {
        String base = moduleFolder.toAbsolutePath().toString();
        StringBuilder s = new StringBuilder();
        for (String line : output) {
            String l = line;
            for (String[] pair : pathsToShow) {
                // only source paths (file.c:12:5:), not the object files make prints
                l = l.replaceAll(java.util.regex.Pattern.quote(base + "/" + pair[0]) + "([^\\s:]+\\.[ch])\\b",
                        java.util.regex.Matcher.quoteReplacement(pair[1]) + "$1");
            }
            s.append(l).append('\n');
        }
        return s.toString();
    }
}
