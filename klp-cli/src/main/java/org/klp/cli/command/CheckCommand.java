package org.klp.cli.command;

import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import picocli.CommandLine.Command;

@Command(name = "check", description = {
        "Exits 0 when ready, 1 while a transition is in progress; prints nothing.",
        "For scripts: until klp check; do sleep 1; done"})
public final class CheckCommand extends KlpCommand {

    @Override
    public Integer call() {
        boolean busy = host().reader().inTransition();
        if (json()) {
            out().print(Json.object().field("state", busy ? "in_progress" : "ready").field("ready", !busy).end());
        }
        return busy ? ExitCode.IN_PROGRESS : ExitCode.OK;
    }
}
