package org.klp.kernel.apply;

import java.util.List;
import java.util.Optional;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.state.LoadedPatch;
import org.klp.kernel.state.TaskState;

/**
 * A task holding a transition back, explained: which patched function it sleeps in (read from its
 * stack), whether it is a kernel thread (which never switches by itself), and what to do.
 */
public record BlockerView(TaskState task, Optional<PatchedFunction> sleepsIn, String advice) {

    /** Explains one blocker of {@code transition}; {@code others} are the other loaded patches, whose functions a replacing patch also changes. */
    public static BlockerView explain(TaskState task, LoadedPatch transition, List<LoadedPatch> others) {
        Optional<PatchedFunction> in = Optional.empty();
        for (String frame : task.stack()) {
            in = match(frame, transition);
            for (int i = 0; in.isEmpty() && i < others.size(); i++) {
                in = match(frame, others.get(i));
            }
            if (in.isPresent()) {
                break;
            }
        }
        return new BlockerView(task, in, advise(task, in));
    }

    /**
     * The patched function a stack frame is in: the original ({@code klp_target_wait+0x142/0x160
     * [klp_target]}) or a live patch's replacement of it, which lives in the patch's module under
     * the name its author gave it ({@code livepatch_klp_target_wait+0x149/0x158 [klp_patch_v2]}).
     */
    private static Optional<PatchedFunction> match(String frame, LoadedPatch patch) {
        String symbol = symbolOf(frame);
        String module = moduleOf(frame);
        if (module.equals(patch.name())) {
            return patch.functions().stream().filter(f -> symbol.endsWith(f.name())).findFirst();
        }
        return patch.functions().stream()
                .filter(f -> f.name().equals(symbol))
                .filter(f -> f.object().equals("vmlinux") ? module.isEmpty() : f.object().equals(module))
                .findFirst();
    }

    /** {@code klp_target_wait+0x8c/0x110 [klp_target]} → {@code klp_target_wait}. */
    static String symbolOf(String frame) {
        String s = frame.strip();
        int plus = s.indexOf('+');
        int space = s.indexOf(' ');
        int end = plus >= 0 ? plus : space >= 0 ? space : s.length();
        return s.substring(0, end);
    }

    /** {@code klp_target_wait+0x8c/0x110 [klp_target]} → {@code klp_target}; empty for vmlinux. */
    static String moduleOf(String frame) {
        int open = frame.lastIndexOf('[');
        int close = frame.lastIndexOf(']');
        return open >= 0 && close > open ? frame.substring(open + 1, close).strip() : "";
    }

    private static String advise(TaskState t, Optional<PatchedFunction> in) {
        if (t.kernelThread()) {
            return "kernel thread: it never switches by itself while "
                    + in.map(f -> f.name() + " is on its stack").orElse("it sleeps in a patched function")
                    + "; reverse the transition (klp revert) or, as a last resort, force it (klp force) and plan a reboot";
        }
        if (t.uninterruptible()) {
            return "user task in an uninterruptible sleep (state D): no signal moves it, the kernel's fake one included; "
                    + "it switches once that sleep ends (usually I/O); if it stays, reverse (klp revert)";
        }
        return "user task: wait (the kernel sends it a fake signal after 15 s), or signal it yourself "
                + "(kill -STOP " + t.pid() + "; kill -CONT " + t.pid() + "); if it stays, reverse (klp revert)";
    }
}
