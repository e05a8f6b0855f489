package org.klp.cli.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A host whose live patch packages zypper manages: klp then asks zypper to install the version,
 * as SUSE's klp does ({@code zypper in --oldpackage kernel-livepatch-<kernel>=<N>}), so the
 * package database stays the truth. Detected by zypper being installed and rpm knowing the package.
 */
public final class Zypper {

    private static final long TIMEOUT_MINUTES = 15;
    private final Path root;

    private Zypper(Path root) {
        this.root = root;
    }

    /** Zypper manages {@code packageName} on this root if zypper is installed and rpm has the package. */
    public static java.util.Optional<Zypper> managing(Path root, String packageName) {
        if (!onPath("zypper") || !onPath("rpm")) {
            return java.util.Optional.empty();
        }
        List<String> q = new ArrayList<>(List.of("rpm"));
        if (!isSystem(root)) {
            q.addAll(List.of("--root", root.toString()));
        }
        q.addAll(List.of("-q", packageName));
        return run(q, 1).exitCode() == 0 ? java.util.Optional.of(new Zypper(root)) : java.util.Optional.empty();
    }

    /** The command that installs version {@code version} of the package (older or newer). */
    public List<String> installCommand(String packageName, int version, boolean older) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--non-interactive"));
        if (!isSystem(root)) {
            cmd.addAll(List.of("--root", root.toString()));
        }
        cmd.add("install");
        if (older) {
            cmd.add("--oldpackage");
        }
        cmd.add(packageName + "=" + version);
        return cmd;
    }

    /**
     * Has zypper download (and verify) version {@code version} of the package without installing
     * it, and returns the package file from zypper's cache under the root: klp reads the fixes it
     * carries before asking the user to confirm a downgrade.
     */
    public java.util.Optional<Path> download(String packageName, int version) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--non-interactive"));
        if (!isSystem(root)) {
            cmd.addAll(List.of("--root", root.toString()));
        }
        cmd.addAll(List.of("download", packageName + "=" + version));
        if (run(cmd).exitCode() != 0) {
            return java.util.Optional.empty();
        }
        Path cache = root.resolve("var/cache/zypp/packages");
        String prefix = packageName + "-" + version + "-";
        try (var files = Files.walk(cache)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix) && f.getFileName().toString().endsWith(".rpm"))
                    .findFirst();
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    public Result run(List<String> command) {
        return run(command, TIMEOUT_MINUTES);
    }

    /** What a command printed and how it exited. */
    public record Result(int exitCode, String output) {
    }

    /** Whether zypper is installed (on the PATH). */
    public static boolean installed() {
        return onPath("zypper");
    }

    /**
     * Runs {@code zypper --non-interactive [--root ROOT] ARGS}. Under a root other than {@code /}
     * zypper's lock goes under the root too, so that work on one root never waits for another's.
     */
    public static Result run(Path root, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of("zypper", "--non-interactive"));
        if (!isSystem(root)) {
            cmd.addAll(List.of("--root", root.toAbsolutePath().normalize().toString()));
        }
        cmd.addAll(args);
        return run(cmd, TIMEOUT_MINUTES, isSystem(root) ? java.util.Map.of()
                : java.util.Map.of("ZYPP_LOCKFILE_ROOT", root.toAbsolutePath().normalize().toString()));
    }

    private static Result run(List<String> command, long minutes) {
        return run(command, minutes, java.util.Map.of());
    }

    private static Result run(List<String> command, long minutes, java.util.Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(124, String.join(" ", command) + " did not finish in " + minutes + " min");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }

    private static boolean isSystem(Path root) {
        return root.toAbsolutePath().normalize().equals(Path.of("/"));
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
