package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTranscriptTest {

    private static final String RUN = "boot1-cafe";

    @Test
    void eachStepGetsItsOwnStdoutStderrAndExitCodeByteForByte() {
        ConsoleTranscript t = parse(
                "@@KLP:INIT uptime=1.5 kernel=5.14.21-150500.55.49-default",
                "@@KLP:INIT chroot uptime=2.1",
                "@@KLP:BEGIN " + RUN,
                "@@KLP:STEP-BEGIN 0 load 1000000",
                "@@KLP:ERR 0 " + b64("insmod: ERROR: could not insert module x.ko: File exists\n"),
                "@@KLP:STEP-END 0 1 1250000",
                "@@KLP:STEP-BEGIN 1 cmdline 1300000",
                "@@KLP:OUT 1 " + b64("/init\0"),
                "@@KLP:STEP-END 1 0 1300500",
                "@@KLP:END " + RUN);

        assertThat(t.began()).isTrue();
        assertThat(t.ended()).isTrue();
        assertThat(t.steps()).containsExactly(
                new StepResult(0, "load", "", "insmod: ERROR: could not insert module x.ko: File exists\n", 1, Duration.ofMillis(250)),
                new StepResult(1, "cmdline", "/init\0", "", 0, Duration.ofNanos(500_000)));
    }

    @Test
    void outputSpreadOverManyLinesIsJoinedAndKernelLinesBetweenThemAreIgnored() {
        String text = "line\n".repeat(100);
        String encoded = b64(text);
        List<String> lines = new ArrayList<>(List.of("@@KLP:BEGIN " + RUN, "@@KLP:STEP-BEGIN 0 many 0"));
        for (int i = 0; i < encoded.length(); i += 64) {
            lines.add("@@KLP:OUT 0 " + encoded.substring(i, Math.min(encoded.length(), i + 64)));
            lines.add("[   12.345678] livepatch: signaling remaining tasks");
        }
        lines.addAll(List.of("@@KLP:STEP-END 0 0 10", "@@KLP:END " + RUN));

        ConsoleTranscript t = parse(lines.toArray(String[]::new));

        assertThat(t.steps()).singleElement().extracting(StepResult::stdout).isEqualTo(text);
        assertThat(t.panic()).isEmpty();
    }

    @Test
    void aConsoleThatStopsInsideAStepNamesThatStepAndHasNoEnd() {
        ConsoleTranscript t = parse("@@KLP:BEGIN " + RUN, "@@KLP:STEP-BEGIN 0 first 0", "@@KLP:STEP-END 0 0 1",
                "@@KLP:STEP-BEGIN 1 hangs 2", "[   99.000000] Kernel panic - not syncing: Fatal exception");

        assertThat(t.ended()).isFalse();
        assertThat(t.unfinishedStep()).contains("hangs");
        assertThat(t.panic()).contains("[   99.000000] Kernel panic - not syncing: Fatal exception");
        assertThat(t.steps()).extracting(StepResult::name).containsExactly("first");
    }

    @Test
    void markersOfAnotherRunAndInitFailuresAreTold() {
        ConsoleTranscript t = parse("@@KLP:BEGIN boot0-dead", "@@KLP:INIT-FAILED 9p mount of the host's /usr");

        assertThat(t.began()).isFalse();
        assertThat(t.initFailure()).contains("9p mount of the host's /usr");
    }

    private static ConsoleTranscript parse(String... lines) {
        List<ConsoleTranscript.Line> console = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            console.add(new ConsoleTranscript.Line(Duration.ofMillis(i), lines[i]));
        }
        return ConsoleTranscript.parse(console, RUN);
    }

    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
