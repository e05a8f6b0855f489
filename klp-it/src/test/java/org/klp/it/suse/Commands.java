package org.klp.it.suse;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The real clients these tests drive (zypper, rpm), each bounded by a timeout; a missing one fails the test naming its package. */
final class Commands {

    record Run(List<String> command, int exit, String out, String err) {
        Run ok() {
            if (exit != 0) {
                fail("Command failed with exit " + exit + ": " + String.join(" ", command) + "\nstdout:\n" + out + "\nstderr:\n" + err);
            }
            return this;
        }

        String all() {
            return out + err;
        }
    }

    private Commands() {
    }

    static Run zypper(Path root, String... args) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--root", root.toString(), "--non-interactive"));
        cmd.addAll(List.of(args));
        return run(Map.of("ZYPP_LOCKFILE_ROOT", root.toString()), cmd);
    }

    static Run rpm(Path root, String... args) {
        List<String> cmd = new ArrayList<>(List.of("rpm", "--root", root.toString()));
        cmd.addAll(List.of(args));
        return run(Map.of(), cmd);
    }

    static List<String> installed(Path root) {
        return rpm(root, "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\\n").ok().out().lines().filter(l -> !l.startsWith("gpg-pubkey")).sorted().toList();
    }

    static Run run(Map<String, String> env, List<String> command) {
        String tool = command.get(0);
        if (!tool.contains("/") && java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .noneMatch(d -> Files.isExecutable(Path.of(d, tool)))) {
            fail(tool + " is not installed; install the Debian package '" + tool + "' (bin/setup does)");
        }
        try {
            Path out = Files.createTempFile("klp-it-out", ".txt");
            Path err = Files.createTempFile("klp-it-err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                pb.environment().put("LC_ALL", "C.UTF-8");
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    fail("Command did not finish in 300 s: " + String.join(" ", command));
                }
                return new Run(List.copyOf(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
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
