package org.klp.it.realkernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A QEMU virtual machine that boots the guest kernel with the harness's initramfs and runs one
 * {@link Scenario} per boot.
 *
 * <p>TCG only ({@code /dev/kvm} is not usable where klp is tested), one CPU, 1 GiB by default;
 * the host's {@code /usr} and {@code /etc} and the test's {@link GuestFolder} are 9p shares
 * ({@code klp_usr}, {@code klp_etc} read-only, {@code klp_work} read-write). QEMU runs under
 * {@code timeout -k 5}, so a hung guest is killed after {@link #timeout()}; the host also stops
 * waiting 30 s after that and kills what it started. The console goes to a log file next to the
 * folder ({@code <folder>.boot<N>.console.log}).
 *
 * <p>Instances are immutable; {@code with...} returns a changed copy.
 */
public final class QemuGuest {

    // no_timer_check: under TCG on a loaded machine the IO-APIC timer check can time out and
    // panic the boot ("IO-APIC + timer doesn't work"); the check proves nothing about live patching.
    private static final String APPEND = "console=ttyS0 panic=-1 quiet loglevel=2 no_timer_check";
    private static final Duration HOST_GRACE = Duration.ofSeconds(30);

    private final GuestKernel kernel;
    private final Path initramfs;
    private final int memoryMiB;
    private final Duration timeout;

    QemuGuest(GuestKernel kernel, Path initramfs, int memoryMiB, Duration timeout) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.initramfs = Objects.requireNonNull(initramfs, "initramfs");
        if (memoryMiB < 256) {
            throw new IllegalArgumentException("A guest that runs java needs at least 256 MiB, not " + memoryMiB);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("A boot needs a positive timeout, not " + timeout);
        }
        this.memoryMiB = memoryMiB;
        this.timeout = timeout;
    }

    public QemuGuest withMemoryMiB(int mib) {
        return new QemuGuest(kernel, initramfs, mib, timeout);
    }

    /** The longest one boot may take, scenario included, before QEMU is killed. */
    public QemuGuest withTimeout(Duration limit) {
        return new QemuGuest(kernel, initramfs, memoryMiB, limit);
    }

    /** The same guest booting another initramfs (e.g. one with klp's early-boot hook, {@link RealKernelLab#guestWithKlpHook}). */
    public QemuGuest withInitramfs(Path image) {
        return new QemuGuest(kernel, image, memoryMiB, timeout);
    }

    public Duration timeout() {
        return timeout;
    }

    public GuestKernel kernel() {
        return kernel;
    }

    /**
     * Boots the guest with the folder shared at {@code /work}, runs the scenario and powers off.
     *
     * @throws GuestFailedException when the boot times out, panics or stops before the scenario's end
     */
    public GuestRun boot(GuestFolder folder, Scenario scenario) {
        return run(folder, scenario, false).run();
    }

    /** The steps a boot finished before its kernel panicked, the console line reporting the panic, and the console log. */
    public record PanickedRun(int boot, List<StepResult> steps, String panic, Optional<String> inStep, Path consoleLog) {
        public StepResult step(String name) {
            return steps.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("No step '" + name + "' finished before the panic; see " + consoleLog));
        }
    }

    /**
     * Boots the guest and runs a scenario that is meant to crash the kernel (its last step triggers
     * a panic; with {@code -no-reboot} QEMU then exits).
     *
     * @throws GuestFailedException when the kernel did not panic, or the boot failed otherwise
     */
    public PanickedRun bootUntilPanic(GuestFolder folder, Scenario scenario) {
        return run(folder, scenario, true).panicked();
    }

    private record Outcome(GuestRun run, PanickedRun panicked) {
    }

    private Outcome run(GuestFolder folder, Scenario scenario, boolean panicExpected) {
        int boot = folder.nextBoot();
        String runId = "boot" + boot + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        writeScenario(folder, scenario, runId);
        Path consoleLog = folder.root().resolveSibling(folder.root().getFileName() + ".boot" + boot + ".console.log");
        Path qemuStderr = folder.root().resolveSibling(folder.root().getFileName() + ".boot" + boot + ".qemu-stderr.log");

        List<ConsoleTranscript.Line> console = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        Process qemu;
        try {
            qemu = new ProcessBuilder(command(folder))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectError(qemuStderr.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start QEMU: " + String.join(" ", command(folder)), e);
        }
        Thread reader = new Thread(() -> readConsole(qemu, start, console, consoleLog), "guest-console-" + boot);
        reader.setDaemon(true);
        reader.start();

        boolean exited = waitFor(qemu, timeout.plus(HOST_GRACE));
        if (!exited) {
            qemu.descendants().forEach(ProcessHandle::destroyForcibly);
            qemu.destroyForcibly();
            waitFor(qemu, Duration.ofSeconds(10));
        }
        join(reader);
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        List<String> lines = console.stream().map(ConsoleTranscript.Line::text).toList();
        ConsoleTranscript transcript = ConsoleTranscript.parse(List.copyOf(console), runId);

        int exit = exited ? qemu.exitValue() : -1;
        String where = "Guest boot " + boot + " of " + folder.root() + " (kernel " + kernel.release() + ")";
        if (!exited || exit == 124 || exit == 137) {
            throw new GuestFailedException(where + " did not finish within " + timeout.toSeconds() + " s and was killed"
                    + transcript.unfinishedStep().map(s -> "; it was in step '" + s + "'").orElse(""), lines, consoleLog);
        }
        if (transcript.initFailure().isPresent()) {
            throw new GuestFailedException(where + ": /init failed: " + transcript.initFailure().get(), lines, consoleLog);
        }
        if (panicExpected) {
            if (transcript.panic().isEmpty()) {
                throw new GuestFailedException(where + " was expected to panic, but did not (QEMU exit code " + exit + ")", lines, consoleLog);
            }
            return new Outcome(null, new PanickedRun(boot, transcript.steps(), transcript.panic().get(), transcript.unfinishedStep(), consoleLog));
        }
        if (transcript.panic().isPresent()) {
            throw new GuestFailedException(where + ": the kernel reported \"" + transcript.panic().get() + "\""
                    + transcript.unfinishedStep().map(s -> " in step '" + s + "'").orElse(""), lines, consoleLog);
        }
        if (!transcript.began()) {
            throw new GuestFailedException(where + " never started the scenario (QEMU exit code " + exit + ")"
                    + qemuErrors(qemuStderr), lines, consoleLog);
        }
        if (!transcript.ended()) {
            throw new GuestFailedException(where + " stopped before the end of the scenario (QEMU exit code " + exit + ")"
                    + transcript.unfinishedStep().map(s -> ", in step '" + s + "'").orElse(""), lines, consoleLog);
        }
        return new Outcome(new GuestRun(boot, folder, transcript.steps(), consoleLog,
                transcript.rootReadyAt().orElse(Duration.ZERO), wall), null);
    }

    /** The command line: {@code timeout -k 5 <s> qemu-system-x86_64 ...}. */
    List<String> command(GuestFolder folder) {
        List<String> cmd = new ArrayList<>(List.of("timeout", "-k", "5", Long.toString(timeout.toSeconds()),
                "qemu-system-x86_64", "-accel", "tcg", "-smp", "1", "-m", memoryMiB + "M",
                "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-no-reboot",
                "-kernel", kernel.vmlinuz().toString(), "-initrd", initramfs.toString(), "-append", APPEND));
        cmd.addAll(share("/usr", "klp_usr", true));
        cmd.addAll(share("/etc", "klp_etc", true));
        cmd.addAll(share(folder.root().toString(), "klp_work", false));
        return cmd;
    }

    private static List<String> share(String path, String tag, boolean readOnly) {
        if (path.contains(",")) {
            throw new IllegalArgumentException("QEMU cannot share a path with a comma: " + path);
        }
        return List.of("-virtfs", "local,path=" + path + ",mount_tag=" + tag + ",security_model=none"
                + (readOnly ? ",readonly=on" : ""));
    }

    private static void writeScenario(GuestFolder folder, Scenario scenario, String runId) {
        try {
            Path klp = folder.hostPath(".klp");
            if (Files.exists(klp)) {
                try (Stream<Path> walk = Files.walk(klp)) {
                    for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(klp.resolve("steps"));
            Files.createDirectories(folder.hostPath("var"));
            Files.createDirectories(folder.hostPath("out"));
            Files.write(klp.resolve("klp-guest.sh"), Initramfs.resource("klp-guest.sh"));
            List<Scenario.Step> steps = scenario.steps();
            for (int i = 0; i < steps.size(); i++) {
                Files.writeString(klp.resolve("steps").resolve(stepFileName(i, steps.get(i))),
                        steps.get(i).script() + "\n", StandardCharsets.UTF_8);
            }
            String run = scenario.runScript(runId, folder.guestPath(".klp/klp-guest.sh"),
                    i -> folder.guestPath(".klp/steps/" + stepFileName(i, steps.get(i))));
            Files.writeString(klp.resolve("run.sh"), run, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the scenario into " + folder.root(), e);
        }
    }

    private static String stepFileName(int index, Scenario.Step step) {
        return String.format("%03d-%s.sh", index, step.name());
    }

    private static void readConsole(Process qemu, long start, List<ConsoleTranscript.Line> console, Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(qemu.getInputStream(), StandardCharsets.ISO_8859_1));
             Writer out = Files.newBufferedWriter(log, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = in.readLine()) != null) {
                String text = line.replace("\r", "");
                console.add(new ConsoleTranscript.Line(Duration.ofNanos(System.nanoTime() - start), text));
                out.write(text);
                out.write('\n');
            }
        } catch (IOException e) {
            console.add(new ConsoleTranscript.Line(Duration.ofNanos(System.nanoTime() - start),
                    "(klp harness: console read failed: " + e + ")"));
        }
    }

    private static String qemuErrors(Path stderr) {
        try {
            String text = Files.readString(stderr, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "" : "; QEMU said: " + text;
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean waitFor(Process p, Duration limit) {
        try {
            return p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("Interrupted while the guest ran", e);
        }
    }

    private static void join(Thread reader) {
        try {
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
