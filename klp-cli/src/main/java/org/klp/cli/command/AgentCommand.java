package org.klp.cli.command;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.UsageException;
import org.klp.cli.connect.Agent;
import org.klp.cli.connect.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "agent", description = {
        "Checks in with the klp server: reports this host's live patch posture, receives the desired state",
        "(the live patch version its group's policy wants, the kernel lock), reconciles with klp's own update",
        "or downgrade, and reports the result. Idempotent: a repeated check-in changes nothing.",
        "Runs every --interval (with up to 10% jitter) until stopped, or once with --once."})
public final class AgentCommand extends KlpCommand {

    @Option(names = "--once", description = "One check-in, then exit (exit code: 0 converged, 1 transition in progress, 3 failure).")
    boolean once;

    @Option(names = "--interval", paramLabel = "DURATION", converter = Durations.class, description = "Time between check-ins (default: ${DEFAULT-VALUE}).")
    Duration interval = Duration.ofHours(1);

    @Override
    public Integer call() {
        if (interval.isZero() || interval.isNegative()) {
            throw new UsageException("--interval must be positive");
        }
        Credentials c = Credentials.require(klp().root());
        while (true) {
            Host host = Host.open(klp().root(), klp().clock());
            int code;
            try {
                Agent.Round r = Agent.runOnce(host, c, this::progress);
                code = r.exitCode();
                report(r);
            } catch (RuntimeException e) {
                if (once) {
                    throw e;
                }
                // a daemon outlives a server that is down, a repository half-published, a host busy
                err().println("klp: agent: " + e.getMessage() + "; retrying at the next interval");
                err().flush();
                code = ExitCode.FAILURE;
            }
            if (once) {
                return code;
            }
            long jitter = (long) (interval.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble());
            try {
                Thread.sleep(interval.toMillis() + jitter);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
                return ExitCode.OK;
            }
        }
    }

    private void report(Agent.Round r) {
        if (json()) {
            Json j = Json.object().field("action", r.desired().action()).field("targetVersion", r.desired().targetVersion())
                    .field("package", r.desired().packageName()).field("reason", r.desired().reason()).field("did", r.did())
                    .field("result", r.result()).field("message", r.message()).field("kernelLock", r.desired().kernelLock())
                    .field("loadedVersion", r.after() == null ? 0 : r.after().loadedVersion()).field("exitCode", r.exitCode());
            out().print(j.end());
        } else {
            out().println("klp agent: " + r.did() + " — " + r.result() + (r.message().isEmpty() || r.message().equals(r.result()) ? "" : ": " + r.message())
                    + (r.desired().kernelLock() ? " (kernel updates locked)" : ""));
        }
        out().flush();
    }
}
