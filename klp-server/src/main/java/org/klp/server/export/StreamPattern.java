package org.klp.server.export;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.klp.core.kernel.KernelRelease;

/**
 * The releases of one kernel stream as a scanner sees them in {@code /proc/sys/kernel/osrelease}:
 * a regular expression matching exactly the {@code uname -r} strings of the stream (see
 * {@link KernelRelease#stream()}), whose one group captures the part of the release that differs
 * between them. Within a stream, releases compare as those parts compare as versions (component
 * by component, numerically), which is OVAL's {@code version} datatype.
 *
 * <p>A stream with a base ({@code 5.14.21-150500-default}) holds the releases {@code 150500.X[.Y…]};
 * one without ({@code 6.1.0-amd64}, Debian's ABI numbers) holds the releases without a dot.
 */
record StreamPattern(String stream, String version, String base, String flavor) {

    private static final Pattern FORM = Pattern.compile("(\\d+\\.\\d+(?:\\.\\d+)?)-(?:(\\d+)-)?([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)");

    static StreamPattern of(String stream) {
        Matcher m = FORM.matcher(stream);
        if (!m.matches()) {
            throw new IllegalArgumentException("Not a kernel stream: '" + stream + "' (expected such as 5.14.21-150500-default or 6.1.0-amd64)");
        }
        return new StreamPattern(stream, m.group(1), m.group(2), m.group(3));
    }

    /** The expression matching {@code uname -r} of this stream's releases; group 1 is {@link #tail}. */
    String regex() {
        String v = version.replace(".", "\\.");
        if (base == null) {
            return "^" + v + "-([0-9]+)-" + flavor + "$";
        }
        return "^" + v + "-" + base + "\\.([0-9]+(?:\\.[0-9]+)*)-" + flavor + "$";
    }

    /** The part of a release of this stream that the expression captures. */
    String tail(KernelRelease k) {
        if (!k.stream().equals(stream)) {
            throw new IllegalArgumentException(k + " is not of stream " + stream);
        }
        return base == null ? k.release() : k.release().substring(base.length() + 1);
    }
}
