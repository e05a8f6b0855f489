package org.klp.cli.command;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.record.HostState;
import org.klp.kernel.apply.BlockerView;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedPatch;

/**
 * The transition under way, as far as the host can tell: its patch, its direction, how long it has
 * lasted (known when klp started it, from the host record), and its blockers.
 */
record TransitionInfo(LoadedPatch patch, String direction, Optional<Duration> lasted, List<BlockerView> blockers) {

    static Optional<TransitionInfo> of(Host host, LivepatchSnapshot snapshot, boolean withStacks) {
        Optional<LoadedPatch> t = snapshot.transitionPatch();
        if (t.isEmpty()) {
            return Optional.empty();
        }
        LoadedPatch patch = t.get();
        List<LoadedPatch> others = snapshot.patches().stream().filter(p -> !p.name().equals(patch.name())).toList();
        List<BlockerView> blockers = host.reader().blockers(withStacks).stream()
                .map(task -> BlockerView.explain(task, patch, others)).toList();
        return Optional.of(new TransitionInfo(patch, patch.enabled() ? "patching" : "unpatching", started(host, patch.name()), blockers));
    }

    private static Optional<Duration> started(Host host, String patch) {
        HostState state = host.records().read();
        Optional<Instant> since = state.pending().filter(p -> p.patch().equals(patch)).map(HostState.PendingOperation::started)
                .or(() -> state.last().filter(l -> l.patch().equals(patch) && l.result().equals("in_progress")).map(HostState.LastResult::at));
        Instant now = host.now();
        return since.map(s -> Duration.between(s, now)).filter(d -> !d.isNegative());
    }
}
