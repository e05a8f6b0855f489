package org.klp.kernel.state;

import java.util.List;

/**
 * One task (thread) as {@code /proc/<pid>/task/<tid>} shows it. {@code patchState} is -1
 * outside a transition; during one, 1 or 0 is the patch state the task runs in (the target
 * when it has switched). {@code schedulerState} is the state letter of {@code stat}
 * ({@code R} running, {@code S} interruptible sleep, {@code D} uninterruptible sleep…; {@code ?}
 * when unknown). {@code stack} is empty unless it was asked for.
 */
public record TaskState(int pid, int tid, String comm, String cmdline, int patchState, boolean kernelThread,
                        char schedulerState, List<String> stack) {

    public static final int NO_TRANSITION = -1;
    public static final char UNKNOWN_STATE = '?';

    /** In an uninterruptible sleep (state D): no signal, the kernel's fake one included, ends it. */
    public boolean uninterruptible() {
        return schedulerState == 'D';
    }

    public TaskState {
        stack = List.copyOf(stack);
    }
}
