package org.klp.cli.command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Durations;
import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.UsageException;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.sim.SimulatedKernel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "sim", description = {
        "Creates and drives a simulated host (for demos and tests).",
        "A simulated host is a folder holding the same kernel files as a real one (sys/kernel/livepatch,",
        "proc), driven by a model of the kernel's consistency model; every klp command works on it with --root DIR."},
        subcommands = {SimCommand.Create.class, SimCommand.Task.class, SimCommand.Advance.class, SimCommand.LoadModule.class,
                SimCommand.Insmod.class, SimCommand.MakeModule.class, SimCommand.Reboot.class})
public final class SimCommand extends KlpCommand {

    @Override
    public Integer call() {
        spec.commandLine().usage(out());
        return ExitCode.USAGE;
    }

    static SimulatedKernel simulated(KlpCommand c) {
        return c.host().simulated().orElseThrow(() -> new UsageException("--root " + c.klp().root()
                + " is not a simulated host; make one with: klp sim create DIR --kernel RELEASE"));
    }

    @Command(name = "create", description = "Creates a simulated host in DIR (empty or new): a booted kernel with a few tasks and no live patch.")
    static final class Create extends KlpCommand {
        @Parameters(paramLabel = "DIR")
        Path dir;

        @Option(names = "--kernel", required = true, paramLabel = "RELEASE", description = "The running kernel's release, e.g. 6.1.0-56-amd64.")
        String kernel;

        @Option(names = "--tasks", paramLabel = "N", description = "Extra user tasks (workers) to simulate (default: ${DEFAULT-VALUE}).")
        int tasks = 0;

        @Option(names = "--clock", paramLabel = "wall|manual", description = "wall: time passes; manual: only 'klp sim advance' moves it (default: ${DEFAULT-VALUE}).")
        String clock = "wall";

        @Option(names = "--module", paramLabel = "NAME", description = "An ordinary module to load at boot, such as the target of a live patch (repeatable).")
        List<String> modules = new ArrayList<>();

        @Override
        public Integer call() {
            KernelRelease release;
            try {
                release = KernelRelease.parse(kernel);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--kernel: " + e.getMessage());
            }
            if (!clock.equals("wall") && !clock.equals("manual")) {
                throw new UsageException("--clock must be wall or manual, was '" + clock + "'");
            }
            SimulatedKernel sim = SimulatedKernel.create(dir, new SimulatedKernel.Spec(release, clock.equals("manual"), tasks, modules), klp().clock());
            if (json()) {
                out().print(Json.object().field("root", sim.root().path().toString()).field("kernel", release.uname())
                        .field("tasks", sim.tasks().size()).field("clock", clock).end());
            } else {
                out().println("created a simulated host in " + sim.root().path() + ": kernel " + release + ", " + sim.tasks().size() + " tasks, "
                        + clock + " clock");
                out().println("try: klp --root " + sim.root().path() + " status -v");
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "task", description = "Lists the simulated tasks, or makes one sleep, wake or exit.",
            subcommands = {Task.ListTasks.class, Task.Sleep.class, Task.Wake.class, Task.Exit.class})
    static final class Task extends KlpCommand {
        @Override
        public Integer call() {
            spec.commandLine().usage(out());
            return ExitCode.USAGE;
        }

        @Command(name = "list", description = "Lists every task: pid, kind, where it sleeps, patch state, command.")
        static final class ListTasks extends KlpCommand {
            @Override
            public Integer call() {
                List<SimulatedKernel.TaskView> tasks = simulated(this).tasks();
                if (json()) {
                    Json j = Json.object().startArray("tasks");
                    tasks.forEach(t -> j.startObject().field("pid", t.pid()).field("tid", t.tid()).field("kernelThread", t.kernelThread())
                            .field("comm", t.comm()).field("cmdline", t.cmdline()).field("sleepsIn", t.sleepingIn().isEmpty() ? null : t.sleepingIn())
                            .field("patchState", t.patchState()).endObject());
                    out().print(j.endArray().end());
                    return ExitCode.OK;
                }
                for (SimulatedKernel.TaskView t : tasks) {
                    out().printf("%6d %-8s %-32s %3d %s%n", t.tid(), t.kernelThread() ? "kthread" : "user",
                            t.sleepingIn().isEmpty() ? "(user space)" : t.sleepingIn(), t.patchState(), t.cmdline().isEmpty() ? "[" + t.comm() + "]" : t.cmdline());
                }
                return ExitCode.OK;
            }
        }

        @Command(name = "sleep", description = {"Starts a task sleeping inside a kernel function (or puts --pid to sleep there);",
                "prints its pid. A user task in a patched function blocks a transition until the fake signal;",
                "a kernel thread (--kthread) blocks it until reversed or forced."})
        static final class Sleep extends KlpCommand {
            @Option(names = "--in", required = true, paramLabel = "[OBJECT:]FUNCTION", description = "Where it sleeps, e.g. klp_target:klp_target_wait or vmlinux:pipe_read.")
            String in;

            @Option(names = "--comm", paramLabel = "NAME", description = "Its name (default: ${DEFAULT-VALUE}).")
            String comm = "cat";

            @Option(names = "--cmdline", paramLabel = "CMD", description = "Its command line (default: its name).")
            String cmdline;

            @Option(names = "--kthread", description = "A kernel thread: no switch point, deaf to the fake signal.")
            boolean kthread;

            @Option(names = "--uninterruptible", description = "An uninterruptible sleep (state D): the fake signal does not move it.")
            boolean uninterruptible;

            @Option(names = "--pid", paramLabel = "PID", description = "Put this existing task to sleep instead of starting one "
                    + "(a task asleep there already stays in the same call; only --uninterruptible changes).")
            Integer pid;

            @Override
            public Integer call() {
                int colon = in.indexOf(':');
                String object = colon < 0 ? "vmlinux" : in.substring(0, colon);
                String function = colon < 0 ? in : in.substring(colon + 1);
                try {
                    new PatchedFunction(object, function, 0);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--in: " + e.getMessage());
                }
                SimulatedKernel sim = simulated(this);
                int result;
                if (pid != null) {
                    sim.sleepIn(pid, object, function, !uninterruptible);
                    result = pid;
                } else {
                    result = sim.startSleepingTask(comm, cmdline == null ? comm : cmdline, object, function, kthread, !uninterruptible);
                }
                if (json()) {
                    out().print(Json.object().field("pid", result).field("sleepsIn", object + ":" + function).end());
                } else {
                    out().println(result);
                }
                return ExitCode.OK;
            }
        }

        @Command(name = "wake", description = "The task returns to user space (its read returns; like kill -STOP, kill -CONT).")
        static final class Wake extends KlpCommand {
            @Parameters(paramLabel = "PID")
            int pid;

            @Override
            public Integer call() {
                simulated(this).wake(pid);
                return ExitCode.OK;
            }
        }

        @Command(name = "exit", description = "The task exits.")
        static final class Exit extends KlpCommand {
            @Parameters(paramLabel = "PID")
            int pid;

            @Override
            public Integer call() {
                simulated(this).exit(pid);
                return ExitCode.OK;
            }
        }
    }

    @Command(name = "advance", description = "Moves the simulated clock forward, e.g. 15s: the kernel's fake signal comes after 15 s of transition.")
    static final class Advance extends KlpCommand {
        @Parameters(paramLabel = "DURATION", converter = Durations.class)
        Duration by;

        @Override
        public Integer call() {
            SimulatedKernel sim = simulated(this);
            sim.advance(by);
            if (json()) {
                out().print(Json.object().field("now", sim.now().toString()).end());
            } else {
                out().println("simulated time: " + sim.now());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "modprobe", description = "Loads an ordinary (not live patch) module, such as the target of a live patch.")
    static final class LoadModule extends KlpCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            if (!name.matches("[A-Za-z0-9_]{1,55}")) {
                throw new UsageException("'" + name + "' is not a module name (letters, digits and underscores)");
            }
            simulated(this).loadModule(name);
            return ExitCode.OK;
        }
    }

    @Command(name = "insmod", description = {"Loads a module file as insmod does, without klp: what a boot script or an administrator",
            "does behind klp's back (klp's early-boot hook, for one). A live patch starts its transition."})
    static final class Insmod extends KlpCommand {
        @Parameters(paramLabel = "FILE", description = "A simulated module.")
        Path file;

        @Override
        public Integer call() {
            simulated(this).load(file);
            return ExitCode.OK;
        }
    }

    @Command(name = "make-module", description = {"Writes a simulated live patch module: what a .ko is to a real kernel.",
            "Format: a first line '" + ModuleInfo.SIMULATED_HEADER + "', then key=value lines: name, vermagic,",
            "livepatch=Y, replace=Y|N, state=ID:VERSION (repeatable), function=OBJECT:NAME,SYMPOS (repeatable)."})
    static final class MakeModule extends KlpCommand {
        @Parameters(paramLabel = "FILE", description = "Where to write it (conventionally NAME.ko).")
        Path file;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The module's (and patch's) name.")
        String name;

        @Option(names = "--kernel", required = true, paramLabel = "RELEASE", description = "The kernel release it is built for (its vermagic).")
        String kernel;

        @Option(names = "--function", paramLabel = "OBJECT:NAME[,SYMPOS]", description = "A function it patches (repeatable).")
        List<String> functions = new ArrayList<>();

        @Option(names = "--state", paramLabel = "ID:VERSION", description = "A klp system state it carries (repeatable).")
        List<String> states = new ArrayList<>();

        @Option(names = "--no-replace", description = "Stack on the loaded patches instead of replacing them (atomic replace is the default).")
        boolean noReplace;

        @Override
        public Integer call() {
            StringBuilder sb = new StringBuilder(ModuleInfo.SIMULATED_HEADER).append('\n');
            try {
                KernelRelease release = KernelRelease.parse(kernel);
                if (!name.matches("[A-Za-z0-9_]{1,55}")) {
                    throw new IllegalArgumentException("'" + name + "' is not a module name (letters, digits and underscores)");
                }
                sb.append("name=").append(name).append('\n');
                sb.append("vermagic=").append(release.uname()).append(" SMP preempt mod_unload modversions\n");
                sb.append("livepatch=Y\n").append("replace=").append(noReplace ? "N" : "Y").append('\n');
                for (String s : states) {
                    if (!s.matches("\\d{1,9}:\\d{1,9}")) {
                        throw new IllegalArgumentException("--state '" + s + "' is not ID:VERSION");
                    }
                    sb.append("state=").append(s).append('\n');
                }
                for (String f : functions) {
                    PatchedFunction pf = org.klp.packaging.record.PatchRecordJson.parseFunction(f);
                    sb.append("function=").append(pf.object()).append(':').append(pf.sysfsName()).append('\n');
                }
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            try {
                Path parent = file.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                Files.writeString(file, sb.toString());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
            }
            if (json()) {
                out().print(Json.object().field("file", file.toString()).field("name", name).end());
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "reboot", description = {"Reboots the simulated host, as after a clean reboot or a crash: no live patch is loaded,",
            "every task starts afresh, the boot id is new; the host's files (var/lib/klp, installed packages) stay.",
            "Then run 'klp restore', as klp-restore.service does at boot."})
    static final class Reboot extends KlpCommand {
        @Option(names = "--kernel", paramLabel = "RELEASE", description = "Boot another installed kernel release (default: the same one).")
        String kernel;

        @Option(names = "--cmdline", paramLabel = "OPTIONS", description = "Kernel command-line options for this boot, e.g. klp.skip=1.")
        String cmdline = "";

        @Override
        public Integer call() {
            Optional<KernelRelease> release;
            try {
                release = Optional.ofNullable(kernel).map(KernelRelease::parse);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--kernel: " + e.getMessage());
            }
            SimulatedKernel sim = simulated(this);
            try {
                sim.reboot(release, cmdline);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--cmdline: " + e.getMessage());
            }
            String bootId = host().reader().bootId().orElse("");
            if (json()) {
                out().print(Json.object().field("kernel", sim.release().uname()).field("bootId", bootId).field("cmdline", cmdline).end());
            } else {
                out().println("rebooted into " + sim.release() + " (boot " + bootId + ")" + (cmdline.isBlank() ? "" : " with " + cmdline.strip()));
            }
            return ExitCode.OK;
        }
    }
}
