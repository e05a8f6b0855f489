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
        "Runs until stopped, or once with --once. Checks in again after the interval the server gives (sooner while",
        "a transition runs; the server's audit calls a host stale after 1.5 of its intervals), or after --interval when",
        "that is shorter; with up to 10% jitter."})
public final class AgentCommand extends KlpCommand {

    @Option(names = "--once", description = "One check-in, then exit (exit code: 0 converged, 1 transition in progress, 3 failure).")
    boolean once;

    /** Before the server has given an interval, and when it gives none. */
    static final Duration DEFAULT_INTERVAL = Duration.ofHours(1);

    @Option(names = "--interval", paramLabel = "DURATION", converter = Durations.class,
            description = "At most this long between check-ins (default: the server's interval; 1h until the server gives one).")
    Duration interval;

    @Override
    public Integer call() {
        if (interval != null && (interval.isZero() || interval.isNegative())) {
            throw new UsageException("--interval must be positive");
        }
        Credentials c = Credentials.require(klp().root());
        Duration next = interval != null ? interval : DEFAULT_INTERVAL;
        while (true) {
            Host host = Host.open(klp().root(), klp().clock());
            int code;
            try {
                Agent.Round r = Agent.runOnce(host, c, this::progress);
                code = r.exitCode();
                next = nextCheckin(r, interval);
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
            long jitter = (long) (next.toMillis() * 0.1 * ThreadLocalRandom.current().nextDouble());
            try {
                Thread.sleep(next.toMillis() + jitter);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
                return ExitCode.OK;
            }
        }
    }

    /**
     * The server's interval for this host (its audit calls a host stale by it), or {@code limit}
     * (an explicit --interval) when that is shorter; {@link #DEFAULT_INTERVAL} when neither says.
     */
    static Duration nextCheckin(Agent.Round r, Duration limit) {
        long seconds = r.desired().checkinIntervalSeconds();
        Duration server = seconds > 0 ? Duration.ofSeconds(seconds) : null;
        if (server == null) {
            return limit != null ? limit : DEFAULT_INTERVAL;
        }
        return limit != null && limit.compareTo(server) < 0 ? limit : server;
    }

    private void report(Agent.Round r) {
        if (json()) {
            Json j = Json.object().field("action", r.desired().action().word()).field("targetVersion", r.desired().targetVersion())
                    .field("package", r.desired().packageName()).field("reason", r.desired().reason()).field("did", r.did())
                    .field("result", r.result()).field("message", r.message()).field("kernelLock", r.desired().kernelLock())
                    .field("loadedVersion", r.after() == null ? 0 : r.after().loadedVersion())
                    .field("nextCheckinSeconds", nextCheckin(r, interval).toSeconds()).field("exitCode", r.exitCode());
            out().print(j.end());
        } else {
            out().println("klp agent: " + r.did() + " — " + r.result() + (r.message().isEmpty() || r.message().equals(r.result()) ? "" : ": " + r.message())
                    + (r.desired().kernelLock() ? " (kernel updates locked)" : ""));
        }
        out().flush();
    }
}
