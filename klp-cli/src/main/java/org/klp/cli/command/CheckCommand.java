package org.klp.cli.command;

import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import picocli.CommandLine.Command;

@Command(name = "check", description = {
        "Prints nothing; exits 0 when no transition is under way (ready) and 1 while one is (in_progress).",
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
