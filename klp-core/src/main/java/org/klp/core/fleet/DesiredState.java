package org.klp.core.fleet;

import java.util.List;
import java.util.Objects;

/**
 * What the server asks of a host after a check-in: which live patch version to run on its
 * kernel, how to move there, whether kernel updates are locked, and where the packages are.
 *
 * @param action        {@link #NONE}, {@link #UPDATE}, {@link #DOWNGRADE} or {@link #UNAVAILABLE}
 *                      (no live patch for this kernel: not in the catalog, or past its end of support)
 * @param targetVersion the live patch version to run, 0 when {@code action} is {@link #UNAVAILABLE}
 * @param reason        why this version, in words (policy, pin, rollout stage)
 * @param onTimeout     what the host does when the transition misses its deadline: {@code revert} or {@code force}
 * @param kernelLock    the host must not install kernel updates (as {@code zypper addlock kernel-default}),
 *                      while live patch updates go on
 * @param repositories  the rpm-md repositories that hold the packages, by URL
 */
public record DesiredState(String kernel, String action, int targetVersion, String packageName, String reason,
                           long transitionTimeoutSeconds, String onTimeout, boolean kernelLock, List<String> repositories,
                           long checkinIntervalSeconds) {

    public static final String NONE = "none";
    public static final String UPDATE = "update";
    public static final String DOWNGRADE = "downgrade";
    public static final String UNAVAILABLE = "unavailable";

    public DesiredState {
        Objects.requireNonNull(kernel, "kernel");
        if (!List.of(NONE, UPDATE, DOWNGRADE, UNAVAILABLE).contains(action)) {
            throw new IllegalArgumentException("Not a desired action: '" + action + "'");
        }
        if (!"revert".equals(onTimeout) && !"force".equals(onTimeout)) {
            throw new IllegalArgumentException("onTimeout must be revert or force, was '" + onTimeout + "'");
        }
        repositories = List.copyOf(repositories == null ? List.of() : repositories);
        reason = reason == null ? "" : reason;
    }

    /** The action that moves a host from {@code loadedVersion} to {@code target}. */
    public static String actionFor(int loadedVersion, int target) {
        if (target == loadedVersion) {
            return NONE;
        }
        return target > loadedVersion ? UPDATE : DOWNGRADE;
    }
}
