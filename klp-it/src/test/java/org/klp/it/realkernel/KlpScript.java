package org.klp.it.realkernel;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.klp.cli.Klp;

/**
 * klp's real-kernel scenarios as one script of two boots, which runs on a real kernel and, but for
 * the bad modules, on a simulated host alike: the same {@code klp} commands, the same kernel
 * events done each side's way, and, on the real side only, reads of the kernel's own files.
 *
 * <p>First boot: (1) no patch; timings of a bare {@code insmod}; (2) {@code apply} v1 with its
 * package record; (3) upgrade to v2 while a task sleeps in {@code klp_target_wait}, left to the
 * kernel ({@code --on-timeout=wait}) until its fake signal. The host record now names v2. Reboot:
 * (7) klp's early-boot hook in the initramfs loads v2 before the root is mounted. Second boot:
 * (8) bad modules, refused with v2 active; (4) upgrade to v3 blocked by a kernel thread looping in
 * {@code klp_target_loop}: reverted, then forced (the replaced v2 is pinned until the next reboot);
 * (5) downgrade v3 to v1; (6) disable. The reboot comes before the force because the pinned v2
 * could not be loaded again in that boot.
 *
 * <p>On the real kernel each act is a step of a guest boot: klp runs as {@code java -jar
 * /work/klp.jar} (see {@link #SETUP}); a kernel event is shell ({@code cat /proc/klp_target/sleep
 * &}). On the simulated host klp runs in this JVM with {@code --root}, a kernel event is a
 * {@code klp sim} command, and the reboot is a new simulated host with the old one's
 * {@code var/lib/klp}, where what the hook does ({@code insmod} of the recorded module) is done by
 * {@code klp sim insmod}. Paths under {@code /work} name the same files on both sides: the guest
 * folder is {@code /work} in the guest, and a simulated host keeps the simulated modules and the
 * records under its root's {@code work/}.
 */
final class KlpScript {

    /** One act of the script, named like the guest step it becomes (names are unique in the script). */
    sealed interface Act permits KlpAct, KernelAct, GuestAct, Reboot {
        String name();
    }

    /** A klp command, run on both sides; its output is what the agreement test compares. */
    record KlpAct(String name, List<String> args) implements Act {
        boolean json() {
            return args.contains("--json");
        }
    }

    /**
     * A kernel event: {@code shell} in the guest, {@code sim} (arguments of klp, {@code ${VAR}}
     * replaced) on the simulated host, whose trimmed output becomes variable {@code captures}.
     */
    record KernelAct(String name, String shell, List<String> sim, Optional<String> captures) implements Act {
    }

    /** Guest-only shell: reads of the real kernel's own files, and klp given real (ELF) bad modules. */
    record GuestAct(String name, String shell) implements Act {
    }

    /** The end of a boot: the next acts run in the next boot, with the same folder. */
    record Reboot(String name) implements Act {
    }

    static final String LP = "/sys/kernel/livepatch";
    static final String MESSAGE = "cat /proc/klp_target/message";
    static final String KLP_MODULES = "grep '^klp_' /proc/modules | cut -d' ' -f1,3 | sort";
    /** What the kernel shows of live patching: compared before and after the bad modules. */
    static final String KERNEL_VIEW = "ls " + LP + "; grep . " + LP + "/*/enabled " + LP + "/*/transition; " + KLP_MODULES
            + "; cat /proc/sys/kernel/tainted";

    /**
     * How the guest runs the klp jar, set up at the start of every boot. {@code -Xint}: under TCG
     * the JIT costs more than it saves in a run of a second or two (measured: 1.8 s a command
     * interpreted, 2.9 to 3.8 s with C1). A class-data sharing archive of klp's classes, made in the
     * first boot by klp's own training run (as the build makes {@code klp.jsa} for {@code bin/klp}),
     * saves another 0.3 s a command; it stays in the folder for the next boot.
     */
    static final String JAVA = "java -Xint -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xlog:cds=off -Xlog:cds+dynamic=off";
    static final String SETUP = "klp() { " + JAVA + " -XX:SharedArchiveFile=/work/klp.jsa -jar /work/klp.jar \"$@\"; }; "
            + "[ -f /work/klp.jsa ] || " + JAVA + " -XX:ArchiveClassesAtExit=/work/klp.jsa -cp /work/klp.jar org.klp.cli.CdsTraining";

    /**
     * The step that lists every file and folder of {@code /sys/kernel/livepatch} ({@code find . | sort})
     * after the reboot, v2 active: the simulated host lists its own at the same point.
     */
    static final String LIVEPATCH_LISTING = "s7-livepatch";

    /** Bare loads of v1 timed in the first boot. */
    static final int BARE_RUNS = 3;

    /** The bad modules of scenario 8, each refused by klp or by the kernel. */
    static final List<String> BAD_MODULES = List.of(TestModules.BAD_RELEASE, TestModules.BAD_VERMAGIC, TestModules.PLAIN,
            TestModules.TRUNCATED);
    /** What {@link TestModules#BAD_VERMAGIC} is to the simulated kernel: v1 with the vermagic's flags changed. */
    static final String SIMULATED_BAD_VERMAGIC = """
            #klp-simulated-module 1
            name=klp_patch_v1
            vermagic=%s SMP PREEMPT mod_unload modversions
            livepatch=Y
            replace=Y
            state=1:1
            function=klp_target:klp_target_message,0
            """;

    static final List<Act> ACTS = acts();

    private static List<Act> acts() {
        List<Act> a = List.of(
                guest("b1-setup", SETUP),
                // 1. no patch
                kernel("s1-insmod-target", "insmod /work/modules/klp_target.ko", List.of("sim", "modprobe", "klp_target")),
                guest("s1-livepatch", "ls -A " + LP),
                guest("s1-taint", "cat /proc/sys/kernel/tainted"),
                klp("s1-status", "status"),
                klp("s1-status-json", "status", "--json"),
                klp("s1-patches", "patches"),
                klp("s1-patches-json", "patches", "--json"),
                klp("s1-uname", "uname", "-r"),
                guest("s1-uname-plain", "uname -r"),
                // insmod and polling transition, as a script without klp would apply v1; undone by hand
                guest("perf-bare-insmod", "for i in $(seq " + BARE_RUNS + "); do klp_us a; insmod " + module(1) + " || break; klp_wait_for "
                        + LP + "/klp_patch_v1/transition 0 30 > /dev/null || break; klp_us b; echo $(( (b - a) / 1000 )); echo 0 > " + LP
                        + "/klp_patch_v1/enabled; klp_wait_gone " + LP + "/klp_patch_v1 30 > /dev/null; rmmod klp_patch_v1; done"),
                // 2. v1 with its package record; nothing blocks
                klp("s2-apply-v1", "apply", module(1), "--record", TestPatchRecords.guestPath(1), "--json"),
                guest("s2-livepatch", "cd " + LP + " && grep . */enabled */transition; cd /"),
                guest("s2-message", MESSAGE),
                guest("s2-taint", "cat /proc/sys/kernel/tainted"),
                klp("s2-patches-v", "-v", "patches"),
                klp("s2-patches-json", "patches", "--json"),
                klp("s2-status-json", "status", "--json"),
                // the effective kernel release: the running one and the live patch version in force; uname itself is unchanged
                klp("s2-uname", "uname", "-r"),
                guest("s2-uname-plain", "uname -r"),
                // 3. v2 while a task sleeps in klp_target_wait, a function v2 patches. The sleeper is held
                // deaf to signals while klp looks at the blocked transition (however slow the guest), then
                // let go inside the same call: the kernel's next fake signal moves it.
                kernel("s3-start-sleeper", "echo hold > /proc/klp_target/sleep; cat /proc/klp_target/sleep > /tmp/sleeper.out 2>&1 & "
                                + "SLEEPER=$!; klp_nap 0.5; echo $SLEEPER",
                        List.of("sim", "task", "sleep", "--in", "klp_target:klp_target_wait", "--comm", "cat", "--uninterruptible",
                                "--cmdline", "cat /proc/klp_target/sleep"), "SLEEPER"),
                klp("s3-apply-v2", "apply", module(2), "--record", TestPatchRecords.guestPath(2), "--on-timeout=wait", "--timeout", "2",
                        "--json"),
                klp("s3-status", "status"),
                klp("s3-blocking", "blocking"),
                klp("s3-blocking-vv", "-vv", "blocking"),
                klp("s3-blocking-json", "blocking", "--json"),
                klp("s3-uname-in-transition", "uname", "-r"),
                guest("s3-still-in-transition", "cd " + LP + " && grep . */enabled */transition; cd /"),
                guest("s3-sleeper-patch-state", "cat /proc/$SLEEPER/patch_state"),
                kernel("s3-let-go", "echo let-go > /proc/klp_target/sleep",
                        List.of("sim", "task", "sleep", "--pid", "${SLEEPER}", "--in", "klp_target:klp_target_wait")),
                kernel("s3-fake-signal", "klp_wait_for " + LP + "/klp_patch_v2/transition 0 45", List.of("sim", "advance", "15s")),
                klp("s3-status-after", "status"),
                klp("s3-status-after-json", "status", "--json"),
                klp("s3-uname-after", "uname", "-r"),
                guest("s3-message", MESSAGE),
                kernel("s3-release-sleeper", "echo 1 > /proc/klp_target/sleep; wait $SLEEPER; cat /tmp/sleeper.out",
                        List.of("sim", "task", "exit", "${SLEEPER}")),
                guest("b1-state", "cat /var/lib/klp/state"),
                // a clean shutdown: klp-restore.service's stop trusts the patch new in this boot
                klp("b1-shutdown", "restore", "--stable", "--now"),
                // 7. the host record names v2; klp's hook in the initramfs loads it before the root is mounted
                new Reboot("reboot"),
                guest("b2-setup", SETUP),
                guest("s7-restored-early", "cat /run/klp/restored-early"),
                guest(LIVEPATCH_LISTING, "cd " + LP + " && find . | sort; cd /"),
                guest("s7-values", "cd " + LP + " && grep . */enabled */transition */klp_target/patched; cd /"),
                guest("s7-taint", "cat /proc/sys/kernel/tainted"),
                klp("s7-status", "status"),
                klp("s7-status-json", "status", "--json"),
                klp("s7-patches-v", "-v", "patches"),
                kernel("s7-insmod-target", "insmod /work/modules/klp_target.ko", List.of("sim", "modprobe", "klp_target")),
                guest("s7-patched-after-target", "cat " + LP + "/klp_patch_v2/klp_target/patched"),
                guest("s7-message", MESSAGE),
                klp("s7-restore", "restore"),
                // 8. bad modules while v2 is active: klp refuses three itself; the kernel refuses the fourth, a
                // vermagic with other flags, which the simulated host is given as a simulated module
                guest("s8-before", KERNEL_VIEW),
                guest(badStep(TestModules.BAD_RELEASE), "klp apply /work/modules/" + TestModules.BAD_RELEASE),
                klp(badStep(TestModules.BAD_VERMAGIC), "apply", "/work/modules/" + TestModules.BAD_VERMAGIC),
                guest("s8-bad-vermagic-dmesg", "dmesg | grep 'version magic' | tail -n 1"),
                guest(badStep(TestModules.PLAIN), "klp apply /work/modules/" + TestModules.PLAIN),
                guest(badStep(TestModules.TRUNCATED), "klp apply /work/modules/" + TestModules.TRUNCATED),
                guest("s8-truncated-json", "klp apply /work/modules/" + TestModules.TRUNCATED + " --json"),
                guest("s8-after", KERNEL_VIEW),
                klp("s8-status-json", "status", "--json"),
                // 4. v3 blocked by a kernel thread that never leaves klp_target_loop: reverted, then forced
                kernel("s4-start-spinner", "echo 1 > /proc/klp_target/spin; klp_nap 0.3; SPIN=$(pgrep -x klp_target_spin); echo $SPIN",
                        List.of("sim", "task", "sleep", "--in", "klp_target:klp_target_loop", "--kthread", "--comm", "klp_target_spin"),
                        "SPIN"),
                klp("s4-apply-v3-revert", "apply", module(3), "--record", TestPatchRecords.guestPath(3), "--timeout", "5",
                        "--on-timeout=revert"),
                guest("s4-reverted-livepatch", "ls " + LP),
                guest("s4-reverted-modules", KLP_MODULES),
                guest("s4-reverted-cmdline", "cat /proc/cmdline"),
                klp("s4-status-json", "status", "--json"),
                klp("s4-apply-v3-force", "apply", module(3), "--record", TestPatchRecords.guestPath(3), "--timeout", "5",
                        "--on-timeout=force", "--json"),
                guest("s4-forced-livepatch", "ls " + LP),
                guest("s4-forced-modules", KLP_MODULES),
                guest("s4-forced-cmdline", "cat /proc/cmdline"),
                guest("s4-forced-spinner-stack", "cat /proc/$SPIN/stack"),
                klp("s4-status-v", "-v", "status"),
                klp("s4-status-forced-json", "status", "--json"),
                klp("s4-uname-forced", "uname", "-r"),
                kernel("s4-stop-spinner", "echo 0 > /proc/klp_target/spin; cat /proc/klp_target/spin",
                        List.of("sim", "task", "exit", "${SPIN}")),
                // 5. downgrade v3 -> v1 (the klp state versions are equal, so the kernel allows it)
                klp("s5-downgrade", "downgrade", "-n", module(1)),
                guest("s5-cmdline", "cat /proc/cmdline"),
                guest("s5-message", MESSAGE),
                guest("s5-modules", KLP_MODULES),
                klp("s5-patches-json", "patches", "--json"),
                // 6. disable; the module the forced transition pinned stays
                klp("s6-disable", "disable", "--json"),
                guest("s6-livepatch", "ls -A " + LP),
                guest("s6-message", MESSAGE),
                guest("s6-modules", KLP_MODULES),
                klp("s6-status-json", "status", "--json"),
                klp("s6-apply-pinned-v2", "apply", module(2)),
                klp("s6-history-json", "history", "--json"));
        Set<String> names = new HashSet<>();
        a.forEach(act -> {
            if (!names.add(act.name())) {
                throw new IllegalStateException("Act name used twice in the script: " + act.name());
            }
        });
        return List.copyOf(a);
    }

    private KlpScript() {
    }

    /** {@code /work/modules/klp_patch_vN.ko}. */
    static String module(int version) {
        return GuestFolder.MOUNT_POINT + "/modules/" + TestModules.patch(version);
    }

    /** The step of scenario 8 that applies a bad module: {@code s8-klp-bad-release} and so on. */
    static String badStep(String module) {
        return "s8-" + module.replace(".ko", "").replace('_', '-');
    }

    /** The klp acts, by name. */
    static Map<String, KlpAct> klpActs() {
        Map<String, KlpAct> acts = new LinkedHashMap<>();
        ACTS.stream().filter(a -> a instanceof KlpAct).map(a -> (KlpAct) a).forEach(a -> acts.put(a.name(), a));
        return acts;
    }

    /** The guest scenario of each boot, in order: the acts between reboots. */
    static List<Scenario> boots() {
        List<Scenario> boots = new ArrayList<>();
        Scenario.Builder scenario = Scenario.builder();
        for (Act act : ACTS) {
            if (act instanceof KlpAct k) {
                scenario.step(k.name(), "klp " + String.join(" ", k.args().stream().map(KlpScript::quote).toList()));
            } else if (act instanceof KernelAct k) {
                scenario.step(k.name(), k.shell());
            } else if (act instanceof GuestAct g) {
                scenario.step(g.name(), g.shell());
            } else {
                boots.add(scenario.build());
                scenario = Scenario.builder();
            }
        }
        boots.add(scenario.build());
        return boots;
    }

    /** What one klp act printed on the simulated host, with the host's root shown as {@code /}. */
    record SimResult(String name, int exitCode, String stdout, String stderr) {
    }

    /**
     * The klp acts' results on the simulated host, the pids its kernel events gave their tasks, and
     * its {@code /sys/kernel/livepatch} at {@link #LIVEPATCH_LISTING}, as {@code find . | sort} prints it.
     */
    record SimRun(Map<String, SimResult> results, Map<String, String> tasks, String livepatchListing) {
    }

    /**
     * Runs the script on a simulated host in {@code dir} (manual clock, the guest's kernel release,
     * the test patches as simulated modules with the real ones' names, functions and klp state, the
     * same package records) and returns the result of every klp act, by name.
     *
     * @throws AssertionError when setting up the host or a kernel event fails
     */
    static SimRun runSimulated(Path dir, String kernel) {
        Path root = newHost(dir.resolve("boot1"), kernel);
        for (int v = 1; v <= 3; v++) {
            List<String> make = new ArrayList<>(List.of("sim", "make-module", root + module(v), "--name", "klp_patch_v" + v,
                    "--kernel", kernel, "--state", "1:1"));
            TestPatchRecords.functions(v).forEach(f -> make.addAll(List.of("--function", f)));
            must(run(make.toArray(String[]::new)), "sim make-module v" + v);
        }
        TestPatchRecords.writeInto(root.resolve("work"), kernel);
        try {
            Files.writeString(root.resolve("work/modules/" + TestModules.BAD_VERMAGIC), SIMULATED_BAD_VERMAGIC.formatted(kernel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> roots = new ArrayList<>(List.of(root.toString()));
        Map<String, String> vars = new HashMap<>();
        Map<String, SimResult> results = new LinkedHashMap<>();
        String listing = null;
        int boot = 1;
        for (Act act : ACTS) {
            String r = root.toString();
            if (act instanceof KlpAct k) {
                List<String> args = new ArrayList<>(List.of("--root", r));
                k.args().forEach(a -> args.add(a.startsWith(GuestFolder.MOUNT_POINT + "/") ? r + a : a));
                SimResult raw = run(args.toArray(String[]::new));
                results.put(k.name(), new SimResult(k.name(), raw.exitCode(), asRoot(raw.stdout(), roots), asRoot(raw.stderr(), roots)));
            } else if (act instanceof KernelAct k) {
                List<String> args = new ArrayList<>(List.of("--root", r));
                k.sim().forEach(a -> args.add(substitute(a, vars)));
                SimResult done = must(run(args.toArray(String[]::new)), k.name());
                k.captures().ifPresent(v -> vars.put(v, done.stdout().strip()));
            } else if (act instanceof Reboot) {
                root = reboot(root, dir.resolve("boot" + ++boot), kernel);
                roots.add(root.toString());
            } else if (act.name().equals(LIVEPATCH_LISTING)) {
                listing = findSorted(root.resolve(LP.substring(1)));
            }
        }
        return new SimRun(results, vars, listing);
    }

    /** Output of the simulated host with the paths of its roots (one per boot) shown as on a real host: {@code /work/…}. */
    private static String asRoot(String output, List<String> roots) {
        String out = output;
        for (String r : roots) {
            out = out.replace(r, "");
        }
        return out;
    }

    private static Path newHost(Path root, String kernel) {
        must(run("sim", "create", root.toString(), "--kernel", kernel, "--clock", "manual"), "sim create");
        return root;
    }

    /**
     * A new simulated host (a new boot) with the old one's {@code var/lib/klp} and {@code work/},
     * where the recorded patch is loaded as klp's early-boot hook loads it: {@code insmod} of the
     * module the record names, when the record is for this kernel.
     */
    private static Path reboot(Path old, Path root, String kernel) {
        newHost(root, kernel);
        copyTree(old.resolve("var/lib/klp"), root.resolve("var/lib/klp"));
        copyTree(old.resolve("work"), root.resolve("work"));
        Map<String, String> state = new HashMap<>();
        try {
            Files.readAllLines(root.resolve("var/lib/klp/state")).stream().filter(l -> l.indexOf('=') > 0)
                    .forEach(l -> state.putIfAbsent(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (kernel.equals(state.get("active.kernel")) && state.containsKey("active.module")) {
            must(run("--root", root.toString(), "sim", "insmod", root.resolve(state.get("active.module")).toString()),
                    "the early-boot hook's insmod");
            try {
                // and says so where klp restore looks, in /run (a tmpfs: new at every boot)
                Files.createDirectories(root.resolve("run/klp"));
                Files.writeString(root.resolve("run/klp/restored-early"), state.get("active.patch") + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    /** What {@code cd DIR && find . | sort} prints in the C locale. */
    static String findSorted(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(p -> p.equals(dir) ? "." : "./" + dir.relativize(p)).sorted()
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy " + from + " to " + to, e);
        }
    }

    private static SimResult run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(args, new PrintWriter(out), new PrintWriter(err));
        return new SimResult(String.join(" ", args), code, out.toString(), err.toString());
    }

    private static SimResult must(SimResult r, String what) {
        if (r.exitCode() != 0) {
            throw new AssertionError("On the simulated host, " + what + " failed with exit code " + r.exitCode() + ": "
                    + r.stderr().strip() + " (klp " + r.name() + ")");
        }
        return r;
    }

    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Z_]+)}");

    private static String substitute(String arg, Map<String, String> vars) {
        Matcher m = VAR.matcher(arg);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = vars.get(m.group(1));
            if (value == null) {
                throw new IllegalStateException("No value for ${" + m.group(1) + "} yet in the simulated script");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        return m.appendTail(sb).toString();
    }

    /** The argument quoted for bash when it has characters bash would interpret. */
    static String quote(String arg) {
        return arg.matches("[A-Za-z0-9_./=:,+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    private static Act klp(String name, String... args) {
        return new KlpAct(name, List.of(args));
    }

    private static Act kernel(String name, String shell, List<String> sim) {
        return new KernelAct(name, shell, sim, Optional.empty());
    }

    private static Act kernel(String name, String shell, List<String> sim, String captures) {
        return new KernelAct(name, shell, sim, Optional.of(captures));
    }

    private static Act guest(String name, String shell) {
        return new GuestAct(name, shell);
    }
}
