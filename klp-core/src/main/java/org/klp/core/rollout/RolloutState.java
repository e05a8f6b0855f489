package org.klp.core.rollout;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a staged rollout of one live patch version to one group stands, and where it may go.
 *
 * <pre>
 *   CANARY ──► PROMOTED            (settled canaries soaked; or an operator)
 *     │ ▲
 *     │ └──── HALTED ◄── CANARY   (a halt signal; or an operator)   HALTED ──► CANARY: an operator resumes it
 *     └─────► SUPERSEDED           (a newer version's rollout started before this one was promoted)
 * </pre>
 * {@link #PROMOTED} and {@link #SUPERSEDED} are final: a promoted version is the group's (a pin
 * takes it back), and a superseded one is never promoted without evidence of its own. A halt does
 * not take the version from canaries that run it.
 *
 * <p>{@link #toString()} is the word the API and the store use.
 */
public enum RolloutState {

    /** Only the canary group gets the version. */
    CANARY,
    /** The whole staged group gets it. */
    PROMOTED,
    /** Nobody new gets it; the rollout's reason says why. */
    HALTED,
    /** A newer version's rollout replaced it before it was promoted. */
    SUPERSEDED;

    /** Whether a rollout may move from this state to {@code next}. */
    public boolean canMoveTo(RolloutState next) {
        return next(this).contains(next);
    }

    /** {@code next}, or a precise refusal naming both states and what to do instead. */
    public RolloutState moveTo(RolloutState next) {
        if (!canMoveTo(next)) {
            throw new IllegalRolloutTransition(this, next);
        }
        return next;
    }

    private static Set<RolloutState> next(RolloutState s) {
        return switch (s) {
            case CANARY -> EnumSet.of(PROMOTED, HALTED, SUPERSEDED);
            case HALTED -> EnumSet.of(CANARY);
            case PROMOTED, SUPERSEDED -> EnumSet.noneOf(RolloutState.class);
        };
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static RolloutState parse(String word) {
        for (RolloutState s : values()) {
            if (s.word().equals(word)) {
                return s;
            }
        }
        throw new IllegalArgumentException("Not a rollout state: '" + word + "' (expected canary, promoted, halted or superseded)");
    }

    @Override
    public String toString() {
        return word();
    }

    /** A move the state machine does not allow. */
    public static final class IllegalRolloutTransition extends IllegalStateException {
        private final RolloutState from;
        private final RolloutState to;

        IllegalRolloutTransition(RolloutState from, RolloutState to) {
            super("a rollout that is " + from.word() + " cannot become " + to.word() + advice(from, to));
            this.from = from;
            this.to = to;
        }

        public RolloutState from() {
            return from;
        }

        public RolloutState to() {
            return to;
        }

        private static String advice(RolloutState from, RolloutState to) {
            if (from == HALTED && to == PROMOTED) {
                return "; resume it first (its canaries then test it again), or pin the group to the version";
            }
            if (from == PROMOTED) {
                return "; the group runs it already: pin the group to an older version to take it back";
            }
            if (from == SUPERSEDED) {
                return "; a newer version's rollout replaced it: promote that one";
            }
            return "";
        }
    }
}
