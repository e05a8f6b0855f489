package org.klp.core.rollout;

import java.time.Duration;

/**
 * Why a rollout must stop: evidence from one canary that the version hurts, one kind per record.
 * {@link #reason()} is what the rollout's history and the operator read.
 */
public sealed interface HaltSignal permits HaltSignal.FailedApply, HaltSignal.StuckTransition, HaltSignal.NewTaint,
        HaltSignal.ForcedTransition {

    CanaryReport canary();

    int version();

    String reason();

    /** An apply of the version failed or was reversed. */
    record FailedApply(CanaryReport canary, int version, String result, String message) implements HaltSignal {
        @Override
        public String reason() {
            return "canary " + canary.label() + " reported a " + result + " apply of version " + version
                    + (message == null || message.isBlank() ? "" : ": " + message);
        }
    }

    /** The transition to the version passed the deadline, whatever the group's on-timeout action did next. */
    record StuckTransition(CanaryReport canary, int version, Duration stuckFor, Duration deadline) implements HaltSignal {
        @Override
        public String reason() {
            return "canary " + canary.label() + " has a transition to version " + version + " stuck for " + stuckFor.toSeconds()
                    + " s, past the deadline of " + deadline.toSeconds() + " s";
        }
    }

    /** Taint flags that no live patch sets appeared while the version ran. */
    record NewTaint(CanaryReport canary, int version, String detail) implements HaltSignal {
        @Override
        public String reason() {
            return "canary " + canary.label() + " reported new taint " + detail + " while running version " + version;
        }
    }

    /** The transition to the version was forced: its blocked tasks may still run old code. */
    record ForcedTransition(CanaryReport canary, int version, String detail) implements HaltSignal {
        @Override
        public String reason() {
            return "canary " + canary.label() + " had its transition to version " + version + " forced"
                    + (detail == null || detail.isBlank() ? "" : " (" + detail + ")") + ": a forced transition is no evidence that the version is safe";
        }
    }
}
