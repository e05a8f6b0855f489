package org.klp.kernel.state;

import java.util.List;
import java.util.Optional;

/**
 * The livepatch state of a kernel at one moment: the patches under {@code /sys/kernel/livepatch}
 * in load order, the taint mask and the running kernel's release.
 */
public record LivepatchSnapshot(String kernelRelease, List<LoadedPatch> patches, Taint taint) {

    public LivepatchSnapshot {
        patches = List.copyOf(patches);
    }

    /** The patch in transition, if a transition is under way (the kernel runs one at a time). */
    public Optional<LoadedPatch> transitionPatch() {
        return patches.stream().filter(LoadedPatch::transition).findFirst();
    }

    public boolean inTransition() {
        return transitionPatch().isPresent();
    }

    /**
     * The patch whose code runs once the current transition settles: the newest enabled patch.
     * During an upgrade that is the new one; during a reversal or disable it is the patch the
     * kernel goes back to.
     */
    public Optional<LoadedPatch> active() {
        for (int i = patches.size() - 1; i >= 0; i--) {
            LoadedPatch p = patches.get(i);
            if (p.enabled()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Every patch whose code runs once the current transition settles, newest first: the active
     * patch, and below it the enabled patches it stacks on. A patch loaded with atomic replace ends
     * the list (it replaces everything below it); patches loaded without it, or on a kernel without
     * atomic replace, all stay active together.
     */
    public List<LoadedPatch> activePatches() {
        List<LoadedPatch> active = new java.util.ArrayList<>();
        for (int i = patches.size() - 1; i >= 0; i--) {
            LoadedPatch p = patches.get(i);
            if (!p.enabled()) {
                continue;
            }
            active.add(p);
            if (p.replace().orElse(false)) {
                break;
            }
        }
        return List.copyOf(active);
    }

    public Optional<LoadedPatch> patch(String name) {
        return patches.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
