package org.klp.kernel.sim;

/**
 * A module loaded into the simulated kernel. A live patch module is held (refcount 1) from load
 * until its patch is freed; after a forced transition the kernel never lets go of it.
 */
final class SimModule {

    final String name;
    final long size;
    final boolean livePatch;
    int refcount;
    boolean forced;

    SimModule(String name, long size, boolean livePatch) {
        this.name = name;
        this.size = size;
        this.livePatch = livePatch;
    }
}
