package org.klp.cli.operation;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.klp.cli.Host;
import org.klp.cli.record.HistoryEvent;
import org.klp.cli.record.HostRecordStore;
import org.klp.cli.record.HostState;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;

/**
 * Runs one operation that changes the kernel, keeping the host record true at every step: under
 * the host's lock, it first finishes the record of an operation a crash interrupted, then records
 * the operation as pending (fsynced) before touching the kernel, and records how it ended after.
 * A crash at any point leaves a pending entry that the next run reconciles with what the kernel shows.
 * An operation refused before it changed anything leaves the record exactly as it was.
 */
public final class OperationRunner {

    private final Host host;

    OperationRunner(Host host) {
        this.host = host;
    }

    /** What the operation is about: which patch, from which module file, with which package record. */
    record Subject(String operation, String patch, Optional<Path> moduleFile, Optional<PatchRecord> record) {
    }

    ApplyResult run(Subject subject, Supplier<ApplyResult> action) {
        HostRecordStore store = host.records();
        try (AutoCloseable lock = store.lock()) {
            HostState before = reconcile(store, settleReboot(store, store.read()));
            HostState state = before;
            store.checkWritable(subject.patch());
            Instant started = host.now();
            Optional<String> previous = host.reader().snapshot().active().map(LoadedPatch::name);
            state = state.withPending(Optional.of(new HostState.PendingOperation(subject.operation(), subject.patch(),
                    subject.moduleFile().map(Path::toString).orElse(""), previous, started)));
            store.write(state);
            store.appendHistory(new HistoryEvent(started, subject.operation(), subject.patch(), "started",
                    subject.moduleFile().map(m -> "module " + m).orElse("")));

            ApplyResult result = action.get();

            if (result instanceof ApplyResult.Failed f) {
                // refused (by klp or the kernel): nothing changed, so the record stays as it was; the history says why
                store.write(before);
                store.appendHistory(new HistoryEvent(host.now(), subject.operation(), subject.patch(), "failed", f.reason()));
                return result;
            }
            state = record(store, state, subject, result);
            store.write(state);
            return result;
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot release the host lock: " + e.getMessage(), e);
        }
    }

    private HostState record(HostRecordStore store, HostState state, Subject subject, ApplyResult result) {
        Instant now = host.now();
        String kernel = host.reader().kernelRelease();
        String outcome;
        String message;
        HostState next = state;
        if (result instanceof ApplyResult.Completed c) {
            outcome = "completed";
            message = c.activeAfter().map(a -> "active: " + a).orElse("no live patch active") + " after " + c.took().toMillis() + " ms";
            next = next.withActive(activeAfter(store, state, subject, c.activeAfter(), kernel, now));
            next = addHeld(next, c.modulesHeldForever(), Optional.empty(), host.reader().bootId());
        } else if (result instanceof ApplyResult.AlreadyActive a) {
            outcome = "unchanged";
            message = a.patch() + " was already active";
            next = next.withActive(activeAfter(store, state, subject, Optional.of(a.patch()), kernel, now));
        } else if (result instanceof ApplyResult.Reverted r) {
            outcome = "reverted";
            message = "transition did not complete; reversed, " + r.activeAfter().map(a -> a + " stays active").orElse("no live patch active");
            next = next.withActive(activeAfter(store, state, subject, r.activeAfter(), kernel, now));
        } else if (result instanceof ApplyResult.Forced f) {
            outcome = "forced";
            message = "transition forced past " + f.blockers().size() + " blocking task(s)";
            next = next.withActive(activeAfter(store, state, subject, f.activeAfter(), kernel, now));
            next = addHeld(next, f.modulesHeldForever(), Optional.of("the transition of " + f.patch() + " was forced at " + now
                    + ": tasks that were blocked may still run old code" + heldForever(f.modulesHeldForever()) + "; plan a reboot"),
                    host.reader().bootId());
        } else if (result instanceof ApplyResult.StillInProgress s) {
            outcome = "in_progress";
            message = "deadline passed; transition left running with " + s.blockers().size() + " blocking task(s)";
            store.appendHistory(new HistoryEvent(now, subject.operation(), subject.patch(), outcome, message));
            return next.withLast(new HostState.LastResult(subject.operation(), subject.patch(), outcome, message, now));
        } else {
            ApplyResult.Failed f = (ApplyResult.Failed) result;
            outcome = "failed";
            message = f.reason();
            next = next.withActive(activeAfter(store, state, subject, f.activeAfter(), kernel, now));
        }
        store.appendHistory(new HistoryEvent(now, subject.operation(), subject.patch(), outcome, message));
        return next.withPending(Optional.empty())
                .withLast(new HostState.LastResult(subject.operation(), subject.patch(), outcome, message, now));
    }

    /** The record's active patch after an operation: the subject when it became active, the previous one when it stayed. */
    private Optional<HostState.ActivePatch> activeAfter(HostRecordStore store, HostState state, Subject subject, Optional<String> active,
                                                        String kernel, Instant now) {
        if (active.isEmpty()) {
            return Optional.empty();
        }
        String name = active.get();
        Optional<HostState.ActivePatch> recorded = state.active().filter(a -> a.patch().equals(name) && a.kernel().equals(kernel));
        if (name.equals(subject.patch()) && subject.moduleFile().isPresent() && Files.isRegularFile(subject.moduleFile().get())) {
            String copy = store.keepModuleCopy(subject.moduleFile().get(), name);
            Optional<PatchRecord> r = subject.record().or(() -> host.patchRecords().forModule(name, kernel));
            r.ifPresent(store::keepPatchRecord);
            return Optional.of(new HostState.ActivePatch(name, kernel, copy, r.map(x -> x.livePatch().name()),
                    r.map(x -> x.livePatch().version()).orElse(0), recorded.map(HostState.ActivePatch::since).orElse(now)));
        }
        if (recorded.isPresent()) {
            return recorded;
        }
        Optional<PatchRecord> r = host.patchRecords().forModule(name, kernel);
        return Optional.of(new HostState.ActivePatch(name, kernel, "", r.map(x -> x.livePatch().name()),
                r.map(x -> x.livePatch().version()).orElse(0), now));
    }

    /** {@code ; module m can never be unloaded}, or nothing when no module is held. */
    public static String heldForever(List<String> modules) {
        if (modules.isEmpty()) {
            return "";
        }
        return "; " + (modules.size() == 1 ? "module " : "modules ") + String.join(", ", modules) + " can never be unloaded";
    }

    private static HostState addHeld(HostState state, List<String> held, Optional<String> reason, Optional<String> boot) {
        if (held.isEmpty() && reason.isEmpty()) {
            return state;
        }
        Set<String> all = new LinkedHashSet<>(state.modulesHeldForever());
        all.addAll(held);
        return state.withHeld(new ArrayList<>(all), reason.or(state::rebootReason), boot);
    }

    /** After a reboot the modules a forced transition held are gone and the advised reboot has happened: say so once, and forget them. */
    private HostState settleReboot(HostRecordStore store, HostState state) {
        Optional<String> boot = host.reader().bootId();
        if (!state.rebootedSince(boot)) {
            return state;
        }
        store.appendHistory(new HistoryEvent(host.now(), "reboot", "", "completed", "the host rebooted since the reboot was advised"
                + (state.modulesHeldForever().isEmpty() ? "" : state.modulesHeldForever().size() == 1
                        ? "; module " + state.modulesHeldForever().get(0) + " is gone"
                        : "; modules " + String.join(", ", state.modulesHeldForever()) + " are gone")));
        HostState next = state.asOfBoot(boot);
        store.write(next);
        return next;
    }

    /**
     * Read-only commands call this: when an operation was left pending (a crash, or
     * {@code --on-timeout=wait}) and its transition has ended, or the host rebooted since a reboot was
     * advised, finish the record now, if the host's lock is free and the record writable; otherwise
     * leave it for the next operation.
     */
    public static void settleRecord(Host host) {
        HostRecordStore store = host.records();
        HostState state;
        try {
            state = store.read();
        } catch (RuntimeException e) {
            return;
        }
        boolean rebooted = state.rebootedSince(host.reader().bootId());
        if (!rebooted && (state.pending().isEmpty() || host.reader().inTransition())) {
            return;
        }
        try (AutoCloseable lock = store.lock()) {
            OperationRunner runner = new OperationRunner(host);
            HostState settled = runner.settleReboot(store, store.read());
            if (!host.reader().inTransition()) {
                runner.reconcile(store, settled);
            }
        } catch (Exception e) {
            // busy or read-only: the next klp operation reconciles
        }
    }

    /**
     * Finishes the record of an operation a crash (or {@code --on-timeout=wait}) left pending, by
     * what the kernel shows now: completed if its patch is in place, rolled back if not, left
     * pending if its transition still runs.
     */
    HostState reconcile(HostRecordStore store, HostState state) {
        if (state.pending().isEmpty()) {
            return state;
        }
        HostState.PendingOperation p = state.pending().get();
        LivepatchSnapshot snapshot = host.reader().snapshot();
        if (snapshot.transitionPatch().map(t -> t.name().equals(p.patch())).orElse(false)) {
            return state;
        }
        Instant now = host.now();
        Optional<String> active = snapshot.active().map(LoadedPatch::name);
        Subject subject = new Subject(p.operation(), p.patch(), p.moduleFile().isEmpty() ? Optional.empty() : Optional.of(Path.of(p.moduleFile())),
                Optional.empty());
        String kernel = snapshot.kernelRelease();
        boolean done = switch (p.operation()) {
            case "disable" -> snapshot.patch(p.patch()).isEmpty();
            default -> active.map(p.patch()::equals).orElse(false);
        };
        String outcome = done ? "completed" : "rolled-back";
        boolean leftToKernel = state.last().map(l -> l.result().equals("in_progress") && l.patch().equals(p.patch())).orElse(false);
        String message = (leftToKernel ? "the transition left to the kernel ended: " + (done ? "it completed" : "it was reversed")
                : "recovered an interrupted " + p.operation() + ": " + (done ? "it completed" : "it did not take effect"))
                + "; " + active.map(a -> a + " is active").orElse("no live patch is active");
        store.appendHistory(new HistoryEvent(now, p.operation(), p.patch(), outcome, message));
        HostState next = state.withActive(activeAfter(store, state, subject, active, kernel, now)).withPending(Optional.empty())
                .withLast(new HostState.LastResult(p.operation(), p.patch(), outcome, message, now));
        store.write(next);
        return next;
    }
}
