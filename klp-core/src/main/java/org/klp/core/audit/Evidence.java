package org.klp.core.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;

/**
 * Why a (host, CVE) pair has its verdict: which kernel, which live patch version, which package,
 * since when. One record per {@link Verdict}; {@link #verdict()} names it, {@link #explain()} says
 * it in a sentence an operator can act on. Values: two audits that agree produce equal evidence,
 * which is how the property test holds the fast audit to the naive one.
 *
 * <p>Live patch versions are cumulative: the <em>carrying version</em> is the first version for
 * the running kernel that carries the fix, so every later version carries it too. A loaded
 * version of 0 means no live patch is loaded.
 */
public sealed interface Evidence {

    Verdict verdict();

    /** The kernel release the host runs (or ran, when last seen). */
    KernelRelease kernel();

    String explain();

    record NotAffected(KernelRelease kernel) implements Evidence {
        public NotAffected {
            Objects.requireNonNull(kernel, "kernel");
        }

        @Override
        public Verdict verdict() {
            return Verdict.NOT_AFFECTED;
        }

        @Override
        public String explain() {
            return kernel + " is not affected";
        }
    }

    record PatchedByKernel(KernelRelease kernel, KernelRelease fixedIn) implements Evidence {
        public PatchedByKernel {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(fixedIn, "fixedIn");
        }

        @Override
        public Verdict verdict() {
            return Verdict.PATCHED_BY_KERNEL;
        }

        @Override
        public String explain() {
            return kernel + " contains the fix (first fixed in " + fixedIn + ")";
        }
    }

    record PatchedByLivePatch(KernelRelease kernel, int loadedVersion, int carryingVersion, String carryingPackage,
                              LocalDate publishedOn) implements Evidence {
        public PatchedByLivePatch {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(carryingPackage, "carryingPackage");
        }

        @Override
        public Verdict verdict() {
            return Verdict.PATCHED_BY_LIVE_PATCH;
        }

        @Override
        public String explain() {
            return "live patch version " + loadedVersion + " is loaded with its transition complete; the fix is carried since "
                    + carryingPackage + (publishedOn == null ? "" : ", published " + publishedOn);
        }
    }

    record LivePatchInProgress(KernelRelease kernel, int loadedVersion, int carryingVersion, String carryingPackage,
                               LocalDate publishedOn, Transition transition, boolean forced) implements Evidence {
        public LivePatchInProgress {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(carryingPackage, "carryingPackage");
            Objects.requireNonNull(transition, "transition");
        }

        @Override
        public Verdict verdict() {
            return Verdict.LIVE_PATCH_IN_PROGRESS;
        }

        @Override
        public String explain() {
            String state = transition == Transition.IN_PROGRESS
                    ? "its transition is not complete (see klp blocking)"
                    : "its transition was forced, so tasks that slept in old code may still run it";
            return "live patch version " + loadedVersion + " carrying the fix is loaded, but " + state;
        }
    }

    /**
     * A version for the running kernel carries the fix and is not loaded. {@link #heldBack()} says
     * whether the host's group policy keeps it away (the version it holds the host at is below the
     * carrying version: {@code heldBy} says why — a pin, the group's policy, a staged rollout not
     * promoted yet, a halted rollout) or it simply has not been applied yet.
     */
    record LivePatchAvailable(KernelRelease kernel, int loadedVersion, int carryingVersion, String carryingPackage,
                              LocalDate publishedOn, int pinnedVersion, HoldReason heldBy) implements Evidence {
        public LivePatchAvailable {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(carryingPackage, "carryingPackage");
            heldBy = heldBy == null || pinnedVersion == 0 ? HoldReason.PIN : heldBy;
        }

        /** Held at {@code pinnedVersion} by a pin (or not held, at 0). */
        public LivePatchAvailable(KernelRelease kernel, int loadedVersion, int carryingVersion, String carryingPackage, LocalDate publishedOn,
                                  int pinnedVersion) {
            this(kernel, loadedVersion, carryingVersion, carryingPackage, publishedOn, pinnedVersion, HoldReason.PIN);
        }

        @Override
        public Verdict verdict() {
            return Verdict.LIVE_PATCH_AVAILABLE;
        }

        /** The group's policy holds the host below the carrying version. */
        public boolean heldBack() {
            return pinnedVersion != 0 && pinnedVersion < carryingVersion;
        }

        /** Held back, and by a pin. */
        public boolean heldBackByPin() {
            return heldBack() && heldBy == HoldReason.PIN;
        }

        @Override
        public String explain() {
            String loaded = loadedVersion == 0 ? "no live patch is loaded" : "version " + loadedVersion + " is loaded";
            String why = heldBack() ? heldBy.explain(pinnedVersion) : "not applied yet";
            return carryingPackage + " carries the fix" + (publishedOn == null ? "" : " since " + publishedOn)
                    + "; " + loaded + ": " + why;
        }
    }

    record RebootPending(KernelRelease kernel, KernelRelease installed) implements Evidence {
        public RebootPending {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(installed, "installed");
        }

        @Override
        public Verdict verdict() {
            return Verdict.REBOOT_PENDING;
        }

        @Override
        public String explain() {
            return installed + " is installed and not affected; reboot from " + kernel + " into it";
        }
    }

    /**
     * Only a newer kernel of the running kernel's stream has the fix: {@code fixedIn} names it.
     * Either the kernel itself contains it ({@code carriedBy} null: the stream's first fixed
     * release), or no kernel of the stream does yet but a live patch for the newer kernel
     * {@code fixedIn} carries it ({@code carriedBy} names that package: reboot into the kernel and
     * apply it). {@code endOfSupport} is null for a kernel the catalog does not know.
     */
    record RebootRequired(KernelRelease kernel, KernelRelease fixedIn, String carriedBy, RebootReason reason, LocalDate endOfSupport)
            implements Evidence {
        public RebootRequired {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(fixedIn, "fixedIn");
            Objects.requireNonNull(reason, "reason");
        }

        /** The fix is in the kernel {@code fixedIn} and its successors. */
        public RebootRequired(KernelRelease kernel, KernelRelease fixedIn, RebootReason reason, LocalDate endOfSupport) {
            this(kernel, fixedIn, null, reason, endOfSupport);
        }

        @Override
        public Verdict verdict() {
            return Verdict.REBOOT_REQUIRED;
        }

        @Override
        public String explain() {
            String where = carriedBy == null ? "fixed in " + fixedIn + " and later"
                    : "no kernel of its stream contains the fix yet, but " + carriedBy + " carries it for the newer kernel " + fixedIn
                            + ": reboot into " + fixedIn + " and apply it";
            return where + "; no live patch for " + kernel + " helps: " + reason.description()
                    + (reason == RebootReason.KERNEL_PAST_END_OF_SUPPORT ? " (" + endOfSupport + ")" : "");
        }
    }

    record NoFixYet(KernelRelease kernel) implements Evidence {
        public NoFixYet {
            Objects.requireNonNull(kernel, "kernel");
        }

        @Override
        public Verdict verdict() {
            return Verdict.NO_FIX_YET;
        }

        @Override
        public String explain() {
            return kernel + " is affected, and neither a kernel of its stream nor a live patch for it or a newer kernel of its stream"
                    + " carries the fix yet";
        }
    }

    /** The host missed its check-in deadline; {@code lastKnown} is what its last check-in said. */
    record Unknown(KernelRelease kernel, Instant lastCheckIn, Instant deadline, Evidence lastKnown) implements Evidence {
        public Unknown {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(lastCheckIn, "lastCheckIn");
            Objects.requireNonNull(deadline, "deadline");
            Objects.requireNonNull(lastKnown, "lastKnown");
            if (lastKnown instanceof Unknown || lastKnown.verdict().kernelOnly()) {
                throw new IllegalArgumentException("An unknown verdict wraps a live patch or reboot verdict, not " + lastKnown.verdict());
            }
        }

        @Override
        public Verdict verdict() {
            return Verdict.UNKNOWN;
        }

        @Override
        public String explain() {
            return "last check-in " + lastCheckIn + ", due by " + deadline + "; last known: " + lastKnown.verdict()
                    + " (" + lastKnown.explain() + ")";
        }
    }
}
