package org.klp.packaging.product;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.PackageWriter;
import org.klp.packaging.rpm.PackageWriter.Dependency;

/**
 * The host tool as a package, {@code kernel-livepatch-tools-VERSION-RELEASE.noarch.rpm} (the name
 * SUSE's live patching tools have, which the seeds remove to stop live patching): {@code klp.jar}
 * at {@value #JAR}, and every file the jar carries under {@value #DIST} at its path
 * ({@code /usr/bin/klp}, the boot hooks, the systemd unit, the man page). The jar is the single
 * input: what a host gets is exactly what the build put into it.
 *
 * <h2>Scriptlets</h2>
 * All are POSIX sh, test before they touch anything, and exit 0: inside {@code zypper --root}'s
 * chroot there may be nothing but a shell.
 * <ul>
 * <li>{@code %post}: enables {@code klp-restore.service} where systemd runs.</li>
 * <li>{@code %preun} on erase: disables the unit and removes klp's boot copies of live patch
 *     modules ({@code /var/lib/klp/modules}), so the next boot loads no live patch; the loaded one
 *     stays (no reboot, the running kernel untouched), and so do the kernels and the record.</li>
 * <li>{@code %postun} on erase: rebuilds the initrds without klp's hook where dracut or
 *     initramfs-tools is installed and the system runs (not in a chroot without {@code /proc}).</li>
 * </ul>
 */
public final class HostToolRpm {

    public static final String NAME = LivePatchRpm.ACTIVATED_BY;
    public static final String JAR = "/usr/lib/klp/klp.jar";
    /** Where in klp.jar the files a host installs lie, by their path on the host. */
    public static final String DIST = "META-INF/klp-dist/";

    /** The capability of a Java runtime without graphics, which SUSE's OpenJDK packages provide. */
    public static final String JAVA = "java-headless";

    private static final Pattern VERSION = Pattern.compile("[0-9][0-9A-Za-z.+~_]{0,39}");
    private static final int MAX_FILE = 1 << 20;

    private HostToolRpm() {
    }

    /** The version of the host tool in a jar: its manifest's Implementation-Version, in rpm's terms ({@code -} becomes {@code ~}). */
    public static String versionOf(Path klpJar) {
        try (JarFile jar = new JarFile(klpJar.toFile())) {
            Manifest m = jar.getManifest();
            String v = m == null ? null : m.getMainAttributes().getValue("Implementation-Version");
            return v == null ? "0" : v.replace('-', '~');
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + klpJar + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the package from {@code klpJar}.
     *
     * @param release the package release; a later build of the same version needs a higher one
     */
    public static Path build(Path klpJar, String version, String release, SigningKey key, Path outputDir) {
        if (!VERSION.matcher(version).matches() || !VERSION.matcher(release).matches()) {
            throw new IllegalArgumentException("Not an rpm version and release: '" + version + "-" + release + "'");
        }
        byte[] jarBytes;
        Map<String, byte[]> dist = new TreeMap<>();
        try {
            jarBytes = Files.readAllBytes(klpJar);
            try (JarFile jar = new JarFile(klpJar.toFile())) {
                if (jar.getEntry("org/klp/cli/Klp.class") == null) {
                    throw new IllegalArgumentException(klpJar + " is not the host tool's jar (no org/klp/cli/Klp.class): give klp-cli/target/klp.jar");
                }
                for (ZipEntry e : java.util.Collections.list(jar.entries())) {
                    String name = e.getName();
                    if (!name.startsWith(DIST) || e.isDirectory()) {
                        continue;
                    }
                    String path = "/" + name.substring(DIST.length());
                    if (path.contains("/../") || path.contains("//") || !path.matches("/[A-Za-z0-9._/+-]+")) {
                        throw new IllegalArgumentException(klpJar + ": refusing the file " + name + " (not a plain path)");
                    }
                    try (InputStream in = jar.getInputStream(e)) {
                        byte[] data = in.readNBytes(MAX_FILE + 1);
                        if (data.length > MAX_FILE) {
                            throw new IllegalArgumentException(klpJar + ": " + name + " is larger than " + MAX_FILE + " bytes");
                        }
                        dist.put(path, data);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + klpJar + ": " + e.getMessage(), e);
        }
        if (!dist.containsKey("/usr/bin/klp")) {
            throw new IllegalArgumentException(klpJar + " carries no " + DIST + "usr/bin/klp: build it with klp-cli's Maven build");
        }
        PackageWriter w = new PackageWriter(NAME, version, release, "noarch")
                .summary("klp, the kernel live patching host tool")
                .description("klp loads, replaces and removes kernel live patches (klp status, klp patches, klp apply, klp update, ...),"
                        + " restores the active live patch at boot (initrd hooks for dracut and initramfs-tools, klp-restore.service),"
                        + " and reports to a klp server. Its presence activates live patching: live patch packages supplement their"
                        + " kernel together with it.")
                .group("System/Kernel")
                .license("Apache-2.0")
                .provides(Dependency.equal("klp", version))
                .requires(Dependency.atLeast(JAVA, "17"))
                .file(JAR, jarBytes, 0644);
        java.util.Set<String> ownDirectories = new java.util.TreeSet<>();
        for (String path : dist.keySet()) {
            for (String dir = parent(path); dir != null; dir = parent(dir)) {
                if (dir.substring(dir.lastIndexOf('/') + 1).contains("klp")) {
                    ownDirectories.add(dir); // klp's own folders go with the package; shared ones (/usr/bin) are the system's
                }
            }
        }
        ownDirectories.add(JAR.substring(0, JAR.lastIndexOf('/')));
        ownDirectories.forEach(w::directory);
        dist.forEach((path, data) -> w.file(path, data, executable(path) ? 0755 : 0644));
        return w.postScript(POST).preUninstallScript(PREUN).postUninstallScript(POSTUN).write(outputDir, key);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? null : path.substring(0, slash);
    }

    private static boolean executable(String path) {
        return path.startsWith("/usr/bin/") || path.startsWith("/usr/sbin/") || path.startsWith("/usr/lib/klp/")
                || path.startsWith("/usr/lib/dracut/modules.d/") || path.startsWith("/usr/share/initramfs-tools/");
    }

    // Nothing runs before its test succeeds: a chroot may have no /dev/null, no systemctl, no dracut.
    static final String POST = """
            if [ -d /run/systemd/system ] && [ -x /usr/bin/systemctl ]; then
              /usr/bin/systemctl daemon-reload || :
              /usr/bin/systemctl enable klp-restore.service klp-stable.path || :
            fi
            exit 0
            """;

    static final String PREUN = """
            if [ "$1" = 0 ]; then
              if [ -d /run/systemd/system ] && [ -x /usr/bin/systemctl ]; then
                /usr/bin/systemctl disable klp-restore.service klp-stable.path || :
              fi
              if [ -d /var/lib/klp/modules ]; then
                rm -rf /var/lib/klp/modules /var/lib/klp/boot-plan /var/lib/klp/loading || echo "kernel-livepatch-tools: could not remove /var/lib/klp/modules; the next boot may load the live patch" >&2
              fi
            fi
            exit 0
            """;

    static final String POSTUN = """
            if [ "$1" = 0 ]; then
              if [ -x /usr/bin/dracut ] && [ -d /proc/1 ]; then
                /usr/bin/dracut -f --regenerate-all || echo "kernel-livepatch-tools: dracut failed; the initrd may still load the live patch" >&2
              elif [ -x /usr/sbin/update-initramfs ] && [ -d /proc/1 ]; then
                /usr/sbin/update-initramfs -u -k all || echo "kernel-livepatch-tools: update-initramfs failed; the initrd may still load the live patch" >&2
              fi
            fi
            exit 0
            """;
}
