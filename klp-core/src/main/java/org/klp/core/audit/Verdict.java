package org.klp.core.audit;

/**
 * What the audit says of one (host, CVE) pair: a closed set, each with a description and a
 * severity rank (higher is worse; "worst first" sorts by it).
 *
 * <p>The rank orders by what it takes to be safe: nothing (not affected, patched), waiting for a
 * transition, applying a live patch, rebooting into an installed kernel, installing a kernel and
 * rebooting, waiting for a fix that does not exist, and last the host we can no longer vouch for.
 *
 * <p>Precedence, for a host running kernel K with live patch version L loaded, pin P, newest
 * installed kernel B and check-in deadline D, against CVE x, on the instant {@code now}:
 * <ol>
 *   <li>K is outside every affected range of x: {@link #NOT_AFFECTED}; K is in an affected stream
 *       at or after the stream's first fixed release: {@link #PATCHED_BY_KERNEL}. These depend on
 *       the kernel release alone, which changes only by a reboot after which the agent checks in,
 *       so they survive a stale host.</li>
 *   <li>{@code now} is after D: {@link #UNKNOWN}, carrying the verdict of the rules below as the
 *       last known one.</li>
 *   <li>C is the first live patch version for K that carries x. L at least C: with its transition
 *       complete and not forced, {@link #PATCHED_BY_LIVE_PATCH}; otherwise
 *       {@link #LIVE_PATCH_IN_PROGRESS}.</li>
 *   <li>C exists but L is below it: {@link #LIVE_PATCH_AVAILABLE}, held back by the pin when P is
 *       set and below C. A live patch wins over a pending reboot: it closes the hole without one.</li>
 *   <li>B is newer than K and not affected by x: {@link #REBOOT_PENDING}.</li>
 *   <li>K's stream has a fixed kernel, or a newer kernel of K's stream has a live patch carrying
 *       x: {@link #REBOOT_REQUIRED}, naming that kernel and saying why no live patch for K helps
 *       (see {@link RebootReason}).</li>
 *   <li>Otherwise, no kernel of the stream and no live patch for K or a newer kernel of the stream
 *       carries the fix: {@link #NO_FIX_YET}.</li>
 * </ol>
 */
public enum Verdict {

    NOT_AFFECTED("The running kernel does not contain the flaw", 0),
    PATCHED_BY_KERNEL("The running kernel contains the fix", 1),
    PATCHED_BY_LIVE_PATCH("A loaded live patch carries the fix and its transition is complete", 2),
    LIVE_PATCH_IN_PROGRESS("A live patch carrying the fix is loaded, but its transition is not complete or was forced", 3),
    LIVE_PATCH_AVAILABLE("A live patch for the running kernel carries the fix but is not applied", 4),
    REBOOT_PENDING("A kernel with the fix is installed but not running", 5),
    REBOOT_REQUIRED("The fix exists only in a newer kernel; no live patch for the running kernel will apply it", 6),
    NO_FIX_YET("No kernel of the stream and no live patch for the running or a newer kernel contains the fix yet", 7),
    UNKNOWN("The host has not checked in within its interval; its live patch state cannot be vouched for", 8);

    private final String description;
    private final int rank;

    Verdict(String description, int rank) {
        this.description = description;
        this.rank = rank;
    }

    public String description() {
        return description;
    }

    /** Severity: 0 for not affected, higher is worse. */
    public int rank() {
        return rank;
    }

    /** Whether the host is (or may be) exposed: anything from an unfinished transition upwards. */
    public boolean atRisk() {
        return rank >= LIVE_PATCH_IN_PROGRESS.rank;
    }

    /** Whether a live patch, already loading or available, closes the hole without a reboot. */
    public boolean fixableByLivePatch() {
        return this == LIVE_PATCH_IN_PROGRESS || this == LIVE_PATCH_AVAILABLE;
    }

    /** Whether only a reboot closes the hole: into an installed kernel, or one still to be installed. */
    public boolean needsReboot() {
        return this == REBOOT_PENDING || this == REBOOT_REQUIRED;
    }

    /** Whether the verdict depends on the running kernel release alone, and so survives a stale host. */
    public boolean kernelOnly() {
        return this == NOT_AFFECTED || this == PATCHED_BY_KERNEL;
    }

    /** The worse of two verdicts. */
    public static Verdict worse(Verdict a, Verdict b) {
        return a.rank >= b.rank ? a : b;
    }
}
