package org.klp.kernel.state;

import java.util.List;

/**
 * One task (thread) as {@code /proc/<pid>/task/<tid>} shows it. {@code patchState} is -1
 * outside a transition; during one, 1 or 0 is the patch state the task runs in (the target
 * when it has switched). {@code stack} is empty unless it was asked for.
 */
public record TaskState(int pid, int tid, String comm, String cmdline, int patchState, boolean kernelThread,
                        List<String> stack) {

    public static final int NO_TRANSITION = -1;

    public TaskState {
        stack = List.copyOf(stack);
    }
}
