package org.klp.packaging.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real clients the packaging tests check against (rpm, createrepo_c, zypper, libsolv's
 * tools), each bounded by a timeout. A missing tool fails the test with the Debian package to
 * install, never skips it.
 */
public final class Tools {

    /** What a command did. */
    public record Run(List<String> command, int exit, String out, String err) {
        public Run ok() {
            if (exit != 0) {
                fail("Command failed with exit " + exit + ": " + String.join(" ", command) + "\nstdout:\n" + out + "\nstderr:\n" + err);
            }
            return this;
        }

        public String all() {
            return out + err;
        }
    }

    private static final Map<String, String> DEBIAN_PACKAGE = Map.of(
            "rpm", "rpm", "rpmkeys", "rpm", "createrepo_c", "createrepo-c", "modifyrepo_c", "createrepo-c",
            "zypper", "zypper", "repo2solv", "libsolv-tools", "testsolv", "libsolv-tools", "dumpsolv", "libsolv-tools",
            "busybox", "busybox-static", "gpg", "gpg");

    private Tools() {
    }

    /** Fails the test, naming the Debian package, when {@code tool} is not on the PATH. */
    public static Path require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        fail(tool + " is not installed; install the Debian package '" + DEBIAN_PACKAGE.getOrDefault(tool, tool)
                + "' (bin/setup does: apt-get install " + DEBIAN_PACKAGE.getOrDefault(tool, tool) + ")");
        return null;
    }

    public static Run run(Path dir, int timeoutSeconds, String... command) {
        return run(dir, timeoutSeconds, Map.of(), List.of(command));
    }

    public static Run run(Path dir, int timeoutSeconds, Map<String, String> env, List<String> command) {
        require(command.get(0));
        try {
            Path out = Files.createTempFile("klp-tool-out", ".txt");
            Path err = Files.createTempFile("klp-tool-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                if (dir != null) {
                    pb.directory(dir.toFile());
                }
                pb.environment().put("LC_ALL", "C.UTF-8");
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    fail("Command did not finish in " + timeoutSeconds + " s: " + String.join(" ", command)
                            + "\nstdout:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
                }
                return new Run(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
