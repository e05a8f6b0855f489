package org.klp.core.rollout;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The policy of a group of systems: how it moves to new live patch versions ({@link UpdatePolicy}),
 * whether its hosts may install kernel updates ({@code kernelLock}: they may not, as
 * {@code zypper addlock kernel-default} says), and what its hosts do with a transition that misses
 * {@code transitionTimeout} ({@link OnTimeout}).
 *
 * <p>Every value has a range, so whatever the store holds, every host can act on it: a transition
 * deadline from 1 s to a day, a soak time up to 90 days, group names a path or a URL can carry.
 */
public record GroupPolicy(String name, UpdatePolicy update, boolean kernelLock, OnTimeout onTimeout, Duration transitionTimeout) {

    public static final String DEFAULT_GROUP = "default";
    public static final Duration DEFAULT_TRANSITION_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration MAX_TRANSITION_TIMEOUT = Duration.ofDays(1);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    public GroupPolicy {
        requireName(name);
        Objects.requireNonNull(update, "update");
        onTimeout = onTimeout == null ? OnTimeout.REVERT : onTimeout;
        transitionTimeout = transitionTimeout == null ? DEFAULT_TRANSITION_TIMEOUT : transitionTimeout;
        if (transitionTimeout.compareTo(Duration.ofSeconds(1)) < 0 || transitionTimeout.compareTo(MAX_TRANSITION_TIMEOUT) > 0) {
            throw new IllegalArgumentException("transitionTimeout must be from 1 to " + MAX_TRANSITION_TIMEOUT.toSeconds() + " seconds, was "
                    + transitionTimeout.toSeconds());
        }
        if (update instanceof UpdatePolicy.Staged s && s.canaryGroup().equals(name)) {
            throw new IllegalArgumentException("Group " + name + " cannot be its own canary group");
        }
    }

    /** A group without a policy of its own: the newest version, no kernel lock, revert after 60 s. */
    public static GroupPolicy latest(String name) {
        return new GroupPolicy(name, new UpdatePolicy.Latest(), false, OnTimeout.REVERT, DEFAULT_TRANSITION_TIMEOUT);
    }

    /**
     * A policy from the words operators write ({@code latest}, {@code pin}, {@code staged}); null
     * values take their defaults. A canary group, soak time or canary count belongs to
     * {@code staged} only.
     */
    public static GroupPolicy of(String name, String policy, String canaryGroup, Duration soak, Integer minCanaries, boolean kernelLock,
                                 String onTimeout, Duration transitionTimeout) {
        String word = policy == null ? "latest" : policy;
        UpdatePolicy update = switch (word) {
            case "latest" -> new UpdatePolicy.Latest();
            case "pin" -> new UpdatePolicy.Pinned();
            case "staged" -> {
                if (canaryGroup == null) {
                    throw new IllegalArgumentException("A staged group needs a canaryGroup (the group that gets new versions first)");
                }
                yield new UpdatePolicy.Staged(canaryGroup, soak == null ? UpdatePolicy.DEFAULT_SOAK : soak, minCanaries == null ? 1 : minCanaries);
            }
            default -> throw new IllegalArgumentException("Not a policy: '" + policy + "' (expected latest, pin or staged)");
        };
        if (!(update instanceof UpdatePolicy.Staged) && (canaryGroup != null || soak != null || minCanaries != null)) {
            throw new IllegalArgumentException("canaryGroup, soakSeconds and minCanaries are only for the staged policy (group " + name
                    + " has policy " + word + ")");
        }
        return new GroupPolicy(name, update, kernelLock, onTimeout == null ? null : OnTimeout.parse(onTimeout), transitionTimeout);
    }

    /** The staged part of the policy, or null when the group is not staged. */
    public UpdatePolicy.Staged staged() {
        return update instanceof UpdatePolicy.Staged s ? s : null;
    }

    /** The canary group when staged, else null. */
    public String canaryGroup() {
        UpdatePolicy.Staged s = staged();
        return s == null ? null : s.canaryGroup();
    }

    public static void requireName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a group name: '" + name + "' (expected lower-case letters, digits, '.', '_' or '-', at most 64)");
        }
    }
}
