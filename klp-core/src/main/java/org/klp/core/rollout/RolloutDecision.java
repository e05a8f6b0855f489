package org.klp.core.rollout;

import java.time.Instant;
import java.util.List;

/** What the rollout rule says of a rollout in the {@link RolloutState#CANARY} state now. */
public sealed interface RolloutDecision permits RolloutDecision.Halt, RolloutDecision.Promote, RolloutDecision.Hold, RolloutDecision.Wait {

    /** The reason to record with the rollout. */
    String reason();

    /** Stop it: a canary reported a halt signal. */
    record Halt(HaltSignal signal) implements RolloutDecision {
        @Override
        public String reason() {
            return signal.reason();
        }
    }

    /** Promote it: enough canaries settled on the version and soaked. */
    record Promote(List<CanaryReport> settled, String reason) implements RolloutDecision {
        public Promote {
            settled = List.copyOf(settled);
        }
    }

    /** It cannot move: no canary runs the kernel, so nothing can give evidence. */
    record Hold(String reason) implements RolloutDecision {
    }

    /** Not yet: canaries are still moving to the version, or soaking; {@code until} is the earliest promotion if known. */
    record Wait(String reason, Instant until) implements RolloutDecision {
    }
}
