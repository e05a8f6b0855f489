package org.klp.core.audit;

/** The state of the loaded live patch's transition, as {@code /sys/kernel/livepatch/<patch>/transition} shows it. */
public enum Transition {
    /** Every task runs the patched code. */
    COMPLETE,
    /** Some tasks still run the old code: the patch is loaded but not yet in force everywhere. */
    IN_PROGRESS
}
