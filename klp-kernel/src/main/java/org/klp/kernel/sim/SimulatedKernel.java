package org.klp.kernel.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.ModuleFormatException;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.HostRoot;
import org.klp.kernel.KernelControl;
import org.klp.kernel.KernelOperationException;
import org.klp.kernel.apply.Waiting;

/**
 * A simulated Linux kernel with live patching, kept in a folder: the model in {@code .klp-sim/},
 * and the files a real kernel shows in {@code sys/kernel/livepatch} and {@code proc}. It loads
 * <em>simulated modules</em> (see {@link ModuleInfo}: {@code name}, {@code vermagic},
 * {@code livepatch=Y}, {@code replace=Y|N}, {@code state=ID:VERSION}, {@code function=OBJECT:NAME,SYMPOS}).
 *
 * <p>A real kernel moves on by itself; this one moves when it is used: every operation, and
 * {@link #settle()} which readers call, first advances the transition to the present of its clock.
 * The clock is either the wall clock (plus an offset {@link #advance} adds), or a manual clock that
 * only {@link #advance} moves, for tests. Operations from several processes are serialized by a
 * file lock.
 */
public final class SimulatedKernel implements KernelControl {

    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final HostRoot root;
    private final SimStore store;
    private final Clock wall;

    private SimulatedKernel(HostRoot root, Clock wall) {
        this.root = root;
        this.store = new SimStore(root.path());
        this.wall = wall;
    }

    public static boolean isSimulated(HostRoot root) {
        return SimStore.isSimulated(root.path());
    }

    /**
     * True when {@link #settle()} would change nothing: the model shows no transition under way, so
     * its files under {@code sys} and {@code proc} already are the present. False when unsure. For
     * readers that answer without opening the kernel (the start-up fast path of {@code klp status}).
     */
    public static boolean isSettled(HostRoot root) {
        return SimStore.isSettled(root.path());
    }

    public static SimulatedKernel open(HostRoot root, Clock wall) {
        if (!isSimulated(root)) {
            throw new IllegalArgumentException(root.path() + " is not a simulated host (no " + SimStore.KERNEL + "); create one with: klp sim create DIR --kernel RELEASE");
        }
        return new SimulatedKernel(root, wall);
    }

    /** What a new simulated host looks like. {@code extraTasks} adds that many sleeping user tasks (workers). */
    public record Spec(KernelRelease release, boolean manualClock, int extraTasks, List<String> modules) {
        public Spec {
            if (extraTasks < 0 || extraTasks > 100_000) {
                throw new IllegalArgumentException("--tasks must be between 0 and 100000, was " + extraTasks);
            }
            modules = List.copyOf(modules);
        }
    }

    /** Creates a simulated host in {@code dir} (which must be empty or absent): a booted kernel, a few tasks, no live patch. */
    public static SimulatedKernel create(Path dir, Spec spec, Clock wall) {
        try {
            Files.createDirectories(dir);
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalArgumentException(dir + " is not empty; a simulated host needs an empty or new folder");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
        SimModel m = new SimModel();
        m.release = spec.release().uname();
        m.bootId = java.util.UUID.randomUUID().toString();
        m.manualClock = spec.manualClock();
        m.clockMillis = spec.manualClock() ? wall.millis() : 0;
        m.tasks = new ArrayList<>();
        m.nextPid = 1;
        addTask(m, SimTask.Kind.USER, "systemd", "/sbin/init", "vmlinux:ep_poll");
        addTask(m, SimTask.Kind.KTHREAD, "kthreadd", "", "vmlinux:kthreadd");
        addTask(m, SimTask.Kind.KTHREAD, "rcu_gp", "", "vmlinux:rescuer_thread");
        addTask(m, SimTask.Kind.KTHREAD, "ksoftirqd/0", "", "vmlinux:smpboot_thread_fn");
        addTask(m, SimTask.Kind.KTHREAD, "migration/0", "", "vmlinux:smpboot_thread_fn");
        addTask(m, SimTask.Kind.KTHREAD, "kworker/0:1-events", "", "vmlinux:worker_thread");
        addTask(m, SimTask.Kind.KTHREAD, "khugepaged", "", "vmlinux:khugepaged");
        addTask(m, SimTask.Kind.USER, "systemd-journal", "/lib/systemd/systemd-journald", "vmlinux:ep_poll");
        addTask(m, SimTask.Kind.USER, "sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "vmlinux:do_select");
        addTask(m, SimTask.Kind.USER, "cron", "/usr/sbin/cron -f", "vmlinux:hrtimer_nanosleep");
        addTask(m, SimTask.Kind.USER, "bash", "-bash", "vmlinux:do_wait");
        for (int i = 0; i < spec.extraTasks(); i++) {
            addTask(m, SimTask.Kind.USER, "worker", "/usr/sbin/worker --id " + i, i % 2 == 0 ? "vmlinux:ep_poll" : null);
        }
        for (String module : spec.modules()) {
            m.loadOrdinaryModule(module, 16384, null);
        }
        SimStore store = new SimStore(dir);
        store.writeTasks(m);
        store.renderTasks(m, true);
        store.renderKernelFiles(m);
        store.writeKernel(m);
        return new SimulatedKernel(new HostRoot(dir.toAbsolutePath().normalize()), wall);
    }

    private static SimTask addTask(SimModel m, SimTask.Kind kind, String comm, String cmdline, String sleepingIn) {
        int pid = m.nextPid++;
        SimTask t = new SimTask(pid, pid, kind, comm, cmdline, sleepingIn);
        t.patchState = m.initialPatchState();
        m.tasks.add(t);
        m.dirtyTasks.add(t.tid);
        m.newTasks.add(t.tid);
        return t;
    }

    public HostRoot root() {
        return root;
    }

    /** The simulated present. */
    public Instant now() {
        return Instant.ofEpochMilli(read(m -> now(m)));
    }

    public KernelRelease release() {
        return KernelRelease.parse(read(m -> m.release));
    }

    /** When the transition under way started, if one is. */
    public Optional<Instant> transitionStarted() {
        return read(m -> Optional.ofNullable(m.transition).map(t -> Instant.ofEpochMilli(t.startedMillis)));
    }

    // ---- KernelControl ------------------------------------------------------------------------

    @Override
    public void load(Path module) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(module);
        } catch (NoSuchFileException e) {
            throw new KernelOperationException("ENOENT", "Cannot load " + module + ": No such file");
        } catch (IOException e) {
            throw new KernelOperationException("EIO", "Cannot load " + module + ": " + e.getMessage(), e);
        }
        ModuleInfo info;
        try {
            info = ModuleInfo.parse(bytes, module.getFileName().toString());
        } catch (ModuleFormatException e) {
            throw new KernelOperationException("ENOEXEC", "Cannot load " + module.getFileName() + ": Invalid module format (" + e.getMessage() + ")", e);
        }
        if (!info.simulated()) {
            throw new KernelOperationException("ENOEXEC", "Cannot load " + module.getFileName()
                    + ": Invalid module format (a simulated kernel loads simulated modules, text files starting '"
                    + ModuleInfo.SIMULATED_HEADER + "')");
        }
        mutate(m -> {
            // as 6.1's check_modinfo() with modversions: only what follows the release must match the
            // kernel's vermagic; a module of another release loads (klp refuses it before loading)
            String kernelMagic = m.release + " " + VERMAGIC_FLAGS + " ";
            String magic = info.vermagic().orElse("");
            if (!flags(magic).equals(flags(kernelMagic))) {
                // a real module's vermagic ends with a space, as the kernel's VERMAGIC_STRING does
                throw SimModel.refused("ENOEXEC", info.name(), module, "Invalid module format", info.name() + ": version magic '"
                        + magic.strip() + " ' should be '" + kernelMagic + "'");
            }
            long size;
            try {
                size = info.value("size").map(Long::parseLong).orElse(Math.max(16384L, bytes.length));
            } catch (NumberFormatException e) {
                throw new KernelOperationException("EINVAL", "Cannot load " + module.getFileName() + ": size=" + info.value("size").orElse("")
                        + " is not a number");
            }
            if (!info.isLivePatch()) {
                m.loadOrdinaryModule(info.name(), size, module);
                return null;
            }
            List<PatchedFunction> functions = new ArrayList<>();
            for (String f : info.values("function")) {
                int colon = f.indexOf(':');
                if (colon <= 0) {
                    throw new KernelOperationException("EINVAL", "Cannot load " + module.getFileName() + ": function=" + f
                            + " is not OBJECT:NAME,SYMPOS");
                }
                try {
                    String rest = f.substring(colon + 1);
                    functions.add(rest.contains(",") ? PatchedFunction.fromSysfs(f.substring(0, colon), rest)
                            : new PatchedFunction(f.substring(0, colon), rest, 0));
                } catch (IllegalArgumentException e) {
                    throw new KernelOperationException("EINVAL", "Cannot load " + module.getFileName() + ": " + e.getMessage(), e);
                }
            }
            List<SimPatch.State> states = new ArrayList<>();
            for (String s : info.values("state")) {
                String[] iv = s.split(":");
                try {
                    states.add(new SimPatch.State(Integer.parseInt(iv[0].strip()), Integer.parseInt(iv[1].strip())));
                } catch (RuntimeException e) {
                    throw new KernelOperationException("EINVAL", "Cannot load " + module.getFileName() + ": state=" + s + " is not ID:VERSION");
                }
            }
            boolean replace = !info.value("replace").map("N"::equals).orElse(false);
            m.loadLivePatch(info.name(), size, replace, functions, states, now(m), module);
            return null;
        });
    }

    @Override
    public void setEnabled(String patch, boolean enabled) {
        mutate(m -> {
            m.setEnabled(patch, enabled, now(m));
            return null;
        });
    }

    @Override
    public void force(String patch) {
        mutate(m -> {
            m.force(patch, now(m));
            return null;
        });
    }

    @Override
    public void unload(String module) {
        mutate(m -> {
            m.unload(module);
            return null;
        });
    }

    @Override
    public void settle() {
        if (read(m -> m.transition == null)) {
            return;
        }
        mutate(m -> null);
    }

    // ---- simulation controls (klp sim …) ------------------------------------------------------

    /** What a task is doing, as {@code klp sim task list} shows it. */
    public record TaskView(int pid, int tid, boolean kernelThread, String comm, String cmdline, String sleepingIn, int patchState) {
    }

    public List<TaskView> tasks() {
        return mutate(m -> m.tasks.stream()
                .map(t -> new TaskView(t.pid, t.tid, t.kind == SimTask.Kind.KTHREAD, t.comm, t.cmdline,
                        t.sleepingIn == null ? "" : t.sleepingIn, t.patchState))
                .toList());
    }

    /**
     * Starts a new task sleeping inside {@code object:function} (a user task in a read, or a kernel
     * thread looping there), as a task of the test module does. Returns its pid.
     */
    public int startSleepingTask(String comm, String cmdline, String object, String function, boolean kernelThread, boolean interruptible) {
        PatchedFunction where = new PatchedFunction(object, function, 0);
        return mutate(m -> {
            SimTask t = addTask(m, kernelThread ? SimTask.Kind.KTHREAD : SimTask.Kind.USER, comm,
                    kernelThread ? "" : cmdline, where.object() + ":" + where.name());
            t.interruptible = interruptible;
            t.runningPatch = m.transition == null ? m.patchRunning(t.sleepingIn) : null;
            return t.pid;
        });
    }

    /**
     * Puts an existing task to sleep in {@code object:function}, interruptibly or not. A task already
     * asleep there stays in the same call (its patch state and code do not change): only whether a
     * signal can end its sleep does.
     */
    public void sleepIn(int pid, String object, String function, boolean interruptible) {
        PatchedFunction where = new PatchedFunction(object, function, 0);
        mutate(m -> {
            SimTask t = m.task(pid);
            t.interruptible = interruptible;
            if ((where.object() + ":" + where.name()).equals(t.sleepingIn)) {
                m.newTasks.add(t.tid);
                return null;
            }
            t.sleepingIn = where.object() + ":" + where.name();
            t.runningPatch = m.transition == null ? m.patchRunning(t.sleepingIn) : null;
            m.newTasks.add(t.tid);
            return null;
        });
    }

    /** The task leaves the kernel and runs in user space (its read returned, {@code kill -STOP}/{@code -CONT}). */
    public void wake(int pid) {
        mutate(m -> {
            SimTask t = m.task(pid);
            if (t.kind == SimTask.Kind.KTHREAD) {
                throw new IllegalArgumentException("Task " + pid + " (" + t.comm + ") is a kernel thread; it has no user space to return to");
            }
            t.sleepingIn = null;
            t.runningPatch = null;
            m.newTasks.add(t.tid);
            return null;
        });
    }

    /** The task exits. */
    public void exit(int pid) {
        mutate(m -> {
            SimTask t = m.task(pid);
            m.tasks.remove(t);
            store.removeTask(t);
            return null;
        });
    }

    /** Moves the simulated clock forward (both clock kinds). */
    public void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("Time only moves forward: " + by);
        }
        mutate(m -> {
            m.clockMillis += by.toMillis();
            return null;
        });
    }

    /** Loads an ordinary (non-live-patch) module such as the target of a live patch. */
    public void loadModule(String name) {
        mutate(m -> {
            m.loadOrdinaryModule(name, 16384, null);
            return null;
        });
    }

    /**
     * How to pass time on this host: sleeping on the wall clock, or moving the manual clock,
     * which makes a 20 s wait for the kernel's fake signal take no real time at all.
     */
    public Waiting waiting() {
        if (!read(m -> m.manualClock)) {
            return Waiting.realTime(wall);
        }
        return new Waiting() {
            @Override
            public Instant now() {
                return SimulatedKernel.this.now();
            }

            @Override
            public void pause(Duration d) {
                advance(d);
            }
        };
    }

    // ---- mechanics ------------------------------------------------------------------------------

    /** What follows the release in the vermagic of this kernel (and of the test modules built for Debian's 6.1). */
    static final String VERMAGIC_FLAGS = "SMP preempt mod_unload modversions";

    private static String flags(String vermagic) {
        String v = vermagic.strip();
        int space = v.indexOf(' ');
        return space < 0 ? "" : v.substring(space + 1).strip();
    }

    private long now(SimModel m) {
        return m.manualClock ? m.clockMillis : wall.millis() + m.clockMillis;
    }

    private <T> T read(Function<SimModel, T> query) {
        return locked(() -> query.apply(store.readKernel()));
    }

    /** Reads the model, runs the kernel forward to now, applies the change, and writes model and files back. */
    private <T> T mutate(Function<SimModel, T> change) {
        return locked(() -> {
            SimModel m = store.readKernel();
            store.readTasks(m);
            String before = describe(m);
            long clockBefore = m.clockMillis;
            int tasksBefore = m.tasks.size();
            m.advance(now(m));
            T result = change.apply(m);
            m.advance(now(m));
            boolean tasksChanged = !m.dirtyTasks.isEmpty() || !m.newTasks.isEmpty() || m.tasks.size() != tasksBefore;
            if (!describe(m).equals(before) || tasksChanged) {
                store.renderTasks(m, false);
                if (tasksChanged) {
                    store.writeTasks(m);
                }
                store.renderKernelFiles(m);
                store.writeKernel(m);
            } else if (m.clockMillis != clockBefore) {
                store.writeKernel(m);
            }
            return result;
        });
    }

    private static String describe(SimModel m) {
        StringBuilder sb = new StringBuilder();
        sb.append(m.taint).append(' ').append(m.nextPid).append(' ');
        m.modules.forEach(x -> sb.append(x.name).append(x.refcount).append(x.forced));
        m.patches.forEach(p -> sb.append(p.name).append(p.enabled));
        if (m.transition != null) {
            sb.append(m.transition.patch).append(m.transition.target).append(m.transition.signalsSent);
        }
        return sb.toString();
    }

    private <T> T locked(java.util.function.Supplier<T> body) {
        ReentrantLock jvmLock = LOCKS.computeIfAbsent(root.path(), p -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel channel = FileChannel.open(root.resolve(SimStore.DIR + "/lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            return body.get();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock the simulated kernel in " + root.path() + ": " + e.getMessage(), e);
        } finally {
            jvmLock.unlock();
        }
    }
}
