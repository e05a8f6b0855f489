package org.klp.core.boot;

import java.util.Optional;

/** What a boot does about live patches for the kernel that booted. */
public sealed interface BootDecision {

    /** Load {@code candidate}; {@code why} says how it was picked. */
    record Load(BootCandidate candidate, String why) implements BootDecision {
    }

    /** The picked patch is already loaded (the initramfs loaded it). */
    record AlreadyLoaded(BootCandidate candidate, String why) implements BootDecision {
    }

    /** Something should have been loaded and is not, on purpose: {@code patch} names it when one was picked. */
    record Skipped(Optional<String> patch, String reason) implements BootDecision {
    }

    /** Nothing to load: no choice and no installed live patch for this kernel. */
    record NothingToLoad(String reason) implements BootDecision {
    }
}
