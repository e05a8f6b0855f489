package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The simulated kernel agrees with the real one: {@link KlpScript} (scenarios 1 to 7, and the bad
 * module the kernel itself refuses) runs on the real kernel in QEMU and on a simulated host, and
 * every klp command prints the same on both, field by field, but for the fields listed in
 * {@link #EXCEPTIONS} and {@link #TEXT_EXCEPTIONS}, which cannot agree: task ids, timings, wall
 * clock times, and the stack frames the simulated kernel does not invent. Where the two disagreed,
 * the simulator or klp was fixed (klp-it/REAL-KERNEL-FINDINGS.md, "Simulator agreement").
 */
@ParameterizedClass(name = "{0}")
@MethodSource("org.klp.it.realkernel.DebianKernel#all")
class SimulatorAgreementOnRealKernelTest {

    /** The kernel line of this run of the class (each line's boots are made once, before its tests). */
    @Parameter
    DebianKernel line;


    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSTANT = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z";

    /** The JSON fields that cannot agree, and why. Everything else must be equal. */
    static final List<JsonAgreement.Rule> EXCEPTIONS = List.of(
            JsonAgreement.Rule.taskIds("/blocking/*/pid", "pids: compared as the task they name (the sleeping cat, the kernel thread)"),
            JsonAgreement.Rule.taskIds("/blocking/*/tid", "thread ids: likewise"),
            JsonAgreement.Rule.taskIds("/blocking/*/advice", "the advice names the task's pid (kill -STOP PID)"),
            JsonAgreement.Rule.ignored("/blocking/*/stack", "the stack: the simulated kernel shows the function a task sleeps in (sleepsIn, "
                    + "which is compared, comes from it) and a made-up path from the system call, not the real callers (sleep_read, "
                    + "spin_fn) nor their offsets"),
            JsonAgreement.Rule.ignored("/transition/seconds", "how long the transition has lasted: wall time on the real kernel, the manual "
                    + "clock, which only klp's own waiting moves, on the simulated host"),
            JsonAgreement.Rule.ignored("/milliseconds", "how long the transition took"),
            JsonAgreement.Rule.ignored("/waitedMilliseconds", "how long klp waited: the timeout plus the real kernel's time to answer"),
            JsonAgreement.Rule.masked("/rebootReason", INSTANT, "names the time of the forced transition"),
            JsonAgreement.Rule.ignored("/events/*/at", "when each event happened"),
            JsonAgreement.Rule.masked("/events/*/message", "\\d+ ms", "says how long an operation took"),
            JsonAgreement.Rule.ignored("/initrd", "whether an initrd was regenerated depends on the host's tools: the guest shares the "
                    + "build machine's /usr (update-initramfs) but has no /boot; a simulated host has neither"),
            JsonAgreement.Rule.ignored("/boot/at", "when the boot's restore ran"));

    /** What cannot agree in text output, by pattern: replaced on both sides before comparing. */
    static final Map<String, String> TEXT_EXCEPTIONS = Map.of(
            INSTANT, "a time: when an operation happened",
            "\\b\\d+ (ms|s)\\b", "a duration: how long a transition took or has lasted",
            "(?m)(^ {8}\\S.*\\n)+", "the stack frames of 'klp blocking -vv' (see /blocking/*/stack)",
            "(?m)^initrd: .*$", "whether an initrd was regenerated (see /initrd)");

    private static KlpGuestRuns.Runs real;
    private static KlpScript.SimRun simulated;
    /** For each klp act, the tasks the script started in its boot: task id → name, on each side (pids start afresh at a boot). */
    private static final Map<String, Map<String, String>> REAL_TASKS = new HashMap<>();
    private static final Map<String, Map<String, String>> SIMULATED_TASKS = new HashMap<>();

    @BeforeParameterizedClassInvocation
    static void runBoth(DebianKernel line) {
        simulated = KlpGuestRuns.simulated(line);
        real = KlpGuestRuns.real(line);
        REAL_TASKS.clear();
        SIMULATED_TASKS.clear();
        Map<String, String> realBoot = new HashMap<>();
        Map<String, String> simulatedBoot = new HashMap<>();
        for (KlpScript.Act act : KlpScript.ACTS) {
            if (act instanceof KlpScript.Reboot) {
                realBoot = new HashMap<>();
                simulatedBoot = new HashMap<>();
            } else if (act instanceof KlpScript.KernelAct k && k.captures().isPresent()) {
                String name = k.captures().get();
                realBoot.put(real.step(k.name()).out(), name);
                simulatedBoot.put(simulated.tasks().get(name), name);
            } else if (act instanceof KlpScript.KlpAct) {
                REAL_TASKS.put(act.name(), realBoot);
                SIMULATED_TASKS.put(act.name(), simulatedBoot);
            }
        }
    }

    /**
     * The files of {@code /sys/kernel/livepatch} agree, and each patch folder has the files of the
     * kernel's version: {@code enabled}, {@code transition}, {@code force} always, {@code replace}
     * from 6.11 on (so on Debian's 6.12, not on its 6.1), {@code stack_order} from 6.14 on (on
     * neither). Absent on one kernel is as expected as present on the other.
     */
    @Test
    void theKernelsLivepatchFilesAgreeAndAreThoseOfItsVersion() {
        KernelVersion version = RealKernelLab.of(line).kernel().version();
        List<String> expected = PatchFolderFiles.of(version);
        String realListing = real.step(KlpScript.LIVEPATCH_LISTING).stdout();
        assertThat(patchFiles(realListing, "klp_patch_v2")).as("the real kernel " + version + "'s files of a patch")
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(simulated.livepatchListing()).as("the simulated host of the same release lists what the real kernel lists")
                .isEqualTo(realListing);
    }

    /** The plain files directly in a patch's folder of a {@code find . | sort} listing: entries with nothing below them. */
    private static List<String> patchFiles(String listing, String patch) {
        List<String> entries = listing.lines().toList();
        String prefix = "./" + patch + "/";
        return entries.stream().filter(e -> e.startsWith(prefix) && !e.substring(prefix.length()).contains("/"))
                .filter(e -> entries.stream().noneMatch(o -> o.startsWith(e + "/")))
                .map(e -> e.substring(prefix.length())).toList();
    }

    @Test
    void everyKlpCommandExitsWithTheSameCodeOnBoth() {
        List<String> differences = new ArrayList<>();
        KlpScript.klpActs().forEach((name, act) -> {
            int r = real.step(name).exitCode();
            int s = simulated.results().get(name).exitCode();
            if (r != s) {
                differences.add(name + " (klp " + String.join(" ", act.args()) + "): exit " + r + " on the real kernel, " + s + " simulated");
            }
        });
        assertThat(differences).as("klp's exit codes, real kernel vs simulated host").isEmpty();
        assertThat(KlpScript.klpActs()).hasSizeGreaterThan(25);
    }

    @Test
    void everyKlpJsonDocumentAgreesFieldByFieldButForTheListedExceptions() {
        List<String> differences = new ArrayList<>();
        int compared = 0;
        for (KlpScript.KlpAct act : KlpScript.klpActs().values()) {
            if (!act.json()) {
                continue;
            }
            JsonAgreement agreement = new JsonAgreement(EXCEPTIONS, REAL_TASKS.get(act.name()), SIMULATED_TASKS.get(act.name()));
            JsonNode r = parse("real kernel", act.name(), real.step(act.name()).stdout());
            JsonNode s = parse("simulated host", act.name(), simulated.results().get(act.name()).stdout());
            agreement.differences(r, s).forEach(d -> differences.add(act.name() + " (klp " + String.join(" ", act.args()) + ") " + d));
            compared++;
        }
        System.out.println("compared " + compared + " JSON documents of klp, real kernel vs simulated host");
        assertThat(differences).as("klp --json, real kernel vs simulated host (exceptions: " + EXCEPTIONS.size() + " listed rules)").isEmpty();
        assertThat(compared).isGreaterThan(15);
    }

    @Test
    void everyKlpTextOutputAgreesButForTheListedExceptions() {
        List<String> differences = new ArrayList<>();
        for (KlpScript.KlpAct act : KlpScript.klpActs().values()) {
            if (act.json()) {
                continue;
            }
            StepResult r = real.step(act.name());
            KlpScript.SimResult s = simulated.results().get(act.name());
            compareText(act, "stdout", r.stdout(), s.stdout(), differences);
            compareText(act, "stderr", r.stderr(), s.stderr(), differences);
        }
        assertThat(differences).as("klp's words, real kernel vs simulated host").isEmpty();
    }

    private static void compareText(KlpScript.KlpAct act, String stream, String real, String simulated, List<String> out) {
        String r = normalize(real, REAL_TASKS.get(act.name()));
        String s = normalize(simulated, SIMULATED_TASKS.get(act.name()));
        if (!r.equals(s)) {
            out.add(act.name() + " (klp " + String.join(" ", act.args()) + ") " + stream + ":\n--- real kernel\n" + r
                    + "--- simulated host\n" + s);
        }
    }

    private static String normalize(String text, Map<String, String> tasks) {
        String t = text;
        for (String pattern : TEXT_EXCEPTIONS.keySet()) {
            t = t.replaceAll(pattern, "<…>");
        }
        // a task id is a number on its own, never a part of a dotted version (the 12 of 6.12.118 is no pid 12)
        Matcher m = Pattern.compile("(?<![\\w.])\\d+(?!\\w|\\.\\d)").matcher(t);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(tasks.containsKey(m.group()) ? "<" + tasks.get(m.group()) + ">" : m.group()));
        }
        return m.appendTail(sb).toString();
    }

    private static JsonNode parse(String side, String step, String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("klp did not print one JSON document on the " + side + " in step " + step + ":\n" + text, e);
        }
    }
}
