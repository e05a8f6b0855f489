package org.klp.cli.command;

import java.io.PrintWriter;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.record.HostState;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedPatch;
import org.klp.kernel.state.Taint;
import picocli.CommandLine.Command;

@Command(name = "status", description = {
        "Prints 'ready', or 'in_progress' while a live patch transition is under way.",
        "-v adds the active patch, the transition's patch, duration and blocking tasks, and the taint flags."})
public final class StatusCommand extends KlpCommand {

    @Override
    public Integer call() {
        Host host = host();
        org.klp.cli.operation.Operations.settleRecord(host);
        LivepatchSnapshot snapshot = host.reader().snapshot();
        boolean detail = verbosity() > 0 || json();
        Optional<TransitionInfo> transition = snapshot.inTransition() && detail
                ? TransitionInfo.of(host, snapshot, false) : Optional.empty();
        String state = snapshot.inTransition() ? "in_progress" : "ready";
        HostState record = detail ? host.records().read().asOfBoot(host.reader().bootId()) : HostState.EMPTY;
        PrintWriter out = out();
        if (json()) {
            Json j = Json.object().field("state", state).field("kernel", snapshot.kernelRelease());
            Optional<String> active = snapshot.active().map(LoadedPatch::name);
            int version = active.flatMap(a -> PatchInfo.record(host, a, snapshot.kernelRelease())).map(r -> r.livePatch().version()).orElse(0);
            j.field("effectiveKernelRelease", org.klp.core.kernel.EffectiveKernelRelease.of(org.klp.core.kernel.KernelRelease.parse(
                    snapshot.kernelRelease()), version, !snapshot.inTransition() && !org.klp.cli.connect.PostureReader.forced(record)).uname());
            j.field("activePatch", active.orElse(null));
            j.strings("activePatches", snapshot.activePatches().stream().map(LoadedPatch::name).toList());
            Optional<org.klp.packaging.record.PatchRecord> activeRecord = active.flatMap(a -> PatchInfo.record(host, a, snapshot.kernelRelease()));
            PatchInfo.recordJson(j, activeRecord);
            j.field("drift", PatchInfo.drift(host, snapshot.kernelRelease(), activeRecord));
            j.strings("loadedPatches", snapshot.patches().stream().map(LoadedPatch::name).toList());
            if (transition.isPresent()) {
                TransitionInfo t = transition.get();
                j.startObject("transition").field("patch", t.patch().name()).field("direction", t.direction())
                        .field("seconds", t.lasted().map(d -> d.toSeconds())).field("blockingTasks", t.blockers().size()).endObject();
            } else {
                j.nullField("transition");
            }
            taintJson(j, snapshot.taint());
            j.field("rebootRecommended", record.rebootReason().isPresent()).field("rebootReason", record.rebootReason());
            j.strings("modulesHeldForever", record.modulesHeldForever());
            j.field("interruptedOperation", record.pending().filter(p -> !snapshot.inTransition()).map(p -> p.operation() + " " + p.patch()));
            out.print(j.end());
            return ExitCode.OK;
        }
        out.println(state);
        if (verbosity() > 0) {
            Optional<LoadedPatch> active = snapshot.active();
            if (active.isEmpty() && transition.isEmpty()) {
                out.println("no live patch is loaded");
            }
            transition.ifPresentOrElse(t -> {
                out.println("transition: " + PatchInfo.label(host, t.patch().name(), snapshot.kernelRelease()) + " " + t.direction()
                        + t.lasted().map(d -> " for " + Durations.show(d)).orElse(""));
                out.println("blocking: " + t.blockers().size() + " task" + (t.blockers().size() == 1 ? "" : "s")
                        + (t.blockers().isEmpty() ? "" : " (see klp blocking -vv)"));
                active.ifPresentOrElse(a -> out.println("active once complete: " + a.name()),
                        () -> out.println("active once complete: none (original kernel code)"));
            }, () -> active.ifPresent(a -> {
                Optional<org.klp.packaging.record.PatchRecord> r = PatchInfo.record(host, a.name(), snapshot.kernelRelease());
                out.println("active: " + PatchInfo.label(a.name(), r) + r.filter(x -> !x.rpm().isEmpty()).map(x -> ", RPM: " + x.rpm()).orElse(""));
                PatchInfo.drift(host, snapshot.kernelRelease(), r).ifPresent(d -> out.println("installed: " + d));
            }));
            java.util.List<LoadedPatch> stacked = snapshot.activePatches();
            if (transition.isEmpty() && stacked.size() > 1) {
                // loaded without atomic replace: each one's code runs, the newest wins where they patch the same function
                out.println("stacked: " + stacked.size() + " live patches are active together: "
                        + String.join(", ", stacked.stream().map(LoadedPatch::name).toList()));
            }
            out.println("kernel: " + snapshot.kernelRelease() + ", taint " + taintText(snapshot.taint()));
            record.rebootReason().ifPresent(r -> out.println("reboot recommended: " + r));
            record.pending().filter(p -> !snapshot.inTransition()).ifPresent(p ->
                    out.println("note: klp " + p.operation() + " of " + p.patch() + " did not finish its record; the next klp operation will"));
            record.last().filter(l -> !snapshot.inTransition()).ifPresent(l ->
                    out.println("last operation: " + l.operation() + " " + l.patch() + ": " + l.result() + " at " + l.at()));
        }
        return ExitCode.OK;
    }

    static String taintText(Taint taint) {
        if (taint.mask() == 0) {
            return "0 (not tainted)";
        }
        return taint.mask() + " (" + taint.letters() + ")";
    }

    static void taintJson(Json j, Taint taint) {
        j.startObject("taint").field("mask", taint.mask()).field("flags", taint.letters());
        j.startArray("meanings");
        taint.flags().forEach(f -> j.value(f.letter() + ": " + f.meaning()));
        j.endArray();
        j.field("livePatched", taint.isLivePatched()).endObject();
    }
}
