package org.klp.server.service;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.klp.core.fleet.HostPosture;
import org.klp.server.store.SystemStore;

/**
 * What a check-in's posture must be for storage and for every later reader, checked before it is
 * queued for the check-in writer: a posture that passes is stored, alone or in any group, and read
 * back by the systems list, the dashboard, the CVE audit and CSV as it was sent. One that does not
 * is refused with the field at fault, and never reaches a commit group of other systems.
 *
 * <ul>
 * <li>Lengths and counts within the {@code systems} table's columns ({@link SystemStore.Columns}).</li>
 * <li>Names in the characters their kind has: package names as RPM writes them (no {@code ,} or
 *     {@code =}, which separate the stored list of installed live patches), module names as the
 *     kernel takes them, operations as the host tool names them.</li>
 * <li>No control characters (PostgreSQL refuses {@code NUL} in text) and no broken UTF-16 in any
 *     string; the apply message may hold tabs and line breaks and is clipped to its column.</li>
 * <li>Every number within the range the kernel and the host tool give it; times between 1970 and
 *     9999.</li>
 * </ul>
 * Patterns are compiled once: a check costs microseconds, not a check-in's budget.
 */
public final class PostureRules {

    static final int MAX_VERSION = 1_000_000;
    /** Ten years: a transition older than its kernel's support is a host's clock or a lie. */
    static final long MAX_TRANSITION_SECONDS = 10L * 366 * 86_400;
    /** The kernel's PID_MAX_LIMIT: there are never more tasks to block a transition. */
    static final int MAX_BLOCKERS = 4_194_304;
    /** Taint flags are bits of an unsigned long of which the kernel defines fewer than 32. */
    static final long MAX_TAINT = (1L << 32) - 1;
    static final int MAX_AGENT = 100;

    private static final Pattern PACKAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
    private static final Pattern MODULE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");
    private static final Pattern OPERATION = Pattern.compile("[a-z][a-z_-]*");
    private static final Instant EARLIEST = Instant.parse("1970-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private PostureRules() {
    }

    /** Refuses the first field of {@code p} that storage or a later reader would not take, naming it. */
    public static void check(HostPosture p, String agent) {
        if (agent != null) {
            text(agent, "agent", MAX_AGENT, false);
        }
        text(p.kernel(), "posture.kernel", SystemStore.Columns.KERNEL, false);
        List<String> kernels = p.installedKernels();
        if (kernels.size() > SystemStore.Columns.MAX_INSTALLED_KERNELS) {
            throw new InvalidInput("posture.installedKernels", "posture.installedKernels lists " + kernels.size() + " kernels; at most "
                    + SystemStore.Columns.MAX_INSTALLED_KERNELS);
        }
        int joined = 0;
        for (int i = 0; i < kernels.size(); i++) {
            joined += text(kernels.get(i), "posture.installedKernels[" + i + "]", SystemStore.Columns.KERNEL, false).length() + 1;
        }
        if (joined - 1 > SystemStore.Columns.INSTALLED) {
            throw new InvalidInput("posture.installedKernels", "posture.installedKernels is " + (joined - 1) + " characters joined; at most "
                    + SystemStore.Columns.INSTALLED);
        }
        List<HostPosture.InstalledLivePatch> patches = p.installedLivePatches();
        if (patches.size() > SystemStore.Columns.MAX_INSTALLED_PATCHES) {
            throw new InvalidInput("posture.installedLivePatches", "posture.installedLivePatches lists " + patches.size() + " packages; at most "
                    + SystemStore.Columns.MAX_INSTALLED_PATCHES);
        }
        joined = 0;
        for (int i = 0; i < patches.size(); i++) {
            String field = "posture.installedLivePatches[" + i + "]";
            name(patches.get(i).packageName(), field + ".packageName", SystemStore.Columns.LOADED_PACKAGE, PACKAGE, "a package name as RPM writes it"
                    + " (letters, digits, '.', '_', '+', '-')");
            range(patches.get(i).version(), 1, MAX_VERSION, field + ".version");
            joined += patches.get(i).packageName().length() + 1 + Integer.toString(patches.get(i).version()).length() + 1;
        }
        if (joined - 1 > SystemStore.Columns.INSTALLED) {
            throw new InvalidInput("posture.installedLivePatches", "posture.installedLivePatches is " + (joined - 1)
                    + " characters as stored; at most " + SystemStore.Columns.INSTALLED);
        }
        if (p.loadedPatch() != null) {
            name(p.loadedPatch(), "posture.loadedPatch", SystemStore.Columns.LOADED_PATCH, MODULE, "a kernel module name (letters, digits, '_', '-', '.')");
        }
        if (p.loadedPackage() != null) {
            name(p.loadedPackage(), "posture.loadedPackage", SystemStore.Columns.LOADED_PACKAGE, PACKAGE,
                    "a package name as RPM writes it (letters, digits, '.', '_', '+', '-')");
        }
        range(p.loadedVersion(), 0, MAX_VERSION, "posture.loadedVersion");
        range(p.transitionSeconds(), 0, MAX_TRANSITION_SECONDS, "posture.transitionSeconds");
        range(p.blockers(), 0, MAX_BLOCKERS, "posture.blockers");
        range(p.taint(), 0, MAX_TAINT, "posture.taint");
        HostPosture.ApplyReport last = p.lastApply();
        if (last != null) {
            name(last.operation(), "posture.lastApply.operation", SystemStore.Columns.OPERATION, OPERATION, "an operation of the host tool"
                    + " (lower-case letters, '_', '-')");
            range(last.targetVersion(), 0, MAX_VERSION, "posture.lastApply.targetVersion");
            text(last.message(), "posture.lastApply.message", Integer.MAX_VALUE, true);
            Instant at = Instant.parse(last.at());
            if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
                throw new InvalidInput("posture.lastApply.at", "posture.lastApply.at " + last.at() + " is not between 1970 and 9999");
            }
        }
    }

    private static String name(String value, String field, int max, Pattern pattern, String what) {
        text(value, field, max, false);
        if (!pattern.matcher(value).matches()) {
            throw new InvalidInput(field, field + " must be " + what + ", was '" + Quote.clip(value, 80) + "'");
        }
        return value;
    }

    private static String text(String value, String field, int max, boolean lines) {
        return Printable.require(value, field, max, lines);
    }

    private static void range(long value, long min, long max, String field) {
        if (value < min || value > max) {
            throw new InvalidInput(field, field + " must be from " + min + " to " + max + ", was " + value);
        }
    }
}
