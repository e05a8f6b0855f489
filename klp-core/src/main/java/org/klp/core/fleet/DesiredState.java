package org.klp.core.fleet;

import java.util.List;
import java.util.Objects;
import org.klp.core.rollout.OnTimeout;

/**
 * What the server asks of a host after a check-in: which live patch version to run on its
 * kernel, how to move there (or what to do with a transition under way), whether kernel updates
 * are locked, where the packages are, and when to check in next.
 *
 * @param action                 see {@link DesiredAction}
 * @param targetVersion          the live patch version to run, 0 when {@code action} is {@link DesiredAction#UNAVAILABLE}
 * @param reason                 why, in words (policy, pin, rollout stage, a stuck transition and the group's on-timeout action)
 * @param transitionTimeoutSeconds the group's transition deadline
 * @param onTimeout              what the host does when a transition misses the deadline
 * @param kernelLock             the host must not install kernel updates (as {@code zypper addlock kernel-default}),
 *                               while live patch updates go on
 * @param repositories           the rpm-md repositories that hold the packages, by URL
 * @param checkinIntervalSeconds when the agent checks in next (the server's interval; sooner while a transition runs)
 */
public record DesiredState(String kernel, DesiredAction action, int targetVersion, String packageName, String reason,
                           long transitionTimeoutSeconds, OnTimeout onTimeout, boolean kernelLock, List<String> repositories,
                           long checkinIntervalSeconds) {

    public DesiredState {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(onTimeout, "onTimeout");
        repositories = List.copyOf(repositories == null ? List.of() : repositories);
        reason = reason == null ? "" : reason;
        if (transitionTimeoutSeconds < 0 || checkinIntervalSeconds < 0) {
            throw new IllegalArgumentException("transitionTimeoutSeconds and checkinIntervalSeconds must not be negative");
        }
    }
}
