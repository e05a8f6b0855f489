package org.klp.kernel.apply;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** How an apply, disable or revert ended. Exactly one live patch is active (or none) afterwards, and each result says which. */
public sealed interface ApplyResult {

    /** The patch active afterwards (empty: none, the original kernel code runs). */
    Optional<String> activeAfter();

    /** The transition completed: {@code patch} is active (or, for a disable, no patch is). */
    record Completed(String patch, Optional<String> previous, Optional<String> activeAfter, Duration took,
                     List<String> unloadedModules, List<String> modulesHeldForever) implements ApplyResult {
    }

    /** The patch was already loaded and active; nothing changed. */
    record AlreadyActive(String patch) implements ApplyResult {
        @Override
        public Optional<String> activeAfter() {
            return Optional.of(patch);
        }
    }

    /** The deadline passed and the transition was reversed: the previous patch stays active. */
    record Reverted(String patch, Optional<String> activeAfter, Duration waited, List<BlockerView> blockers,
                    boolean moduleUnloaded) implements ApplyResult {
    }

    /**
     * The deadline passed and the transition was forced. Tasks that were blocked may still run old
     * code, and the modules of the patches the transition removed (the replaced ones; the patch
     * itself when unpatching) can never be unloaded: {@code modulesHeldForever}. Plan a reboot.
     */
    record Forced(String patch, Optional<String> activeAfter, Duration waited, List<BlockerView> blockers,
                  List<String> modulesHeldForever) implements ApplyResult {
    }

    /** The deadline passed and the transition was left running (--on-timeout=wait). */
    record StillInProgress(String patch, Optional<String> activeAfter, Duration waited, List<BlockerView> blockers) implements ApplyResult {
    }

    /** The kernel refused, or the reversal itself did not finish; {@code activeAfter} says what runs. */
    record Failed(String reason, String errno, Optional<String> activeAfter) implements ApplyResult {
    }
}
