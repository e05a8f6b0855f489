package org.klp.cli.command;

import java.time.Duration;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.Host;
import org.klp.cli.UsageException;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "force", description = {
        "Forces the transition in progress: a last resort; plan a reboot after it.",
        "Every task is marked switched at once: tasks that were blocked may keep running old code, and the",
        "modules of the patches loaded now can never be unloaded. klp records that a reboot should be planned."})
public final class ForceCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for completion (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(10);

    @Override
    public Integer call() {
        Host host = host();
        String kernel = host.reader().kernelRelease();
        LoadedPatch transition = host.reader().snapshot().transitionPatch()
                .orElseThrow(() -> new UsageException("no transition is in progress; nothing to force"));
        Optional<PatchRecord> before = host.reader().snapshot().patches().stream().filter(p -> !p.transition()).map(LoadedPatch::name)
                .reduce((a, b) -> b).flatMap(a -> PatchInfo.record(host, a, kernel));
        Optional<PatchRecord> target = PatchInfo.record(host, transition.name(), kernel);
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("force", transition.name(), Optional.empty(), target),
                () -> host.applier().force(timeout, this::progress));
        return Outcomes.report(host, out(), err(), json(), "force", result, before, target);
    }
}
