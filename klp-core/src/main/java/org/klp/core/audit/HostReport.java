package org.klp.core.audit;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.klp.core.kernel.KernelRelease;

/**
 * One host: its posture class, next boot kernel (null when it boots the running one), check-in
 * times, and every CVE whose verdict is not {@link Verdict#NOT_AFFECTED}, worst first.
 */
public record HostReport(int hostId, int group, PostureClass postureClass, KernelRelease nextBootKernel,
                         Instant lastCheckIn, Instant deadline, boolean stale, List<Finding> findings) {

    public HostReport {
        Objects.requireNonNull(postureClass, "postureClass");
        findings = List.copyOf(findings);
    }

    /** The worst verdict of the host, {@link Verdict#NOT_AFFECTED} when nothing concerns it. */
    public Verdict worst() {
        return findings.isEmpty() ? Verdict.NOT_AFFECTED : findings.get(0).verdict();
    }
}
