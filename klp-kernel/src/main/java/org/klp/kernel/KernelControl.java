package org.klp.kernel;

import java.nio.file.Path;

/**
 * The operations that change a kernel's live patches, as a real kernel offers them: load a module
 * ({@code insmod}), write {@code enabled} and {@code force}, remove a module ({@code rmmod}).
 * Each either succeeds or throws {@link KernelOperationException} with the kernel's errno; none
 * waits for a transition (see {@code LivePatchApplier}).
 */
public interface KernelControl {

    /** Loads a module file; for a live patch this starts its transition. */
    void load(Path module);

    /** Writes {@code enabled}: 0 disables a patch, or reverses the transition in progress. */
    void setEnabled(String patch, boolean enabled);

    /** Writes 1 to {@code force}: every task is switched at once. Only during that patch's transition. */
    void force(String patch);

    /** Removes a module that nothing holds any more. */
    void unload(String module);

    /**
     * Lets time pass for the kernel: a real one runs by itself; the simulated one advances its
     * transition to the present. Readers call it before they read.
     */
    default void settle() {
    }
}
