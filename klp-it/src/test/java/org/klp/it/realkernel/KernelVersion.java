package org.klp.it.realkernel;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The major and minor number of a kernel release: what decides which files the kernel's live
 * patching shows (e.g. {@code /sys/kernel/livepatch/<patch>/replace} from 6.11 on).
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {

    private static final Pattern LEADING = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})(?!\\d)");

    public KernelVersion {
        if (major < 2 || minor < 0) {
            throw new IllegalArgumentException("Not a kernel version: " + major + "." + minor);
        }
    }

    /** The version a release starts with: {@code 6.12} of {@code 6.12.N+debN-amd64}. */
    public static KernelVersion of(String release) {
        Matcher m = LEADING.matcher(release);
        if (!m.find()) {
            throw new IllegalArgumentException("Not a kernel release: '" + release + "'");
        }
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    public boolean isAtLeast(KernelVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(KernelVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
