package org.klp.core.rollout;

import java.time.Duration;
import java.util.Objects;

/**
 * How a group's hosts move to new live patch versions: a closed set.
 *
 * <ul>
 *   <li>{@link Latest}: the newest version of the running kernel's live patch.</li>
 *   <li>{@link Pinned}: only pins move the group; a kernel without a pin holds the version its
 *       hosts run (a frozen group).</li>
 *   <li>{@link Staged}: a new version goes to the canary group first and reaches this group once
 *       its rollout is promoted (see {@link RolloutRule}).</li>
 * </ul>
 * A pin (of the group, or fleet-wide) overrides any of them for its kernel.
 */
public sealed interface UpdatePolicy permits UpdatePolicy.Latest, UpdatePolicy.Pinned, UpdatePolicy.Staged {

    /** The soak time when a staged group names none: a day of canaries running the version. */
    Duration DEFAULT_SOAK = Duration.ofHours(24);
    /** The longest soak time accepted: 90 days. */
    Duration MAX_SOAK = Duration.ofDays(90);
    /** The most canaries a promotion may ask for. */
    int MAX_CANARIES = 10_000;

    /** The policy's name as operators write it: {@code latest}, {@code pin} or {@code staged}. */
    String word();

    record Latest() implements UpdatePolicy {
        @Override
        public String word() {
            return "latest";
        }
    }

    record Pinned() implements UpdatePolicy {
        @Override
        public String word() {
            return "pin";
        }
    }

    /**
     * @param canaryGroup the group that gets new versions first
     * @param soak        how long each counted canary must have run the version, settled, before a promotion
     * @param minCanaries how many canaries on the kernel must have settled on the version (at least 1)
     */
    record Staged(String canaryGroup, Duration soak, int minCanaries) implements UpdatePolicy {
        public Staged {
            GroupPolicy.requireName(canaryGroup);
            Objects.requireNonNull(soak, "soak");
            if (soak.isNegative() || soak.compareTo(MAX_SOAK) > 0) {
                throw new IllegalArgumentException("soak must be from 0 to " + MAX_SOAK.toSeconds() + " seconds, was " + soak.toSeconds());
            }
            if (minCanaries < 1 || minCanaries > MAX_CANARIES) {
                throw new IllegalArgumentException("minCanaries must be from 1 to " + MAX_CANARIES + ", was " + minCanaries);
            }
        }

        @Override
        public String word() {
            return "staged";
        }
    }
}
