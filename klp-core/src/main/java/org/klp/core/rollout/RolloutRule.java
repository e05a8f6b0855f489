package org.klp.core.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.klp.core.fleet.HostPosture;

/**
 * When a staged rollout halts, waits or is promoted: a pure function of the rollout, the staged
 * group's policy, the canary group's transition deadline, what its canaries report, and the time.
 *
 * <h2>Halt</h2>
 * A canary on the rollout's kernel reported, since the rollout started, any of
 * <ul>
 *   <li>a failed or reversed apply of the version ({@link HaltSignal.FailedApply});</li>
 *   <li>a transition to it past the canary group's deadline, whether it is still stuck or its
 *       on-timeout action ended it ({@link HaltSignal.StuckTransition});</li>
 *   <li>its transition forced ({@link HaltSignal.ForcedTransition});</li>
 *   <li>new taint flags while running it ({@link HaltSignal.NewTaint}).</li>
 * </ul>
 * The first signal (canaries by system id, each canary's signals in that order) is the reason.
 *
 * <h2>Promote</h2>
 * Only on evidence: at least {@code minCanaries} canaries run the kernel and have run the version
 * settled (transition complete, not forced) for the soak time, with no halt signal. A canary that
 * runs another kernel, or was forced at any time since its last boot, gives no evidence.
 *
 * <h2>Hold and wait</h2>
 * No canary runs the kernel: the rollout is held, and says so (it cannot promote on no evidence).
 * Otherwise it waits for canaries to settle on the version, or for the soak time to pass.
 */
public final class RolloutRule {

    private RolloutRule() {
    }

    /**
     * The decision for {@code rollout} (in {@link RolloutState#CANARY}) to the group {@code staged}
     * names, whose canaries have the transition deadline {@code canaryDeadline}.
     */
    public static RolloutDecision decide(Rollout rollout, UpdatePolicy.Staged staged, Duration canaryDeadline, List<CanaryReport> canaries,
                                         Instant now) {
        List<CanaryReport> ordered = new ArrayList<>(canaries);
        ordered.sort(Comparator.comparingLong(CanaryReport::systemId));
        Optional<HaltSignal> halt = firstHaltSignal(rollout, canaryDeadline, ordered);
        if (halt.isPresent()) {
            return new RolloutDecision.Halt(halt.get());
        }
        String kernel = rollout.kernel();
        int version = rollout.version();
        int needed = staged.minCanaries();
        List<CanaryReport> onKernel = ordered.stream().filter(c -> c.runs(kernel)).toList();
        if (onKernel.isEmpty()) {
            return new RolloutDecision.Hold("held: no canary of group " + staged.canaryGroup() + " runs kernel " + kernel
                    + "; promotion needs " + canaries(needed) + " settled on version " + version + " for " + seconds(staged.soak()));
        }
        List<CanaryReport> settled = onKernel.stream().filter(c -> settledOn(c, version)).toList();
        if (settled.size() < needed) {
            return new RolloutDecision.Wait("waiting: " + settled.size() + " of " + canaries(needed) + " on kernel " + kernel
                    + " settled on version " + version + " (" + onKernel.size() + " canar" + (onKernel.size() == 1 ? "y runs" : "ies run")
                    + " the kernel)", null);
        }
        List<Instant> soakedAt = settled.stream().map(c -> c.postureSince().plus(staged.soak())).sorted().toList();
        Instant promotable = soakedAt.get(needed - 1);
        if (now.isBefore(promotable)) {
            return new RolloutDecision.Wait("soaking: " + settled.size() + " canar" + (settled.size() == 1 ? "y" : "ies")
                    + " settled on version " + version + "; " + canaries(needed) + " will have soaked " + seconds(staged.soak()) + " at "
                    + promotable, promotable);
        }
        List<CanaryReport> soaked = settled.stream().filter(c -> !now.isBefore(c.postureSince().plus(staged.soak()))).toList();
        return new RolloutDecision.Promote(soaked, "promoted: " + soaked.size() + " canar" + (soaked.size() == 1 ? "y" : "ies") + " ("
                + String.join(", ", soaked.stream().limit(5).map(CanaryReport::label).toList()) + (soaked.size() > 5 ? ", …" : "")
                + ") ran version " + version + " on kernel " + kernel + " settled for at least " + seconds(staged.soak())
                + " without a failed apply, a stuck or forced transition or new taint");
    }

    /** The first halt signal a canary on the rollout's kernel reported since the rollout started. */
    public static Optional<HaltSignal> firstHaltSignal(Rollout rollout, Duration canaryDeadline, List<CanaryReport> canaries) {
        for (CanaryReport c : canaries) {
            Optional<HaltSignal> s = haltSignal(rollout, canaryDeadline, c);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    private static Optional<HaltSignal> haltSignal(Rollout rollout, Duration deadline, CanaryReport c) {
        int version = rollout.version();
        String canaryKernel = c.posture() == null ? null : c.posture().kernel();
        List<CanaryEvent> since = c.events().stream()
                .filter(e -> !e.at().isBefore(rollout.startedAt()) && e.concerns(rollout.kernel(), version, canaryKernel)).toList();
        for (CanaryEvent e : since) {
            switch (e.kind()) {
                case APPLY_FAILED -> {
                    return Optional.of(new HaltSignal.FailedApply(c, version, "failed", e.message()));
                }
                case APPLY_REVERTED -> {
                    return Optional.of(new HaltSignal.FailedApply(c, version, "reverted", e.message()));
                }
                default -> {
                }
            }
        }
        HostPosture p = c.posture();
        if (p != null && p.kernel().equals(rollout.kernel()) && p.loadedVersion() == version && p.transition().equals(HostPosture.IN_PROGRESS)
                && p.transitionSeconds() > deadline.toSeconds()) {
            return Optional.of(new HaltSignal.StuckTransition(c, version, Duration.ofSeconds(p.transitionSeconds()), deadline));
        }
        for (CanaryEvent e : since) {
            if (e.kind() == CanaryEvent.Kind.STUCK_TRANSITION) {
                return Optional.of(new HaltSignal.StuckTransition(c, version, e.elapsed() == null ? deadline : e.elapsed(), deadline));
            }
        }
        for (CanaryEvent e : since) {
            if (e.kind() == CanaryEvent.Kind.APPLY_FORCED) {
                return Optional.of(new HaltSignal.ForcedTransition(c, version, e.message()));
            }
        }
        if (p != null && p.kernel().equals(rollout.kernel()) && p.loadedVersion() == version && p.forced()
                && !c.postureSince().isBefore(rollout.startedAt())) {
            return Optional.of(new HaltSignal.ForcedTransition(c, version, "reported forced"));
        }
        for (CanaryEvent e : since) {
            if (e.kind() == CanaryEvent.Kind.NEW_TAINT) {
                return Optional.of(new HaltSignal.NewTaint(c, version, e.message()));
            }
        }
        return Optional.empty();
    }

    /** Whether the canary runs {@code version} with its transition complete and never forced since boot. */
    static boolean settledOn(CanaryReport c, int version) {
        return c.posture() != null && c.posture().loadedVersion() == version && c.posture().settled();
    }

    private static String canaries(int n) {
        return n + " canar" + (n == 1 ? "y" : "ies");
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }
}
