package org.klp.core.audit;

import java.util.Objects;

/**
 * The key of a posture class: every fact that decides a host's verdicts for every CVE at once,
 * and nothing else. Hosts with equal keys have equal class verdicts, so the audit computes them
 * once per class and joins them to hosts.
 *
 * <p>What is in the key, and why: the {@link Posture} (running kernel, loaded version, transition,
 * forced), and the pin that applies to the host's group <em>for its running kernel</em> (0 when
 * none), because a pin decides whether an available live patch is "held back by a pin".
 *
 * <p>What is not, and why: the installed kernels and the check-in deadline. Both vary from host to
 * host far more than postures do (every host has its own deadline), so keying on them would make
 * the number of classes follow the number of hosts. They also only ever <em>move</em> a class
 * verdict, in one direction each: a newer installed kernel turns {@code REBOOT_REQUIRED} or
 * {@code NO_FIX_YET} into {@code REBOOT_PENDING}, and a missed deadline turns any verdict but the
 * kernel-only ones into {@code UNKNOWN}. So they are applied as overlays when class results are
 * joined to hosts: the hosts of a class are kept in slices by next boot kernel (one check per
 * slice and CVE, against that kernel's own base verdicts) and sorted by deadline in each (the
 * stale ones are a prefix, found by binary search).
 *
 * <p>The group is not in the key either: it decides nothing but the pin, which is already there,
 * with why the policy holds the host there ({@link HoldReason}: a pin, a staged or halted rollout).
 * It splits a slice into cohorts so that group filters and what-ifs cost cohorts, not hosts.
 */
public record PostureClass(Posture posture, int pinnedVersion, HoldReason heldBy) {

    /** The pin of a group without one. */
    public static final int NOT_PINNED = 0;

    public PostureClass {
        Objects.requireNonNull(posture, "posture");
        if (pinnedVersion < 0) {
            throw new IllegalArgumentException("Pinned live patch version for " + posture.kernel()
                    + " must be 0 (not pinned) or more, was " + pinnedVersion);
        }
        // one key for "not held", whatever a caller passes
        heldBy = heldBy == null || pinnedVersion == NOT_PINNED ? HoldReason.PIN : heldBy;
    }

    /** Held at {@code pinnedVersion} by a pin. */
    public PostureClass(Posture posture, int pinnedVersion) {
        this(posture, pinnedVersion, HoldReason.PIN);
    }

    /** Where a policy holds a host: the version, and why; {@link #NONE} when it does not. */
    public record Hold(int version, HoldReason reason) {
        public static final Hold NONE = new Hold(NOT_PINNED, HoldReason.PIN);

        public Hold {
            reason = reason == null || version == NOT_PINNED ? HoldReason.PIN : reason;
        }
    }

    public Hold hold() {
        return new Hold(pinnedVersion, heldBy);
    }

    public static PostureClass of(Posture posture) {
        return new PostureClass(posture, NOT_PINNED);
    }
}
