package org.klp.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    @Override
    public void load(Path module) {
        run(List.of("insmod", module.toString()), "load " + module.getFileName());
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

    private static void run(List<String> command, String what) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new KernelOperationException("ENOENT", "Cannot " + what + ": " + command.get(0)
                    + " is not installed (Debian/SUSE package kmod)", e);
        }
        try {
            p.getOutputStream().close();
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new KernelOperationException("ETIMEDOUT", "Cannot " + what + ": " + command.get(0) + " did not finish in "
                        + COMMAND_TIMEOUT_SECONDS + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new KernelOperationException(errnoOf(out), "Cannot " + what + ": " + (out.isEmpty() ? command.get(0) + " failed" : out));
            }
        } catch (IOException e) {
            throw new KernelOperationException("EIO", "Cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KernelOperationException("EINTR", "Interrupted while trying to " + what, e);
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
