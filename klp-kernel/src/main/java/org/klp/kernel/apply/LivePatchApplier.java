package org.klp.kernel.apply;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.klp.kernel.KernelControl;
import org.klp.kernel.KernelOperationException;
import org.klp.kernel.LivepatchReader;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedModule;
import org.klp.kernel.state.LoadedPatch;

/**
 * Applies, disables and reverses live patches safely, whatever kernel is behind the
 * {@link KernelControl}: one transition at a time, a deadline on each, and on the deadline the
 * chosen action (wait, revert, force). A failed or reverted apply leaves the previous patch active.
 *
 * <p>States of one apply: loading → in transition → ready; or in transition → reverting → the
 * previous patch; or in transition → forced → ready with a reboot to plan. Every step is reported
 * to a listener so the caller can journal it before the next one.
 */
public final class LivePatchApplier {

    private static final Duration FIRST_POLL = Duration.ofMillis(5);
    private static final Duration MAX_POLL = Duration.ofMillis(100);

    private final LivepatchReader reader;
    private final KernelControl kernel;
    private final Waiting waiting;

    public LivePatchApplier(LivepatchReader reader, KernelControl kernel, Waiting waiting) {
        this.reader = reader;
        this.kernel = kernel;
        this.waiting = waiting;
    }

    /**
     * Loads the live patch module {@code moduleFile} named {@code patch} and waits up to
     * {@code timeout} for its transition.
     */
    public ApplyResult apply(Path moduleFile, String patch, Duration timeout, OnTimeout onTimeout, Consumer<String> progress) {
        kernel.settle();
        LivepatchSnapshot before = reader.snapshot();
        Optional<String> previous = before.active().map(LoadedPatch::name);
        Optional<LoadedPatch> busy = before.transitionPatch();
        if (busy.isPresent()) {
            return new ApplyResult.Failed("A transition of " + busy.get().name() + " is still in progress; wait for it (klp status), "
                    + "reverse it (klp revert) or see what blocks it (klp blocking -v)", "EBUSY", previous);
        }
        Optional<LoadedPatch> existing = before.patch(patch);
        if (existing.isPresent() && existing.get().enabled()) {
            return new ApplyResult.AlreadyActive(patch);
        }
        Optional<LoadedModule> stale = reader.module(patch);
        if (stale.isPresent()) {
            progress.accept("removing the earlier copy of module " + patch + " (replaced or disabled before)");
            try {
                kernel.unload(patch);
            } catch (KernelOperationException e) {
                return new ApplyResult.Failed("Module " + patch + " is still loaded from an earlier transition and cannot be removed ("
                        + e.getMessage() + "); it cannot be loaded again until a reboot", e.errno(), previous);
            }
        }
        Instant start = waiting.now();
        progress.accept("loading " + moduleFile.getFileName());
        try {
            kernel.load(moduleFile);
        } catch (KernelOperationException e) {
            return new ApplyResult.Failed(e.getMessage(), e.errno(), previous);
        }
        progress.accept("transition of " + patch + " started");
        if (awaitTransitionEnd(patch, start.plus(timeout))) {
            return completed(patch, previous, start, before);
        }
        return onDeadline(patch, previous, start, timeout, onTimeout, progress, before);
    }

    /** Disables the active patch: the kernel's original code runs again once the transition completes. */
    public ApplyResult disable(String patch, Duration timeout, OnTimeout onTimeout, Consumer<String> progress) {
        kernel.settle();
        LivepatchSnapshot before = reader.snapshot();
        Optional<LoadedPatch> busy = before.transitionPatch();
        Optional<String> active = before.active().map(LoadedPatch::name);
        if (busy.isPresent()) {
            return new ApplyResult.Failed("A transition of " + busy.get().name() + " is in progress; reverse it (klp revert) or wait",
                    "EBUSY", active);
        }
        Optional<LoadedPatch> target = before.patch(patch);
        if (target.isEmpty() || !target.get().enabled()) {
            return new ApplyResult.Failed("No enabled live patch named " + patch, "ENOENT", active);
        }
        Instant start = waiting.now();
        progress.accept("disabling " + patch);
        try {
            kernel.setEnabled(patch, false);
        } catch (KernelOperationException e) {
            return new ApplyResult.Failed(e.getMessage(), e.errno(), active);
        }
        if (awaitTransitionEnd(patch, start.plus(timeout))) {
            return completed(patch, active, start, before);
        }
        return onDeadline(patch, active, start, timeout, onTimeout, progress, before);
    }

    /** Reverses the transition in progress, whichever way it goes, and waits for the reversal. */
    public ApplyResult revert(Duration timeout, Consumer<String> progress) {
        kernel.settle();
        LivepatchSnapshot before = reader.snapshot();
        Optional<LoadedPatch> busy = before.transitionPatch();
        if (busy.isEmpty()) {
            return new ApplyResult.Failed("No transition is in progress; nothing to reverse", "EINVAL", before.active().map(LoadedPatch::name));
        }
        String patch = busy.get().name();
        Instant start = waiting.now();
        progress.accept("reversing the transition of " + patch);
        try {
            kernel.setEnabled(patch, !busy.get().enabled());
        } catch (KernelOperationException e) {
            return new ApplyResult.Failed(e.getMessage(), e.errno(), before.active().map(LoadedPatch::name));
        }
        if (!awaitTransitionEnd(patch, start.plus(timeout))) {
            return new ApplyResult.StillInProgress(patch, activeNow(), Duration.between(start, waiting.now()), blockers());
        }
        boolean unloaded = tryUnload(patch, progress);
        return new ApplyResult.Reverted(patch, activeNow(), Duration.between(start, waiting.now()), List.of(), unloaded);
    }

    /** Forces the transition in progress. */
    public ApplyResult force(Duration timeout, Consumer<String> progress) {
        kernel.settle();
        LivepatchSnapshot before = reader.snapshot();
        Optional<LoadedPatch> busy = before.transitionPatch();
        if (busy.isEmpty()) {
            return new ApplyResult.Failed("No transition is in progress; nothing to force", "EINVAL", before.active().map(LoadedPatch::name));
        }
        String patch = busy.get().name();
        Instant start = waiting.now();
        List<BlockerView> blockers = blockers();
        return forceNow(patch, start, blockers, timeout, progress, before);
    }

    private ApplyResult onDeadline(String patch, Optional<String> previous, Instant start, Duration timeout, OnTimeout onTimeout,
                                   Consumer<String> progress, LivepatchSnapshot before) {
        List<BlockerView> blockers = blockers();
        Duration waited = Duration.between(start, waiting.now());
        switch (onTimeout) {
            case WAIT -> {
                progress.accept("deadline passed; the transition of " + patch + " continues in the kernel");
                return new ApplyResult.StillInProgress(patch, activeNow(), waited, blockers);
            }
            case REVERT -> {
                progress.accept("deadline passed; reversing the transition of " + patch);
                Optional<LoadedPatch> p = reader.patch(patch);
                try {
                    kernel.setEnabled(patch, !p.map(LoadedPatch::enabled).orElse(true));
                } catch (KernelOperationException e) {
                    if (!reader.inTransition()) {
                        return completed(patch, previous, start, before); // it completed in the meantime
                    }
                    return new ApplyResult.Failed("Could not reverse the transition of " + patch + ": " + e.getMessage(), e.errno(), activeNow());
                }
                if (!awaitTransitionEnd(patch, waiting.now().plus(timeout))) {
                    return new ApplyResult.Failed("The reversal of " + patch + " is itself blocked; see klp blocking -v", "ETIMEDOUT", activeNow());
                }
                boolean unloaded = before.patch(patch).isEmpty() && tryUnload(patch, progress);
                return new ApplyResult.Reverted(patch, activeNow(), waited, blockers, unloaded);
            }
            case FORCE -> {
                return forceNow(patch, start, blockers, timeout, progress, before);
            }
            default -> throw new IllegalStateException(onTimeout.toString());
        }
    }

    private ApplyResult forceNow(String patch, Instant start, List<BlockerView> blockers, Duration timeout, Consumer<String> progress,
                                 LivepatchSnapshot before) {
        progress.accept("forcing the transition of " + patch + " past " + blockers.size() + " blocking task(s)");
        try {
            kernel.force(patch);
        } catch (KernelOperationException e) {
            if (!reader.inTransition()) {
                return completed(patch, before.active().map(LoadedPatch::name), start, before);
            }
            return new ApplyResult.Failed("Could not force the transition of " + patch + ": " + e.getMessage(), e.errno(), activeNow());
        }
        awaitTransitionEnd(patch, waiting.now().plus(timeout));
        Removal removal = removeFreed(before, patch, progress);
        return new ApplyResult.Forced(patch, activeNow(), Duration.between(start, waiting.now()), blockers, removal.kept());
    }

    private ApplyResult completed(String patch, Optional<String> previous, Instant start, LivepatchSnapshot before) {
        Removal removal = removeFreed(before, patch, s -> { });
        return new ApplyResult.Completed(patch, previous, activeNow(), Duration.between(start, waiting.now()), removal.unloaded(),
                removal.kept());
    }

    /** What became of the modules of the patches a transition removed from sysfs. */
    private record Removal(List<String> unloaded, List<String> kept) {
    }

    /**
     * Removes the modules of the patches that have left sysfs: those loaded before the operation
     * and the operation's own patch (a disable). The kernel keeps the modules of patches a forced
     * transition removed (6.1 marks the replaced patches forced, or the patch itself when
     * unpatching, and never puts their modules): those come back as kept, for good.
     */
    private Removal removeFreed(LivepatchSnapshot before, String patch, Consumer<String> progress) {
        List<String> candidates = new ArrayList<>(before.patches().stream().map(LoadedPatch::name).toList());
        if (!candidates.contains(patch)) {
            candidates.add(patch);
        }
        List<String> unloaded = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        for (String name : candidates) {
            if (reader.patch(name).isPresent() || reader.module(name).isEmpty()) {
                continue;
            }
            if (tryUnload(name, progress)) {
                unloaded.add(name);
            } else if (reader.module(name).isPresent()) {
                kept.add(name);
            }
        }
        return new Removal(unloaded, kept);
    }

    private boolean tryUnload(String module, Consumer<String> progress) {
        if (reader.module(module).isEmpty()) {
            return false;
        }
        try {
            kernel.unload(module);
            progress.accept("unloaded module " + module);
            return true;
        } catch (KernelOperationException e) {
            progress.accept("module " + module + " stays loaded: " + e.getMessage());
            return false;
        }
    }

    /** Polls the patch's {@code transition} file until it reads 0 (or the patch is gone), or the deadline passes. */
    private boolean awaitTransitionEnd(String patch, Instant deadline) {
        Duration poll = FIRST_POLL;
        while (true) {
            kernel.settle();
            Optional<LoadedPatch> p = reader.patch(patch);
            if (p.isEmpty() || !p.get().transition()) {
                return true;
            }
            Instant now = waiting.now();
            if (!now.isBefore(deadline)) {
                return false;
            }
            Duration left = Duration.between(now, deadline);
            waiting.pause(poll.compareTo(left) < 0 ? poll : left);
            poll = poll.multipliedBy(2).compareTo(MAX_POLL) > 0 ? MAX_POLL : poll.multipliedBy(2);
        }
    }

    private Optional<String> activeNow() {
        return reader.snapshot().active().map(LoadedPatch::name);
    }

    private List<BlockerView> blockers() {
        List<LoadedPatch> patches = reader.patches();
        Optional<LoadedPatch> transition = patches.stream().filter(LoadedPatch::transition).findFirst();
        if (transition.isEmpty()) {
            return List.of();
        }
        List<LoadedPatch> others = patches.stream().filter(p -> p != transition.get()).toList();
        return reader.blockers(true).stream().map(t -> BlockerView.explain(t, transition.get(), others)).toList();
    }
}
