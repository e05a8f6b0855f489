package org.klp.server.store;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The policy of a group of systems.
 *
 * <ul>
 * <li>{@code latest} (the default): the newest live patch of the host's kernel.</li>
 * <li>{@code pin}: only pinned versions move the group; a kernel without a pin holds the version
 *     its host runs (a frozen group).</li>
 * <li>{@code staged}: a new version goes first to {@code canaryGroup}; the group gets it once it
 *     is promoted, after {@code soak} without failures; a failure halts it.</li>
 * </ul>
 * A pin (of the group, or of every group) overrides the policy for its kernel under any policy.
 * {@code kernelLock} tells hosts not to install kernel updates while live patches go on;
 * {@code onTimeout} and {@code transitionTimeout} are what hosts do when a transition blocks.
 */
public record GroupPolicy(String name, String policy, String canaryGroup, Duration soak, boolean kernelLock,
                          String onTimeout, Duration transitionTimeout) {

    public static final String DEFAULT_GROUP = "default";
    public static final List<String> POLICIES = List.of("latest", "pin", "staged");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public GroupPolicy {
        requireName(name);
        if (!POLICIES.contains(policy)) {
            throw new IllegalArgumentException("Not a policy: '" + policy + "' (expected latest, pin or staged)");
        }
        if (policy.equals("staged")) {
            if (canaryGroup == null) {
                throw new IllegalArgumentException("A staged group needs a canaryGroup (the group that gets new versions first)");
            }
            requireName(canaryGroup);
            if (canaryGroup.equals(name)) {
                throw new IllegalArgumentException("Group " + name + " cannot be its own canary group");
            }
        } else if (canaryGroup != null) {
            throw new IllegalArgumentException("canaryGroup is only for the staged policy (group " + name + " has policy " + policy + ")");
        }
        soak = soak == null ? Duration.ofHours(24) : soak;
        transitionTimeout = transitionTimeout == null ? Duration.ofSeconds(60) : transitionTimeout;
        if (soak.isNegative() || transitionTimeout.isNegative() || transitionTimeout.isZero()) {
            throw new IllegalArgumentException("soak must not be negative and transitionTimeout must be positive");
        }
        onTimeout = onTimeout == null ? "revert" : onTimeout;
        if (!onTimeout.equals("revert") && !onTimeout.equals("force")) {
            throw new IllegalArgumentException("onTimeout must be revert or force, was '" + onTimeout + "'");
        }
    }

    public static GroupPolicy latest(String name) {
        return new GroupPolicy(name, "latest", null, null, false, "revert", null);
    }

    public static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a group name: '" + name + "' (expected lower-case letters, digits, '.', '_' or '-', at most 64)");
        }
    }
}
