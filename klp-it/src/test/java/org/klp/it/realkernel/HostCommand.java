package org.klp.it.realkernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short host command to completion, bounded in time, and fails with its output. */
final class HostCommand {

    private HostCommand() {
    }

    /**
     * Runs the command in the folder and returns its stdout and stderr, merged.
     *
     * @throws IllegalStateException when it fails or outlives the timeout (then it is killed)
     */
    static String run(List<String> command, Path dir, Duration timeout) {
        Path log = null;
        try {
            log = Files.createTempFile("klp-host-command", ".log");
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!finished) {
                throw new IllegalStateException("`" + String.join(" ", command) + "` did not finish within "
                        + timeout.toSeconds() + " s and was killed; output:\n" + tail(output));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("`" + String.join(" ", command) + "` in " + dir + " failed with exit code "
                        + process.exitValue() + "; output:\n" + tail(output));
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run `" + String.join(" ", command) + "`", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running `" + String.join(" ", command) + "`", e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    private static String tail(String output) {
        List<String> lines = output.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
