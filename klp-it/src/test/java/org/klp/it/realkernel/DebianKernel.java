package org.klp.it.realkernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.klp.core.kernel.KernelRelease;

/**
 * A Debian kernel line the real-kernel suite runs on, named by the metapackage that follows it
 * ({@code linux-image-amd64} follows bookworm's 6.1, {@code linux-image-6.12-amd64} the 6.12
 * backport in bookworm-security); the release is whatever that metapackage depends on today, so
 * no test names a release (Debian moves the ABI number every few weeks).
 *
 * <p>Every real-kernel test class runs once per line ({@code @ParameterizedClass} over
 * {@link #all()}); {@code bin/setup} installs both.
 *
 * @param imagePackage the metapackage, e.g. {@code linux-image-amd64}
 * @param headersPackage its headers' metapackage, e.g. {@code linux-headers-amd64}
 */
public record DebianKernel(String imagePackage, String headersPackage) {

    public static final DebianKernel BOOKWORM = new DebianKernel("linux-image-amd64", "linux-headers-amd64");
    public static final DebianKernel BOOKWORM_BACKPORT = new DebianKernel("linux-image-6.12-amd64", "linux-headers-6.12-amd64");

    private static final Pattern DEPENDS = Pattern.compile("linux-image-([0-9][^ ,(]*)");

    public DebianKernel {
        Objects.requireNonNull(imagePackage, "imagePackage");
        Objects.requireNonNull(headersPackage, "headersPackage");
    }

    /** The kernel lines every real-kernel test class runs on, in this order. */
    public static List<DebianKernel> all() {
        return List.of(BOOKWORM, BOOKWORM_BACKPORT);
    }

    /**
     * The installed kernel this line stands for.
     *
     * @throws MissingPrerequisiteException when the metapackage is not installed
     */
    public GuestKernel installed() {
        Matcher m = DEPENDS.matcher(dpkgDepends(imagePackage));
        if (!m.find()) {
            throw new MissingPrerequisiteException(List.of(
                    new Prerequisites.Missing("a guest kernel: " + imagePackage + " is not installed", imagePackage),
                    new Prerequisites.Missing("its headers", headersPackage)));
        }
        return GuestKernel.of(KernelRelease.parse(m.group(1)));
    }

    /** Shown as the name of each parameterized test class invocation: the metapackage and the release it stands for today. */
    @Override
    public String toString() {
        Matcher m = DEPENDS.matcher(dpkgDepends(imagePackage));
        return imagePackage + (m.find() ? " (" + m.group(1) + ")" : " (not installed)");
    }

    static String dpkgDepends(String pkg) {
        try {
            Process p = new ProcessBuilder("dpkg-query", "-W", "-f=${Depends}", pkg)
                    .redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
