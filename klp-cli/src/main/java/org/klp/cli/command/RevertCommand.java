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

@Command(name = "revert", description = {
        "Reverses the transition in progress: the previously active patch stays active.",
        "(Writes to the transition patch's 'enabled', as the kernel documents.)"})
public final class RevertCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for the reversal (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(60);

    @Override
    public Integer call() {
        Host host = host();
        String kernel = host.reader().kernelRelease();
        LoadedPatch transition = host.reader().snapshot().transitionPatch()
                .orElseThrow(() -> new UsageException("no transition is in progress; nothing to revert"));
        Optional<PatchRecord> before = host.reader().snapshot().active().map(LoadedPatch::name).flatMap(a -> PatchInfo.record(host, a, kernel));
        ApplyResult result = new OperationRunner(host).run(new OperationRunner.Subject("revert", transition.name(), Optional.empty(), Optional.empty()),
                () -> host.applier().revert(timeout, this::progress));
        return Outcomes.report(host, out(), err(), json(), "revert", result, before, Optional.empty());
    }
}
