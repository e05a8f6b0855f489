package org.klp.core.kernel;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A kernel release as {@code uname -r} prints it: upstream version, distribution release and
 * flavor, e.g. {@code 5.14.21-150500.55.49-default} or Debian's {@code 6.1.0-56-amd64}. The
 * release is either numbers after a dash or, as Debian names its newer kernels
 * ({@code 6.12.57+deb12-amd64}, backports' {@code 6.12.12+bpo-amd64}), a distribution tag after a
 * plus, kept with its plus: {@code +deb12}.
 *
 * <p>The <em>package form</em> replaces the dots of version and release by underscores, as the
 * name of a live patch package does: {@code 5_14_21-150500_55_49-default}. Both forms parse.
 *
 * <p>Ordering compares the version and then the release numerically, component by component
 * ({@code 55.49} before {@code 55.100}), then the flavor by name: releases of one stream sort in
 * the order they were built.
 */
public record KernelRelease(String version, String release, String flavor) implements Comparable<KernelRelease> {

    private static final String EXPECTED =
            "expected VERSION-RELEASE-FLAVOR such as 5.14.21-150500.55.49-default or 6.1.0-56-amd64, or VERSION+TAG-FLAVOR such as "
                    + "6.12.57+deb12-amd64";
    private static final Pattern VERSION = Pattern.compile("\\d+\\.\\d+(?:\\.\\d+)?");
    private static final String NUMBERS = "\\d+(?:\\.\\d+)*";
    private static final String TAG = "\\+[a-z][a-z0-9]{0,31}";
    private static final Pattern RELEASE = Pattern.compile(NUMBERS + "|" + TAG);
    private static final Pattern FLAVOR = Pattern.compile("[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*");
    private static final Pattern UNAME = Pattern.compile(
            "(" + VERSION.pattern() + ")(?:-(" + NUMBERS + ")|(" + TAG + "))-(" + FLAVOR.pattern() + ")");
    private static final Pattern PACKAGE_FORM = Pattern.compile(
            "(\\d+_\\d+(?:_\\d+)?)(?:-(\\d+(?:_\\d+)*)|(" + TAG + "))-(" + FLAVOR.pattern() + ")");

    private static final Comparator<KernelRelease> ORDER = Comparator
            .comparing((KernelRelease k) -> numbers(k.version), Arrays::compare)
            .thenComparing(k -> numbers(k.release), Arrays::compare)
            .thenComparing(KernelRelease::release)
            .thenComparing(KernelRelease::flavor);

    public KernelRelease {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(flavor, "flavor");
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("Not a kernel version: '" + version + "' (expected digits and dots such as 5.14.21)");
        }
        if (!RELEASE.matcher(release).matches()) {
            throw new IllegalArgumentException("Not a kernel release number: '" + release
                    + "' (expected digits and dots such as 150500.55.49, or a tag such as +deb12)");
        }
        if (!FLAVOR.matcher(flavor).matches()) {
            throw new IllegalArgumentException("Not a kernel flavor: '" + flavor + "' (expected lower-case words such as default, rt or cloud-amd64)");
        }
    }

    /**
     * Releases already parsed: a fleet runs a few hundred kernels, and every check-in names several
     * (a server parsed them with four regular expressions each, a tenth of its CPU a check-in).
     * Bounded in entries and key length; once full, parsing simply is not remembered.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, KernelRelease> PARSED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int PARSED_ENTRIES = 4096;
    private static final int PARSED_KEY_CHARS = 128;

    /** Parses the {@code uname -r} form; throws {@link IllegalArgumentException} naming the input otherwise. */
    public static KernelRelease parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Not a kernel release: null (" + EXPECTED + ")");
        }
        KernelRelease known = PARSED.get(text);
        if (known != null) {
            return known;
        }
        Matcher m = UNAME.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("Not a kernel release: '" + text + "' (" + EXPECTED + ")");
        }
        KernelRelease parsed = new KernelRelease(m.group(1), m.group(2) != null ? m.group(2) : m.group(3), m.group(4));
        if (text.length() <= PARSED_KEY_CHARS && PARSED.size() < PARSED_ENTRIES) {
            PARSED.putIfAbsent(text, parsed);
        }
        return parsed;
    }

    /** Parses the package form ({@code 5_14_21-150500_55_49-default}). */
    public static KernelRelease parsePackageForm(String text) {
        if (text == null) {
            throw new IllegalArgumentException("Not a kernel release in package form: null");
        }
        Matcher m = PACKAGE_FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("Not a kernel release in package form: '" + text
                    + "' (expected VERSION-RELEASE-FLAVOR with underscores for dots, such as 5_14_21-150500_55_49-default)");
        }
        return new KernelRelease(m.group(1).replace('_', '.'), m.group(2) != null ? m.group(2).replace('_', '.') : m.group(3), m.group(4));
    }

    /** Parses either form: what a user may type where a kernel is asked for. */
    public static KernelRelease parseAny(String text) {
        if (text != null && text.indexOf('_') >= 0) {
            return parsePackageForm(text);
        }
        return parse(text);
    }

    /** The {@code uname -r} string. */
    public String uname() {
        return versionRelease() + "-" + flavor;
    }

    /** The form used in package names: dots of version and release become underscores. */
    public String packageForm() {
        return version.replace('.', '_') + (isTagged() ? release : "-" + release.replace('.', '_')) + "-" + flavor;
    }

    /** Version and release without the flavor, as in RPM's {@code kernel-default = 5.14.21-150500.55.49}. */
    public String versionRelease() {
        return version + (isTagged() ? release : "-" + release);
    }

    /** Whether the release is a distribution tag ({@code +deb12}) rather than numbers. */
    private boolean isTagged() {
        return release.startsWith("+");
    }

    /**
     * The stream a release belongs to: same upstream version, same first release component and
     * flavor (SUSE's service pack base such as {@code 150500}); a release without dots (Debian's ABI
     * number) belongs to the stream of its version and flavor; a tagged release, whose upstream
     * version moves with every update ({@code 6.12.57+deb12}, {@code 6.12.58+deb12}), to the stream
     * of its major.minor, tag and flavor ({@code 6.12+deb12-amd64}). Kernels of one stream replace
     * one another on update.
     */
    public String stream() {
        if (isTagged()) {
            String[] parts = version.split("\\.");
            return parts[0] + "." + parts[1] + release + "-" + flavor;
        }
        int dot = release.indexOf('.');
        if (dot < 0) {
            return version + "-" + flavor;
        }
        return version + "-" + release.substring(0, dot) + "-" + flavor;
    }

    @Override
    public int compareTo(KernelRelease other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return uname();
    }

    private static long[] numbers(String dotted) {
        if (dotted.startsWith("+")) {
            return new long[0];
        }
        String[] parts = dotted.split("\\.");
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Long.parseLong(parts[i]);
        }
        return out;
    }
}
