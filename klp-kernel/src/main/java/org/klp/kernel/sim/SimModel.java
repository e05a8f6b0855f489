package org.klp.kernel.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.KernelOperationException;
import org.klp.kernel.state.Taint;

/**
 * The simulated kernel's livepatch core: the same consistency model as
 * {@code kernel/livepatch/transition.c}, on a model instead of real tasks.
 *
 * <ul>
 *   <li>A transition moves every task to the target state (1 patched, 0 unpatched). A task may
 *       switch when none of the functions the transition changes is on its stack: at once while
 *       it runs in user space, or when the kernel checks its stack while it sleeps elsewhere.</li>
 *   <li>A task sleeping in a changed function blocks. After {@value #SIGNAL_AFTER_MILLIS} ms the
 *       kernel sends blockers a fake signal: user tasks in an interruptible sleep return to user
 *       space and switch; kernel threads have no such switch point and block until forced.</li>
 *   <li>Writing 0 to {@code enabled} during a transition reverses it; forcing switches every task
 *       at once and marks every registered patch forced, so its module can never be removed.</li>
 *   <li>A patch with {@code replace} frees every older patch when its transition completes
 *       (atomic replace); their modules stay loaded until removed.</li>
 *   <li>A replacing patch must carry every system state of the loaded patches at an equal or
 *       higher version, or the kernel refuses it (the system-state API's downgrade refusal).</li>
 * </ul>
 */
final class SimModel {

    static final long SIGNAL_AFTER_MILLIS = 15_000;

    String release;
    boolean manualClock;
    /** The simulated time for a manual clock; the offset added to the wall clock otherwise. */
    long clockMillis;
    long taint;
    int nextPid;
    final List<SimModule> modules = new ArrayList<>();
    final List<SimPatch> patches = new ArrayList<>();
    SimTransition transition;
    List<SimTask> tasks;
    final Set<Integer> dirtyTasks = new HashSet<>();
    /** Tasks whose every file must be written, not only their patch state and stack. */
    final Set<Integer> newTasks = new HashSet<>();

    Optional<SimModule> module(String name) {
        return modules.stream().filter(m -> m.name.equals(name)).findFirst();
    }

    Optional<SimPatch> patch(String name) {
        return patches.stream().filter(p -> p.name.equals(name)).findFirst();
    }

    SimTask task(int pid) {
        return tasks.stream().filter(t -> t.tid == pid).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No task with pid " + pid + " on this simulated host"));
    }

    void loadOrdinaryModule(String name, long size) {
        if (module(name).isPresent()) {
            throw new KernelOperationException("EEXIST", "Cannot load " + name + ": File exists (module already loaded)");
        }
        modules.add(new SimModule(name, size, false));
        taint |= Taint.OUT_OF_TREE | Taint.UNSIGNED;
    }

    void loadLivePatch(String name, long size, boolean replace, List<PatchedFunction> functions, List<SimPatch.State> states, long now) {
        if (module(name).isPresent()) {
            throw new KernelOperationException("EEXIST", "Cannot load " + name + ": File exists (module already loaded)");
        }
        if (transition != null) {
            throw new KernelOperationException("EBUSY", "Cannot load " + name + ": Device or resource busy (transition of "
                    + transition.patch + " still in progress)");
        }
        if (replace) {
            for (SimPatch old : patches) {
                for (SimPatch.State s : old.states) {
                    boolean kept = states.stream().anyMatch(n -> n.id() == s.id() && n.version() >= s.version());
                    if (!kept) {
                        throw new KernelOperationException("EINVAL", "Cannot load " + name + ": Invalid parameters (livepatch: Livepatch patch ("
                                + name + ") is not compatible with the already installed livepatches: it lowers or drops system state "
                                + s.id() + " version " + s.version() + " of " + old.name + ")");
                    }
                }
            }
        }
        SimModule module = new SimModule(name, size, true);
        module.refcount = 1;
        modules.add(module);
        patches.add(new SimPatch(name, replace, functions, states));
        taint |= Taint.OUT_OF_TREE | Taint.UNSIGNED | Taint.LIVEPATCH;
        transition = new SimTransition(name, 1, now);
        for (SimTask t : tasks) {
            setState(t, 0);
        }
        advance(now);
    }

    void setEnabled(String name, boolean enabled, long now) {
        SimPatch p = patch(name).orElseThrow(() -> new KernelOperationException("ENOENT", "No live patch " + name));
        if (p.enabled == enabled) {
            throw new KernelOperationException("EINVAL", "Writing " + (enabled ? 1 : 0) + " to " + name + "/enabled failed: Invalid argument (already "
                    + (enabled ? "enabled" : "disabled") + ")");
        }
        if (transition != null) {
            if (!transition.patch.equals(name)) {
                throw new KernelOperationException("EBUSY", "Writing to " + name + "/enabled failed: Device or resource busy (transition of "
                        + transition.patch + " in progress)");
            }
            p.enabled = enabled;
            transition.target = 1 - transition.target;
            transition.signalBaseMillis = now;
            transition.signalsSent = false;
        } else {
            p.enabled = false;
            transition = new SimTransition(name, 0, now);
            for (SimTask t : tasks) {
                setState(t, 1);
            }
        }
        advance(now);
    }

    void force(String name, long now) {
        if (transition == null || !transition.patch.equals(name)) {
            throw new KernelOperationException("EINVAL", "Writing 1 to " + name + "/force failed: Invalid argument (no transition of "
                    + name + " in progress)");
        }
        for (SimTask t : tasks) {
            setState(t, transition.target);
        }
        // as klp_force_transition(): the patches being removed are marked forced; their code may
        // still run in tasks that never switched, so their modules are never released
        SimPatch p = patch(name).orElseThrow();
        if (transition.target == 0) {
            module(p.name).ifPresent(m -> m.forced = true);
        } else if (p.replace) {
            for (SimPatch old : patches) {
                if (old != p) {
                    module(old.name).ifPresent(m -> m.forced = true);
                }
            }
        }
        advance(now);
    }

    void unload(String name) {
        SimModule m = module(name).orElseThrow(() -> new KernelOperationException("ENOENT",
                "Cannot unload " + name + ": Module " + name + " is not currently loaded"));
        if (m.refcount > 0 || patch(name).isPresent()) {
            throw new KernelOperationException("EAGAIN", "Cannot unload " + name + ": Module " + name + " is in use"
                    + (m.forced ? " (its patch was replaced by a forced transition; the kernel never releases it: reboot to remove it)" : ""));
        }
        modules.remove(m);
    }

    /** Runs the transition forward to {@code now}: switches tasks, sends signals, completes. */
    void advance(long now) {
        if (transition == null) {
            return;
        }
        SimPatch p = patch(transition.patch).orElseThrow();
        boolean signal = now - transition.signalBaseMillis >= SIGNAL_AFTER_MILLIS;
        if (signal) {
            transition.signalsSent = true;
        }
        boolean done = true;
        for (SimTask t : tasks) {
            if (t.patchState == transition.target) {
                continue;
            }
            if (!blocks(t, p)) {
                setState(t, transition.target);
            } else if (signal && t.kind == SimTask.Kind.USER && t.interruptible) {
                // the fake signal ends its sleep; the restarted call sleeps again, in the new code
                setState(t, transition.target);
                t.runningPatch = versionAfter(p, t.sleepingIn);
                newTasks.add(t.tid);
            } else {
                done = false;
            }
        }
        if (done) {
            complete();
        }
    }

    /**
     * Whether a task holds the transition back, as {@code klp_check_stack()} decides: it sleeps in
     * a function the transition changes, in the very version of it the transition leaves (the
     * previous patch's replacement or the original when patching; the patch's own when unpatching).
     * A task running another version of that function (say, the original, left running by a
     * forced transition) does not block.
     */
    private boolean blocks(SimTask t, SimPatch p) {
        if (t.sleepingIn == null || !changes(p, t.sleepingIn)) {
            return false;
        }
        String leaving = transition.target == 1 ? versionWithout(p, t.sleepingIn) : (patches(p, t.sleepingIn) ? p.name : null);
        return java.util.Objects.equals(t.runningPatch, leaving);
    }

    /** The functions a transition of {@code p} changes: its own, and with replace those of every other patch (as nops). */
    private boolean changes(SimPatch p, String function) {
        return patches(p, function) || p.replace && patches.stream().anyMatch(o -> o != p && patches(o, function));
    }

    private static boolean patches(SimPatch p, String function) {
        return p.functions.stream().anyMatch(f -> (f.object() + ":" + f.name()).equals(function));
    }

    /** Which version of {@code function} runs without {@code p}: the newest other enabled patch of it, or the original (null). */
    private String versionWithout(SimPatch p, String function) {
        return patches.stream().filter(o -> o != p && o.enabled && patches(o, function)).map(o -> o.name)
                .reduce((a, b) -> b).orElse(null);
    }

    /** Which version a task entering {@code function} runs once it has switched to the transition's target. */
    private String versionAfter(SimPatch p, String function) {
        if (transition.target == 1) {
            return patches(p, function) ? p.name : null;
        }
        return versionWithout(p, function);
    }

    private void complete() {
        SimPatch p = patch(transition.patch).orElseThrow();
        if (transition.target == 1) {
            if (p.replace) {
                for (SimPatch old : List.copyOf(patches)) {
                    if (old != p) {
                        free(old);
                    }
                }
            }
        } else {
            free(p);
        }
        transition = null;
        for (SimTask t : tasks) {
            setState(t, -1);
        }
    }

    private void free(SimPatch p) {
        patches.remove(p);
        module(p.name).ifPresent(m -> {
            if (!m.forced) {
                m.refcount = 0;
            }
        });
    }

    void setState(SimTask t, int state) {
        if (t.patchState != state) {
            t.patchState = state;
            dirtyTasks.add(t.tid);
        }
    }

    /** The live patch whose version of {@code object:function} a task entering it now runs: the newest enabled patch of it. */
    String patchRunning(String sleepingIn) {
        return patches.stream().filter(p -> p.enabled)
                .filter(p -> p.functions.stream().anyMatch(f -> (f.object() + ":" + f.name()).equals(sleepingIn)))
                .map(p -> p.name).reduce((a, b) -> b).orElse(null);
    }

    /** A new task starts in the state of the transition under way, as a fork inherits its parent's. */
    int initialPatchState() {
        return transition == null ? -1 : 1 - transition.target;
    }
}
