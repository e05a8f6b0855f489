package org.klp.it.realkernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The boots of {@link KlpScript} on the real kernel of each {@link DebianKernel} line, and its run
 * on a simulated host of the same release, each done once per JVM and line and shared by the test classes that assert on them (Surefire runs them all in one
 * JVM). Before every boot the initramfs is packed as {@code update-initramfs} would pack it with
 * klp installed ({@link RealKernelLab#guestWithKlpHook}), from the folder's host record at that
 * moment. A failure is kept and thrown again on every later call, so each test class reports it.
 */
final class KlpGuestRuns {

    static final String FOLDER = "klp";

    /**
     * The boots in order, the klp files each one's initramfs held, where the guest's klp jar came
     * from, and how long the boots took in all (host time).
     */
    record Runs(List<GuestRun> boots, List<List<String>> hookFiles, String klpJar, Duration wallTime) {

        /** The step of that name, from whichever boot ran it. */
        StepResult step(String name) {
            for (GuestRun boot : boots) {
                if (boot.steps().stream().anyMatch(s -> s.name().equals(name))) {
                    return boot.step(name);
                }
            }
            throw new AssertionError("No step '" + name + "' in any boot of " + boots.get(0).folder().root());
        }

        /** The boot whose steps include {@code name}. */
        GuestRun bootOf(String name) {
            return boots.stream().filter(b -> b.steps().stream().anyMatch(s -> s.name().equals(name))).findFirst()
                    .orElseThrow(() -> new AssertionError("No step '" + name + "' in any boot"));
        }

        String summary() {
            return boots.stream().map(GuestRun::summary).collect(Collectors.joining("\n"));
        }
    }

    private static final EveryKernelLine<Runs> REAL = new EveryKernelLine<>("klp-script", KlpGuestRuns::boot);
    private static final Map<DebianKernel, Outcome<KlpScript.SimRun>> SIMULATED = new HashMap<>();

    private KlpGuestRuns() {
    }

    /** Every boot of the script on the kernel of that line (both lines' guests run at once: {@link EveryKernelLine}). */
    static Runs real(DebianKernel line) {
        return REAL.get(line);
    }

    private static Runs boot(DebianKernel l) {
        long start = System.nanoTime();
        RealKernelLab lab = RealKernelLab.of(l);
        KlpJar jar = lab.klpJar();
        GuestFolder folder = lab.newFolder(FOLDER);
        folder.put("klp.jar", jar.jar());
        TestPatchRecords.writeInto(folder.root(), lab.kernel().release().uname());
        List<GuestRun> boots = new ArrayList<>();
        List<List<String>> hookFiles = new ArrayList<>();
        for (Scenario scenario : KlpScript.boots()) {
            RealKernelLab.HookedGuest guest = lab.guestWithKlpHook(folder);
            hookFiles.add(guest.klpFiles());
            GuestRun run = guest.guest().boot(folder, scenario);
            System.out.println(run.summary());
            boots.add(run);
        }
        Runs runs = new Runs(List.copyOf(boots), List.copyOf(hookFiles), jar.origin(), Duration.ofNanos(System.nanoTime() - start));
        System.out.println("klp jar in the guest: " + runs.klpJar() + "; " + boots.size() + " boots in " + runs.wallTime().toSeconds() + " s");
        return runs;
    }

    /** The script on a simulated host of that line's kernel release, in this JVM. */
    static synchronized KlpScript.SimRun simulated(DebianKernel line) {
        return SIMULATED.computeIfAbsent(line, l -> Outcome.of(() -> {
                RealKernelLab lab = RealKernelLab.of(l);
                GuestFolder dir = GuestFolder.createEmpty(lab.workDir().resolve("klp-simulated"));
                return KlpScript.runSimulated(dir.root(), lab.kernel().release().uname());
            })).get();
    }

    /** A value, or the failure that prevented it, thrown again on every use. */
    private record Outcome<T>(T value, RuntimeException failure) {
        static <T> Outcome<T> of(Supplier<T> supplier) {
            try {
                return new Outcome<>(supplier.get(), null);
            } catch (RuntimeException e) {
                return new Outcome<>(null, e);
            } catch (AssertionError e) {
                return new Outcome<>(null, new IllegalStateException(e.getMessage(), e));
            }
        }

        T get() {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }
}
