package org.klp.it.realkernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The result of one boot: every step's {@link StepResult}, the folder the guest wrote into, the
 * console log and timings. Only complete runs exist: a boot that timed out, panicked or stopped
 * early is a {@link GuestFailedException} instead.
 */
public final class GuestRun {

    private final int boot;
    private final GuestFolder folder;
    private final List<StepResult> steps;
    private final Path consoleLog;
    private final Duration rootReadyAfter;
    private final Duration wallTime;

    GuestRun(int boot, GuestFolder folder, List<StepResult> steps, Path consoleLog, Duration rootReadyAfter,
             Duration wallTime) {
        this.boot = boot;
        this.folder = folder;
        this.steps = List.copyOf(steps);
        this.consoleLog = consoleLog;
        this.rootReadyAfter = rootReadyAfter;
        this.wallTime = wallTime;
    }

    /**
     * The result of the named step.
     *
     * @throws AssertionError naming the steps there are, when there is no such step
     */
    public StepResult step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("No step '" + name + "' in boot " + boot + " of " + folder.root()
                        + "; steps: " + steps.stream().map(StepResult::name).collect(Collectors.joining(", "))));
    }

    /** Every step, in the order the guest ran them. */
    public List<StepResult> steps() {
        return steps;
    }

    /** The kernel log at the end of the scenario (step {@value Scenario#DMESG}). */
    public String dmesg() {
        return step(Scenario.DMESG).stdout();
    }

    /** Which boot of its folder this was: 1 for the first. */
    public int boot() {
        return boot;
    }

    public GuestFolder folder() {
        return folder;
    }

    /** The whole serial console of this boot, on the host. */
    public Path consoleLog() {
        return consoleLog;
    }

    /** Host time from QEMU's start until /init had the guest root mounted (kernel boot + modules + 9p). */
    public Duration rootReadyAfter() {
        return rootReadyAfter;
    }

    /** Host time from QEMU's start until it exited. */
    public Duration wallTime() {
        return wallTime;
    }

    /** This run and, one line each, every step's exit code and guest time: for test logs. */
    public String summary() {
        return this + steps.stream().map(s -> String.format("%n  %3d %-45s exit %3d %7d ms", s.index(), s.name(), s.exitCode(),
                s.guestTime().toMillis())).collect(Collectors.joining());
    }

    @Override
    public String toString() {
        return "GuestRun[boot " + boot + " of " + folder.root() + ", " + steps.size() + " steps, root ready after "
                + rootReadyAfter.toMillis() + " ms, " + wallTime.toMillis() + " ms in all]";
    }
}
