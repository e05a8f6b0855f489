package org.klp.cli.command;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.boot.BootGuard;
import org.klp.cli.boot.BootRecord;
import org.klp.cli.boot.KernelLog;
import org.klp.cli.operation.Deadline;
import org.klp.cli.operation.Operations;
import org.klp.cli.operation.Outcome;
import org.klp.core.boot.BootDecision;
import org.klp.core.boot.CrashedPatch;
import org.klp.kernel.state.LoadedPatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;


@Command(name = "restore", description = {
        "Loads the live patch for the kernel that booted (run at boot by klp-restore.service).",
        "That is the patch last made active on this kernel release while its module (its package's file) is there,",
        "otherwise the newest live patch installed for it under /lib/modules/RELEASE/livepatch.",
        "A patch that was new when the kernel last died (its loading marker survived the reboot) is skipped,",
        "and so is every load when the kernel command line has klp.skip=1; klp says which and why (status -v, kmsg).",
        "Exit codes: 0 restored, nothing to do, or skipped on purpose; 1 the transition is left running (--on-timeout=wait);",
        "2 usage; 3 the load failed or the records cannot be read.",
        "--stable waits until the live patch new in this boot has run 2 minutes, then trusts it at later boots",
        "(klp-stable.path starts it whenever a loading marker appears); --stable --now trusts it at once (clean shutdown)."})
public final class RestoreCommand extends KlpCommand {

    @Option(names = "--timeout", paramLabel = "DURATION", converter = Durations.class, description = "How long to wait for the transition (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofSeconds(30);

    @Option(names = "--on-timeout", paramLabel = "ACTION", description = "wait, revert or force (default: ${DEFAULT-VALUE}: at boot nothing should block for long).")
    String onTimeout = "wait";

    @Option(names = "--stable", description = "Load nothing: wait until the live patch new in this boot has run long enough, then trust it at later boots.")
    boolean stable;

    @Option(names = "--now", description = "With --stable: trust it at once (klp-restore.service runs this at a clean shutdown).")
    boolean now;

    @Override
    public Integer call() {
        Deadline deadline = new Deadline(timeout, ApplyCommand.parseOnTimeout(onTimeout));
        if (now && !stable) {
            throw new org.klp.cli.UsageException("--now goes with --stable (klp restore --stable --now)");
        }
        Host host = host();
        BootGuard guard = new BootGuard(host);
        String kernel = host.reader().kernelRelease();
        Optional<CrashedPatch> crash;
        try (AutoCloseable lock = host.records().lock()) {
            crash = stable && !now ? Optional.empty() : guard.inspect();
            if (stable) {
                boolean marked = now && guard.markStable();
                if (now && json()) {
                    out().print(Json.object().field("operation", "restore").field("result", marked ? "stable" : "nothing-to-do").end());
                } else if (now) {
                    out().println(marked ? "the live patch loaded in this boot is trusted at the next boot" : "nothing to mark: no live patch is new in this boot");
                }
                if (now || marked) {
                    return ExitCode.OK;
                }
            }
            if (!stable) {
                markEarlyLoad(host, guard);
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot release the host lock: " + e.getMessage(), e);
        }
        if (stable) {
            return waitUntilStable(host, guard);
        }
        Optional<String> loaded = host.reader().snapshot().active().map(LoadedPatch::name);
        BootDecision decision = guard.decide(kernel, guard.skipRequested(), loaded);
        if (decision instanceof BootDecision.Load load) {
            Path module = host.root().resolve(load.candidate().module());
            progress("restoring " + load.candidate().label() + ": " + load.why());
            Outcome.Changed outcome = new Operations(host, this::progress).restore(module, deadline);
            int code = Outcomes.report(host, out(), err(), json(), outcome);
            remember(host, guard, kernel, code == ExitCode.FAILURE ? "failed" : "loaded", load.candidate().patch(),
                    load.candidate().label() + ": " + load.why());
            return code;
        }
        String result;
        String patch;
        String reason;
        if (decision instanceof BootDecision.Skipped s) {
            result = "skipped";
            patch = s.patch().orElse("");
            reason = s.reason();
            KernelLog.warn(host, reason);
        } else if (decision instanceof BootDecision.AlreadyLoaded a) {
            result = "already-loaded";
            patch = a.candidate().patch();
            reason = a.candidate().patch() + " is already loaded";
        } else {
            result = "nothing";
            patch = "";
            reason = ((BootDecision.NothingToLoad) decision).reason();
        }
        remember(host, guard, kernel, result, patch, reason);
        if (json()) {
            Json j = Json.object().field("operation", "restore").field("result", result.equals("skipped") ? "skipped" : "nothing-to-do")
                    .field("kernel", kernel).field("patch", patch.isEmpty() ? null : patch).field("reason", reason);
            crash.ifPresent(c -> j.startObject("crashDetected").field("patch", c.patch()).field("phase", c.phase())
                    .field("loaded", c.loaded().toString()).field("reason", c.reason()).endObject());
            out().print(j.end());
        } else {
            out().println((result.equals("skipped") ? "skipped: " : "nothing to restore: ") + reason);
        }
        return ExitCode.OK;
    }

    /**
     * The initramfs loaded a patch before the root was writable: mark it now, so that if this boot
     * dies soon the next one does not load it again.
     */
    private static void markEarlyLoad(Host host, BootGuard guard) {
        Optional<String> early = host.root().readIfExists(BootGuard.RESTORED_EARLY).map(String::strip).filter(p -> !p.isEmpty());
        if (early.isEmpty() || host.reader().patch(early.get()).isEmpty() || guard.store().marker().isPresent()) {
            return;
        }
        String module = host.records().read().active().filter(a -> a.patch().equals(early.get())).map(a -> a.moduleCopy()).orElse("");
        guard.arm(early.get(), host.root().resolve(module.isEmpty() ? "run/klp/restored-early" : module), "early-boot");
    }

    private void remember(Host host, BootGuard guard, String kernel, String result, String patch, String message) {
        try (AutoCloseable lock = host.records().lock()) {
            BootRecord r = guard.store().read();
            guard.store().write(r.withLastBoot(new BootRecord.LastBoot(kernel, host.reader().bootId().orElse(""), result, patch, message,
                    host.now())));
        } catch (Exception e) {
            err().println("klp: warning: cannot record this boot's outcome: " + e.getMessage());
        }
    }

    /** Waits (at most a few rounds: a newer load restarts the clock) until the marker of this boot has run long enough, then removes it. */
    private int waitUntilStable(Host host, BootGuard guard) {
        for (int round = 0; round < 10; round++) {
            Optional<org.klp.core.boot.LoadingMarker> marker = guard.store().marker();
            if (marker.isEmpty() || marker.get().leftByACrash(host.reader().bootId())) {
                say("nothing-to-do", "nothing to mark: no live patch is new in this boot");
                return ExitCode.OK;
            }
            Duration left = Duration.between(host.now(), marker.get().since().plus(org.klp.core.boot.LoadingMarker.STABLE_AFTER));
            if (!left.isNegative() && !left.isZero()) {
                progress("waiting " + Durations.show(left) + " before trusting " + marker.get().patch());
                host.waiting().pause(left);
            }
            try (AutoCloseable lock = host.records().lock()) {
                Optional<org.klp.core.boot.LoadingMarker> again = guard.store().marker();
                if (again.equals(marker)) {
                    guard.store().removeMarker();
                    say("stable", marker.get().patch() + " ran " + org.klp.core.boot.LoadingMarker.STABLE_AFTER.toMinutes()
                            + " minutes without trouble: trusted at later boots");
                    return ExitCode.OK;
                }
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("Cannot release the host lock: " + e.getMessage(), e);
            }
        }
        say("nothing-to-do", "live patches keep changing; not marked");
        return ExitCode.OK;
    }

    private void say(String result, String message) {
        if (json()) {
            out().print(Json.object().field("operation", "restore").field("result", result).field("message", message).end());
        } else {
            out().println(message);
        }
    }
}
