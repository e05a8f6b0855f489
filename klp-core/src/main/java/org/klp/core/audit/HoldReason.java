package org.klp.core.audit;

/**
 * Why a group's policy holds a host below the newest live patch version for its kernel: an
 * available live patch is then "held back" rather than "not applied yet", and the evidence says
 * which of these it is — a halted rollout is not a pin.
 */
public enum HoldReason {

    /** A pin of the host's group (or a fleet-wide one) for its kernel. */
    PIN,
    /** The group's policy holds the versions its hosts run ({@code pin} policy, no pin for the kernel). */
    GROUP_POLICY,
    /** The group is staged and a newer version is still with the canaries (or held: no canary runs the kernel). */
    STAGED_ROLLOUT,
    /** The rollout of a newer version is halted (for the staged group, or for the canaries it was halted on). */
    HALTED_ROLLOUT;

    /** Why a host is held at {@code version}, as the evidence says it. */
    public String explain(int version) {
        return switch (this) {
            case PIN -> "held back by the group's pin to version " + version;
            case GROUP_POLICY -> "held back at version " + version + ": the group's policy holds the versions its hosts run";
            case STAGED_ROLLOUT -> "held back at version " + version + ": a newer version is still with the canaries of the group's staged rollout";
            case HALTED_ROLLOUT -> "held back at version " + version + ": the rollout of a newer version is halted";
        };
    }
}
