package org.klp.kernel.sim;

import java.util.List;

/**
 * A task of the simulated kernel. {@code sleepingIn} is the function it sleeps in inside the
 * kernel (as {@code object:function}), or null while it runs in user space, where it can switch
 * patch state at any moment.
 */
final class SimTask {

    enum Kind { USER, KTHREAD }

    final int pid;
    final int tid;
    final Kind kind;
    String comm;
    String cmdline;
    String sleepingIn;
    /** Interruptible sleeps end on a (fake) signal; uninterruptible ones do not. */
    boolean interruptible = true;
    int patchState = -1;
    /** The live patch whose replacement of {@code sleepingIn} the task runs, or null for the original function. */
    String runningPatch;

    SimTask(int pid, int tid, Kind kind, String comm, String cmdline, String sleepingIn) {
        this.pid = pid;
        this.tid = tid;
        this.kind = kind;
        this.comm = comm;
        this.cmdline = cmdline;
        this.sleepingIn = sleepingIn;
    }

    String sleepingObject() {
        return sleepingIn == null ? null : sleepingIn.substring(0, sleepingIn.indexOf(':'));
    }

    String sleepingFunction() {
        return sleepingIn == null ? null : sleepingIn.substring(sleepingIn.indexOf(':') + 1);
    }

    /** What {@code /proc/<pid>/stack} shows: the function it sleeps in, then how it got there. */
    List<String> stack() {
        if (sleepingIn == null) {
            return List.of();
        }
        String object = sleepingObject();
        String top = runningPatch != null
                ? "livepatch_" + sleepingFunction() + "+0x149/0x158 [" + runningPatch + "]"
                : sleepingFunction() + "+0x142/0x160" + (object.equals("vmlinux") ? "" : " [" + object + "]");
        if (kind == Kind.KTHREAD) {
            return List.of(top, "kthread+0xda/0x100", "ret_from_fork+0x22/0x30");
        }
        return List.of(top, "proc_reg_read+0x56/0xa0", "vfs_read+0xa5/0x310", "ksys_read+0x6b/0xf0",
                "do_syscall_64+0x5d/0xb0", "entry_SYSCALL_64_after_hwframe+0x6e/0xd8");
    }
}
