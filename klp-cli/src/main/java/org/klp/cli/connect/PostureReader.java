package org.klp.cli.connect;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.record.HostState;
import org.klp.cli.repo.InstalledKernels;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;

/**
 * Reads a host's posture with the host tool's own readers: the running kernel and its live patch
 * state from sysfs/procfs, installed kernels from {@code lib/modules}, installed live patch
 * packages from their records, and from klp's host record whether a transition was forced and
 * how the last change ended.
 */
public final class PostureReader {

    private PostureReader() {
    }

    public static HostPosture read(Host host) {
        LivepatchSnapshot snapshot = host.reader().snapshot();
        String kernel = snapshot.kernelRelease();
        List<String> installed = InstalledKernels.withRunning(host.root().path(), KernelRelease.parse(kernel)).stream()
                .map(KernelRelease::uname).toList();
        List<HostPosture.InstalledLivePatch> packages = new ArrayList<>();
        for (PatchRecord r : host.patchRecords().all()) {
            packages.add(new HostPosture.InstalledLivePatch(r.livePatch().name(), r.livePatch().version()));
        }
        Optional<LoadedPatch> active = snapshot.active();
        Optional<PatchRecord> record = active.flatMap(a -> host.patchRecords().forModule(a.name(), kernel));
        HostState state = host.records().read().asOfBoot(host.reader().bootId());
        boolean inTransition = snapshot.inTransition();
        long seconds = 0;
        int blockers = 0;
        if (inTransition) {
            Optional<Instant> since = state.pending().map(HostState.PendingOperation::started)
                    .or(() -> state.last().filter(l -> l.result().equals("in_progress")).map(HostState.LastResult::at));
            seconds = since.map(s -> Math.max(0, Duration.between(s, host.now()).toSeconds())).orElse(0L);
            blockers = host.reader().blockers(false).size();
        }
        HostPosture.ApplyReport last = state.last().map(l -> new HostPosture.ApplyReport(l.operation(),
                host.patchRecords().forModule(l.patch(), kernel).map(r -> r.livePatch().version()).orElse(0),
                l.result().equals("rolled-back") ? "failed" : normalize(l.result()), l.message(), l.at().toString())).orElse(null);
        return new HostPosture(kernel, installed, packages, active.map(LoadedPatch::name).orElse(null),
                record.map(r -> r.livePatch().name()).orElse(null), record.map(r -> r.livePatch().version()).orElse(0),
                inTransition ? HostPosture.IN_PROGRESS : HostPosture.READY, seconds, blockers, snapshot.taint().mask(),
                forced(state), last);
    }

    /**
     * Whether a transition was forced since the last boot: tasks that slept in old code may still
     * run it, whatever the patch. The kernel pins only the patches a forced transition replaced (none
     * when the forcing patch was the first), so the reboot a forced transition always advises counts too.
     */
    public static boolean forced(HostState state) {
        return !state.modulesHeldForever().isEmpty() || state.rebootReason().isPresent();
    }

    private static String normalize(String result) {
        return HostPosture.ApplyReport.RESULTS.contains(result) ? result : "failed";
    }
}
