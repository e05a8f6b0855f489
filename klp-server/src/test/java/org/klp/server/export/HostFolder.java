package org.klp.server.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A host's root folder written by hand, as a scanner with a probe root sees it: the kernel's files
 * ({@code /proc/sys/kernel/osrelease}, the boot id, {@code /sys/kernel/livepatch}), klp's host record,
 * and an rpm database ({@code /var/lib/rpm}) holding packages built with the real rpmbuild.
 */
final class HostFolder {

    private static final Map<String, Path> BUILT = new HashMap<>();

    final Path root;

    HostFolder(Path root, String release) {
        this.root = root;
        write("proc/sys/kernel/osrelease", release + "\n");
        write("proc/sys/kernel/random/boot_id", "6f1e0a2c-0d3b-4c55-9a55-1f0c0b8c7e01\n");
        mkdirs("sys/kernel/livepatch");
        Oscap.Tools.require("rpm", "rpm");
        Oscap.Tools.ok("rpm", "--root", root.toString(), "--dbpath", "/var/lib/rpm", "--initdb");
    }

    String bootId() {
        return "6f1e0a2c-0d3b-4c55-9a55-1f0c0b8c7e01";
    }

    /** A loaded live patch: its sysfs folder with {@code enabled} and {@code transition}. */
    HostFolder patch(String module, boolean enabled, boolean inTransition) {
        write("sys/kernel/livepatch/" + module + "/enabled", (enabled ? "1" : "0") + "\n");
        write("sys/kernel/livepatch/" + module + "/transition", (inTransition ? "1" : "0") + "\n");
        return this;
    }

    /** Registers package {@code name} at {@code version} in the rpm database (the files are of no interest to the scanner). */
    HostFolder installed(String name, int version, Path scratch) {
        Path rpm = build(name, version, scratch);
        Oscap.Tools.ok("rpm", "--root", root.toString(), "--dbpath", "/var/lib/rpm", "-i", "--justdb", "--nodeps", "--noscripts", rpm.toString());
        return this;
    }

    HostFolder hostRecord(String... lines) {
        write("var/lib/klp/state", "# klp host record; written by klp, do not edit\nformat=1\n" + String.join("\n", lines) + "\n");
        return this;
    }

    private static synchronized Path build(String name, int version, Path scratch) {
        String key = name + "-" + version;
        Path done = BUILT.get(key);
        if (done != null && Files.exists(done)) {
            return done;
        }
        Oscap.Tools.require("rpmbuild", "rpm");
        try {
            Path top = Files.createDirectories(scratch.resolve("rpmbuild-" + key));
            Path spec = top.resolve(key + ".spec");
            Files.writeString(spec, "Name: " + name + "\nVersion: " + version + "\nRelease: 1\nSummary: test\nLicense: GPL-2.0\nBuildArch: noarch\n"
                    + "%description\ntest package\n%files\n");
            Oscap.Tools.ok("rpmbuild", "--define", "_topdir " + top, "-bb", spec.toString());
            Path rpm = top.resolve("RPMS/noarch/" + key + "-1.noarch.rpm");
            BUILT.put(key, rpm);
            return rpm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String path, String text) {
        try {
            Path f = root.resolve(path);
            Files.createDirectories(f.getParent());
            Files.writeString(f, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void mkdirs(String path) {
        try {
            Files.createDirectories(root.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
