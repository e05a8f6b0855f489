package org.klp.core.fleet;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What changed between two check-ins of one host: a pure function of the two postures.
 *
 * <ul>
 *   <li>No previous check-in: {@link PostureChange.FirstCheckin}.</li>
 *   <li>Another kernel: {@link PostureChange.KernelChanged}; else a change of the loaded version,
 *       its transition or the forced flag: {@link PostureChange.LivePatchChanged}.</li>
 *   <li>A last apply that ended after the previous one: {@link PostureChange.ApplyEnded}.</li>
 *   <li>On the same kernel, taint flags that were not set before and that no live patch sets
 *       ({@link TaintFlags#EXPECTED_WITH_LIVE_PATCH}): {@link PostureChange.NewTaint}. Taint stays
 *       until reboot, so a flag is new only once.</li>
 * </ul>
 * A check-in that repeats the previous one changes nothing: the list is empty.
 */
public final class PostureDiff {

    private PostureDiff() {
    }

    public static List<PostureChange> between(HostPosture before, HostPosture after) {
        List<PostureChange> changes = new ArrayList<>(2);
        if (before == null) {
            changes.add(new PostureChange.FirstCheckin(after.kernel(), after.loadedVersion()));
        } else if (!before.kernel().equals(after.kernel())) {
            changes.add(new PostureChange.KernelChanged(before.kernel(), after.kernel(), after.loadedVersion()));
        } else if (before.loadedVersion() != after.loadedVersion() || !before.transition().equals(after.transition())
                || before.forced() != after.forced()) {
            changes.add(new PostureChange.LivePatchChanged(before.loadedVersion(), after.loadedVersion(), after.transition(), after.forced()));
        }
        HostPosture.ApplyReport last = after.lastApply();
        if (last != null && (before == null || before.lastApply() == null || endedAt(last).isAfter(endedAt(before.lastApply())))) {
            changes.add(new PostureChange.ApplyEnded(last));
        }
        long fresh = newTaint(before, after);
        if (fresh != 0) {
            changes.add(new PostureChange.NewTaint(fresh, after.taint(), after.loadedVersion()));
        }
        return changes;
    }

    /** Taint bits set now, not at the previous check-in of the same kernel, and not set by loading a live patch; 0 otherwise. */
    public static long newTaint(HostPosture before, HostPosture after) {
        if (before == null || !before.kernel().equals(after.kernel())) {
            return 0;
        }
        return after.taint() & ~before.taint() & ~TaintFlags.EXPECTED_WITH_LIVE_PATCH;
    }

    private static Instant endedAt(HostPosture.ApplyReport r) {
        return Instant.parse(r.at());
    }
}
