package org.klp.cli.record;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the host remembers of its live patching, in {@code var/lib/klp/state}: the patch it made
 * active (so it can be loaded again at boot), modules a forced transition pinned forever, whether a
 * reboot should be planned (and in which boot that was found: a reboot settles it), an operation
 * under way (so a crash half-way can be finished or rolled back), and how the last operation ended.
 */
public record HostState(Optional<ActivePatch> active, List<String> modulesHeldForever, Optional<String> rebootReason,
                        Optional<String> rebootBoot, Optional<PendingOperation> pending, Optional<LastResult> last) {

    public static final HostState EMPTY = new HostState(Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty());

    public HostState {
        modulesHeldForever = List.copyOf(modulesHeldForever);
    }

    /**
     * The patch klp made active. {@code moduleCopy} is klp's own copy of the module (relative to
     * the root), which boot-time restore loads; package and version are empty when no package
     * record was known.
     */
    public record ActivePatch(String patch, String kernel, String moduleCopy, Optional<String> packageName, int version, Instant since) {
    }

    /** An operation that started and has not yet been recorded as finished. */
    public record PendingOperation(String operation, String patch, String moduleFile, Optional<String> previous, Instant started) {
    }

    /** How the last operation ended: {@code completed}, {@code reverted}, {@code forced}, {@code in_progress} or {@code failed}. */
    public record LastResult(String operation, String patch, String result, String message, Instant at) {
    }

    public HostState withActive(Optional<ActivePatch> a) {
        return new HostState(a, modulesHeldForever, rebootReason, rebootBoot, pending, last);
    }

    public HostState withPending(Optional<PendingOperation> p) {
        return new HostState(active, modulesHeldForever, rebootReason, rebootBoot, p, last);
    }

    public HostState withLast(LastResult r) {
        return new HostState(active, modulesHeldForever, rebootReason, rebootBoot, pending, Optional.of(r));
    }

    /** Modules held forever and why a reboot is advised, found during boot {@code boot} (the kernel's boot id, if it shows one). */
    public HostState withHeld(List<String> held, Optional<String> reason, Optional<String> boot) {
        return new HostState(active, held, reason, boot, pending, last);
    }

    /**
     * Whether the reboot this record advises has happened: it names the boot it was found in and the
     * kernel now runs another. Records without a boot id never expire this way.
     */
    public boolean rebootedSince(Optional<String> currentBoot) {
        return (rebootReason.isPresent() || !modulesHeldForever.isEmpty()) && rebootBoot.isPresent() && currentBoot.isPresent()
                && !rebootBoot.get().equals(currentBoot.get());
    }

    /** This record as of boot {@code currentBoot}: after a reboot, no module is held and no reboot is advised. */
    public HostState asOfBoot(Optional<String> currentBoot) {
        return rebootedSince(currentBoot) ? withHeld(List.of(), Optional.empty(), Optional.empty()) : this;
    }
}
