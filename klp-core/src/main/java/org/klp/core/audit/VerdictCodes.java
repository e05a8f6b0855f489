package org.klp.core.audit;

/**
 * Verdicts stored one byte each, the byte being the {@link Verdict}'s ordinal: a class holds one
 * per CVE ordinal, 20 kB per class at 20,000 CVEs. Only the class verdicts are stored
 * ({@code REBOOT_PENDING} and {@code UNKNOWN} come from per-host overlays); the evidence behind a
 * byte is recomputed, for the few rows a query returns, from the class key and the catalog.
 */
final class VerdictCodes {

    static final byte NOT_AFFECTED = code(Verdict.NOT_AFFECTED);
    static final byte PATCHED_BY_KERNEL = code(Verdict.PATCHED_BY_KERNEL);
    static final byte PATCHED_BY_LIVE_PATCH = code(Verdict.PATCHED_BY_LIVE_PATCH);
    static final byte LIVE_PATCH_IN_PROGRESS = code(Verdict.LIVE_PATCH_IN_PROGRESS);
    static final byte LIVE_PATCH_AVAILABLE = code(Verdict.LIVE_PATCH_AVAILABLE);
    static final byte REBOOT_PENDING = code(Verdict.REBOOT_PENDING);
    static final byte REBOOT_REQUIRED = code(Verdict.REBOOT_REQUIRED);
    static final byte NO_FIX_YET = code(Verdict.NO_FIX_YET);
    static final byte UNKNOWN = code(Verdict.UNKNOWN);

    static final int COUNT = Verdict.values().length;
    private static final Verdict[] VERDICTS = Verdict.values();

    private VerdictCodes() {
    }

    static byte code(Verdict v) {
        return (byte) v.ordinal();
    }

    static Verdict verdict(int code) {
        return VERDICTS[code];
    }

    /** A base code saying the kernel itself is exposed (live patches may still cover it). */
    static boolean exposedKernel(byte code) {
        return code == REBOOT_REQUIRED || code == NO_FIX_YET;
    }

    /** A base code saying the kernel itself is safe: booting into it would close the hole. */
    static boolean safeKernel(byte code) {
        return code == NOT_AFFECTED || code == PATCHED_BY_KERNEL;
    }

    /**
     * The verdict of a host: its class code with the overlays applied. {@code bootBase} is the base
     * code of its next boot kernel for the same CVE, or -1 when it boots the running kernel again.
     */
    static byte overlay(byte classCode, int bootBase, boolean stale) {
        if (classCode == NOT_AFFECTED || classCode == PATCHED_BY_KERNEL) {
            return classCode;
        }
        if (stale) {
            return UNKNOWN;
        }
        if (bootBase >= 0 && exposedKernel(classCode) && safeKernel((byte) bootBase)) {
            return REBOOT_PENDING;
        }
        return classCode;
    }
}
