package org.klp.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.klp.core.kernel.KernelRelease;

/**
 * Everything the audit needs of one host, as its latest check-in and its group's policy give it.
 *
 * <ul>
 *   <li>{@code hostId}: the server's id of the system, 0 or more. The audit indexes arrays by it,
 *       so ids should be dense (a database sequence is).</li>
 *   <li>{@code group}: the server's id of the host's group, the unit of policy; filters and
 *       what-ifs select hosts by it. A server that also filters by product may number
 *       (group, product) pairs instead.</li>
 *   <li>{@code pinnedVersion}: the live patch version the group is pinned to for the host's
 *       running kernel, 0 when not pinned, and {@code heldBy} why (a pin, the group's policy, a
 *       staged or a halted rollout). The server resolves the group's policy to these.</li>
 *   <li>{@code installedKernels}: the kernels installed on disk, the running one included or not.</li>
 *   <li>{@code lastCheckIn} and {@code checkInInterval}: the host is stale, and its live patch
 *       verdicts {@link Verdict#UNKNOWN}, once {@code now} is after their sum.</li>
 * </ul>
 */
public record HostFacts(int hostId, int group, Posture posture, int pinnedVersion, HoldReason heldBy,
                        List<KernelRelease> installedKernels, Instant lastCheckIn, Duration checkInInterval) {

    /** A host held at {@code pinnedVersion} by a pin (or not held, at 0). */
    public HostFacts(int hostId, int group, Posture posture, int pinnedVersion, List<KernelRelease> installedKernels, Instant lastCheckIn,
                     Duration checkInInterval) {
        this(hostId, group, posture, pinnedVersion, HoldReason.PIN, installedKernels, lastCheckIn, checkInInterval);
    }

    public HostFacts {
        heldBy = heldBy == null || pinnedVersion == 0 ? HoldReason.PIN : heldBy;
        if (hostId < 0) {
            throw new IllegalArgumentException("Host id must be 0 or more, was " + hostId);
        }
        Objects.requireNonNull(posture, () -> "posture of host " + hostId);
        if (pinnedVersion < 0) {
            throw new IllegalArgumentException("Pinned version of host " + hostId + " must be 0 (not pinned) or more, was " + pinnedVersion);
        }
        installedKernels = List.copyOf(installedKernels == null ? List.of() : installedKernels);
        Objects.requireNonNull(lastCheckIn, () -> "last check-in of host " + hostId);
        Objects.requireNonNull(checkInInterval, () -> "check-in interval of host " + hostId);
        if (checkInInterval.isNegative() || checkInInterval.isZero()) {
            throw new IllegalArgumentException("Check-in interval of host " + hostId + " must be positive, was " + checkInInterval);
        }
    }

    public PostureClass postureClass() {
        return new PostureClass(posture, pinnedVersion, heldBy);
    }

    /**
     * The kernel the host boots into next, when it differs from the running one: the newest
     * installed kernel of the running kernel's flavor, if newer than the running kernel (a boot
     * loader's default entry). Older kernels kept for fallback do not count: rebooting is not
     * going to land in them.
     */
    public Optional<KernelRelease> nextBootKernel() {
        KernelRelease running = posture.kernel();
        KernelRelease newest = running;
        for (KernelRelease k : installedKernels) {
            if (k.flavor().equals(running.flavor()) && k.compareTo(newest) > 0) {
                newest = k;
            }
        }
        return newest == running ? Optional.empty() : Optional.of(newest);
    }

    /** The instant after which the host is stale. */
    public Instant deadline() {
        return lastCheckIn.plus(checkInInterval);
    }

    public boolean staleAt(Instant now) {
        return now.isAfter(deadline());
    }
}
