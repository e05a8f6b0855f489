package org.klp.core.boot;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Written and forced to disk before klp loads a live patch, removed once the patch has run
 * without trouble for {@link #STABLE_AFTER} or the system shut down cleanly. A marker still on disk
 * in a later boot means the kernel died while that patch was new: the patch is not loaded again.
 *
 * @param phase {@code apply} (a live apply), {@code boot} (klp restore at boot) or
 *              {@code early-boot} (the initramfs loaded it; klp marks it as soon as it can write)
 * @param bootId the kernel's boot id when the patch was loaded
 */
public record LoadingMarker(String patch, String kernel, String module, String phase, String bootId, Instant since) {

    /** How long a new patch must run before klp trusts it again at boot. */
    public static final Duration STABLE_AFTER = Duration.ofMinutes(2);

    public LoadingMarker {
        Objects.requireNonNull(patch, "patch");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(bootId, "bootId");
        Objects.requireNonNull(since, "since");
    }

    /**
     * Whether the boot that wrote this marker ended without removing it: the running kernel has
     * another boot id. Without a boot id to compare, nothing can be concluded.
     */
    public boolean leftByACrash(Optional<String> currentBoot) {
        return currentBoot.isPresent() && !bootId.isEmpty() && !bootId.equals(currentBoot.get());
    }

    /** Whether the patch has run long enough in this boot to be trusted. */
    public boolean stableAt(Instant now, Optional<String> currentBoot) {
        return !leftByACrash(currentBoot) && !now.isBefore(since.plus(STABLE_AFTER));
    }

    /** The crash this marker shows, as found in boot {@code foundInBoot} at {@code now}. */
    public CrashedPatch asCrash(Instant now) {
        String when = switch (phase) {
            case "apply" -> "after it was applied live at " + since;
            case "early-boot" -> "after the initramfs loaded it at boot (" + since + ")";
            default -> "after it was loaded at boot (" + since + ")";
        };
        return new CrashedPatch(patch, kernel, phase, since, now,
                "the kernel stopped (crash or power loss) " + when + ", before it had run " + STABLE_AFTER.toMinutes()
                        + " minutes; not loaded again at boot");
    }
}
