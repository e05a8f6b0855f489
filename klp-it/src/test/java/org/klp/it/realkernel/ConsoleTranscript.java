package org.klp.it.realkernel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a guest's serial console: the markers {@code /init} and {@code klp-guest.sh} print,
 * between which each step's stdout and stderr travel in base64, one chunk per line. Any other
 * line (kernel messages, QEMU) is ignored, so a kernel line printed between two markers cannot
 * corrupt a step's output. A step whose END marker is missing is absent from the result.
 *
 * <pre>
 * &#64;&#64;KLP:INIT ...                                 /init progress; INIT-FAILED reason
 * &#64;&#64;KLP:BEGIN run                                the scenario starts
 * &#64;&#64;KLP:STEP-BEGIN index name epoch-us
 * &#64;&#64;KLP:OUT index base64 / &#64;&#64;KLP:ERR index base64
 * &#64;&#64;KLP:STEP-END index exit-code epoch-us
 * &#64;&#64;KLP:END run                                  every step ran
 * </pre>
 */
final class ConsoleTranscript {

    static final String PREFIX = "@@KLP:";
    static final String OUT = PREFIX + "OUT ";
    static final String ERR = PREFIX + "ERR ";
    private static final String BEGIN = PREFIX + "BEGIN ";
    private static final String END = PREFIX + "END ";
    private static final String STEP_BEGIN = PREFIX + "STEP-BEGIN ";
    private static final String STEP_END = PREFIX + "STEP-END ";
    private static final String INIT_FAILED = PREFIX + "INIT-FAILED ";
    private static final String CHROOT = PREFIX + "INIT chroot";

    /** A console line and when the host read it, counted from QEMU's start. */
    record Line(Duration at, String text) { }

    private final List<StepResult> steps;
    private final boolean began;
    private final boolean ended;
    private final Optional<String> initFailure;
    private final Optional<String> panic;
    private final Optional<String> unfinishedStep;
    private final Optional<Duration> rootReadyAt;

    private ConsoleTranscript(List<StepResult> steps, boolean began, boolean ended, Optional<String> initFailure,
                              Optional<String> panic, Optional<String> unfinishedStep, Optional<Duration> rootReadyAt) {
        this.steps = List.copyOf(steps);
        this.began = began;
        this.ended = ended;
        this.initFailure = initFailure;
        this.panic = panic;
        this.unfinishedStep = unfinishedStep;
        this.rootReadyAt = rootReadyAt;
    }

    /** Parses the console of the run {@code runId} (markers of other runs are ignored). */
    static ConsoleTranscript parse(List<Line> lines, String runId) {
        Map<Integer, Pending> pending = new LinkedHashMap<>();
        List<StepResult> steps = new ArrayList<>();
        boolean began = false;
        boolean ended = false;
        String initFailure = null;
        String panic = null;
        Duration rootReadyAt = null;
        for (Line line : lines) {
            String text = line.text();
            if (panic == null && (text.contains("Kernel panic") || text.contains("BUG: ") || text.contains("Oops: "))) {
                panic = text.strip();
            }
            if (!text.startsWith(PREFIX)) {
                continue;
            }
            if (text.startsWith(INIT_FAILED)) {
                initFailure = text.substring(INIT_FAILED.length());
            } else if (text.startsWith(CHROOT)) {
                rootReadyAt = line.at();
            } else if (text.equals(BEGIN + runId)) {
                began = true;
            } else if (text.equals(END + runId)) {
                ended = true;
            } else if (began && text.startsWith(STEP_BEGIN)) {
                String[] f = text.substring(STEP_BEGIN.length()).split(" ");
                pending.put(Integer.parseInt(f[0]), new Pending(f[1], Long.parseLong(f[2])));
            } else if (began && (text.startsWith(OUT) || text.startsWith(ERR))) {
                String[] f = text.substring(OUT.length()).split(" ", 2);
                Pending step = pending.get(Integer.parseInt(f[0]));
                if (step != null && f.length == 2) {
                    (text.startsWith(OUT) ? step.out : step.err).append(f[1].strip());
                }
            } else if (began && text.startsWith(STEP_END)) {
                String[] f = text.substring(STEP_END.length()).split(" ");
                int index = Integer.parseInt(f[0]);
                Pending step = pending.remove(index);
                if (step != null) {
                    steps.add(new StepResult(index, step.name, decode(step.out), decode(step.err), Integer.parseInt(f[1]),
                            Duration.ofNanos((Long.parseLong(f[2]) - step.startMicros) * 1000)));
                }
            }
        }
        Optional<String> unfinished = pending.values().stream().map(p -> p.name).findFirst();
        return new ConsoleTranscript(steps, began, ended, Optional.ofNullable(initFailure), Optional.ofNullable(panic),
                unfinished, Optional.ofNullable(rootReadyAt));
    }

    private static String decode(StringBuilder base64) {
        return new String(Base64.getDecoder().decode(base64.toString()), StandardCharsets.UTF_8);
    }

    List<StepResult> steps() {
        return steps;
    }

    boolean began() {
        return began;
    }

    boolean ended() {
        return ended;
    }

    Optional<String> initFailure() {
        return initFailure;
    }

    /** The first console line that reports a kernel panic, BUG or oops. */
    Optional<String> panic() {
        return panic;
    }

    /** The step that began but never ended, if the console stops inside one. */
    Optional<String> unfinishedStep() {
        return unfinishedStep;
    }

    /** When /init had mounted the guest root and was about to run the scenario. */
    Optional<Duration> rootReadyAt() {
        return rootReadyAt;
    }

    private static final class Pending {
        final String name;
        final long startMicros;
        final StringBuilder out = new StringBuilder();
        final StringBuilder err = new StringBuilder();

        Pending(String name, long startMicros) {
            this.name = name;
            this.startMicros = startMicros;
        }
    }
}
