package org.klp.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.klp.core.module.ModuleInfo;

/**
 * A real Linux kernel: modules go in with {@code insmod} and out with {@code rmmod} (kmod prints
 * the kernel's reason, which we pass on), livepatch files are written directly.
 */
public final class RealKernelControl implements KernelControl {

    private static final long COMMAND_TIMEOUT_SECONDS = 120;
    private final HostRoot root;

    public RealKernelControl(HostRoot root) {
        this.root = root;
    }

    /**
     * Loads the module with insmod. When the kernel refuses it, kmod prints only the errno's text
     * ("Invalid parameters", "Invalid module format"); the reason is in the kernel log ("version
     * magic '…' should be '…'", "… is not compatible with the already installed livepatches"), so
     * the lines the kernel logged during the attempt are added to the message.
     */
    @Override
    public void load(Path module) {
        Optional<Double> since = root.isSystem() ? uptime() : Optional.empty();
        try {
            run(List.of("insmod", module.toString()), "load " + module.getFileName());
        } catch (KernelOperationException e) {
            String name = moduleName(module);
            String log = since.map(t -> kernelLogSince(t, name)).orElse("");
            if (log.isEmpty()) {
                throw e;
            }
            throw new KernelOperationException(e.errno(), e.getMessage() + " (kernel: " + log + ")", e);
        }
    }

    private Optional<Double> uptime() {
        try {
            return root.readIfExists("proc/uptime").map(u -> Double.parseDouble(u.strip().split("\\s+")[0]));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The module's name from its modinfo (the kernel logs under it), or else the file's name without {@code .ko}. */
    private static String moduleName(Path module) {
        try {
            return ModuleInfo.parse(Files.readAllBytes(module), module.toString()).name();
        } catch (IOException | RuntimeException e) {
            return module.getFileName().toString().replaceFirst("\\.ko$", "");
        }
    }

    /**
     * The kernel log lines about module {@code name} stamped at or after {@code since} (seconds
     * since boot), at most the last three, joined with "; ", from {@code dmesg}; empty when it
     * cannot be read. printk's clock does not count time suspended and /proc/uptime does: after a
     * suspend this finds nothing.
     */
    static String kernelLogSince(double since, String name) {
        String log;
        try {
            log = run(List.of("dmesg"), "read the kernel log");
        } catch (KernelOperationException e) {
            return "";
        }
        return linesSince(log, since, name);
    }

    /** Lines of {@code dmesg} output stamped at or after {@code since} that name {@code module}, without their stamps. */
    static String linesSince(String dmesg, double since, String module) {
        List<String> lines = new ArrayList<>();
        for (String line : dmesg.split("\n")) {
            int close = line.indexOf(']');
            if (!line.startsWith("[") || close < 0) {
                continue;
            }
            try {
                String text = line.substring(close + 1).strip();
                if (Double.parseDouble(line.substring(1, close).strip()) >= since && text.contains(module)) {
                    lines.add(text);
                }
            } catch (NumberFormatException e) {
                // not a timestamped line
            }
        }
        return String.join("; ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    @Override
    public void unload(String module) {
        run(List.of("rmmod", module), "unload " + module);
    }

    @Override
    public void setEnabled(String patch, boolean enabled) {
        write(root.resolve(LivepatchReader.LIVEPATCH + "/" + patch + "/enabled"), enabled ? "1" : "0");
    }

    @Override
    public void force(String patch) {
        write(root.resolve(LivepatchReader.LIVEPATCH + "/" + patch + "/force"), "1");
    }

    private void write(Path file, String value) {
        try {
            Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
        } catch (FileSystemException e) {
            String reason = e.getReason() == null ? e.getMessage() : e.getReason();
            throw new KernelOperationException(errnoOf(reason), "Writing " + value + " to " + root.show(file) + " failed: " + reason, e);
        } catch (IOException e) {
            throw new KernelOperationException(errnoOf(e.getMessage()), "Writing " + value + " to " + root.show(file) + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs a command and returns its output (stdout and stderr merged, stripped). The output goes
     * to a temporary file, not a pipe: a command that writes more than a pipe holds (dmesg) would
     * otherwise block until the timeout.
     */
    private static String run(List<String> command, String what) {
        Path output;
        try {
            output = Files.createTempFile("klp-" + command.get(0) + "-", ".out");
        } catch (IOException e) {
            throw new KernelOperationException("EIO", "Cannot " + what + ": no temporary file for " + command.get(0) + "'s output: "
                    + e.getMessage(), e);
        }
        try {
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            } catch (IOException e) {
                throw new KernelOperationException("ENOENT", "Cannot " + what + ": " + command.get(0)
                        + " is not installed (Debian/SUSE package " + (command.get(0).equals("dmesg") ? "util-linux" : "kmod") + ")", e);
            }
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KernelOperationException("ETIMEDOUT", "Cannot " + what + ": " + command.get(0) + " did not finish in "
                        + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String out = new String(Files.readAllBytes(output), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new KernelOperationException(errnoOf(out), "Cannot " + what + ": " + (out.isEmpty() ? command.get(0) + " failed" : out));
            }
            return out;
        } catch (IOException e) {
            throw new KernelOperationException("EIO", "Cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelOperationException("EINTR", "Interrupted while trying to " + what, e);
        } finally {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                // a leftover temporary file is harmless
            }
        }
    }

    /** Maps the strerror text kmod and the JDK print back to the errno name. */
    static String errnoOf(String message) {
        String m = message == null ? "" : message;
        if (m.contains("Device or resource busy")) {
            return "EBUSY";
        }
        if (m.contains("Invalid argument") || m.contains("Invalid parameters")) {
            return "EINVAL";
        }
        if (m.contains("Invalid module format")) {
            return "ENOEXEC";
        }
        if (m.contains("File exists")) {
            return "EEXIST";
        }
        if (m.contains("is in use") || m.contains("Resource temporarily unavailable")) {
            return "EAGAIN";
        }
        if (m.contains("not currently loaded") || m.contains("No such file")) {
            return "ENOENT";
        }
        if (m.contains("Operation not permitted")) {
            return "EPERM";
        }
        if (m.contains("Key was rejected") || m.contains("Required key not available")) {
            return "EKEYREJECTED";
        }
        return "EIO";
    }
}
