package org.klp.kernel.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.KernelStateException;
import org.klp.kernel.LivepatchReader;
import org.klp.kernel.files.AtomicFileWriter;

/**
 * Keeps a simulated kernel on disk: its model in {@code .klp-sim/} (the part a real kernel keeps
 * in memory) and the files a real kernel would show, written where a real host has them
 * ({@code sys/kernel/livepatch}, {@code proc/<pid>/…}), so the very same reader serves both.
 * Every file is replaced atomically ({@link AtomicFileWriter}) so a concurrent reader never sees half a value.
 */
final class SimStore {

    static final String DIR = ".klp-sim";
    static final String KERNEL = DIR + "/kernel";
    static final String TASKS = DIR + "/tasks";
    private static final String HEADER = "klp-sim 1";

    private final Path root;
    private AtomicFileWriter writer;

    SimStore(Path root) {
        this.root = root;
    }

    static boolean isSimulated(Path root) {
        return Files.isRegularFile(root.resolve(KERNEL));
    }

    /**
     * Whether the model on disk parses and has no transition under way: {@link SimulatedKernel#settle()}
     * would change nothing. Read without the lock (the file is replaced atomically); false when it
     * cannot be read or parsed, so the caller takes the path that reports why.
     */
    static boolean isSettled(Path root) {
        try {
            return new SimStore(root).readKernel().transition == null;
        } catch (RuntimeException e) {
            return false;
        }
    }

    // ---- model -------------------------------------------------------------------------------

    SimModel readKernel() {
        Path file = root.resolve(KERNEL);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new KernelStateException("Cannot read the simulated kernel's state " + file + ": " + e.getMessage(), e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new KernelStateException(file + " is not a simulated kernel's state (expected first line '" + HEADER + "')");
        }
        SimModel m = new SimModel();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(" ");
            try {
                switch (f[0]) {
                    case "release" -> m.release = f[1];
                    case "bootid" -> m.bootId = f[1];
                    case "clock" -> {
                        m.manualClock = f[1].equals("manual");
                        m.clockMillis = Long.parseLong(f[2]);
                    }
                    case "taint" -> m.taint = Long.parseLong(f[1]);
                    case "nextpid" -> m.nextPid = Integer.parseInt(f[1]);
                    case "module" -> {
                        SimModule mod = new SimModule(f[1], Long.parseLong(f[2]), f[3].equals("1"));
                        mod.refcount = Integer.parseInt(f[4]);
                        mod.forced = f[5].equals("1");
                        m.modules.add(mod);
                    }
                    case "patch" -> {
                        List<SimPatch.State> states = new ArrayList<>();
                        for (String s : list(f[4])) {
                            String[] iv = s.split(":");
                            states.add(new SimPatch.State(Integer.parseInt(iv[0]), Integer.parseInt(iv[1])));
                        }
                        List<PatchedFunction> functions = new ArrayList<>();
                        for (String s : list(f[5])) {
                            int colon = s.indexOf(':');
                            functions.add(PatchedFunction.fromSysfs(s.substring(0, colon), s.substring(colon + 1)));
                        }
                        SimPatch p = new SimPatch(f[1], f[3].equals("1"), functions, states);
                        p.enabled = f[2].equals("1");
                        m.patches.add(p);
                    }
                    case "transition" -> {
                        SimTransition t = new SimTransition(f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]));
                        t.signalBaseMillis = Long.parseLong(f[4]);
                        t.signalsSent = f[5].equals("1");
                        m.transition = t;
                    }
                    default -> throw new IllegalArgumentException("unknown entry " + f[0]);
                }
            } catch (RuntimeException e) {
                throw new KernelStateException(file + " line " + (n + 1) + " is damaged: '" + line + "' (" + e.getMessage() + ")", e);
            }
        }
        if (m.release == null) {
            throw new KernelStateException(file + " names no kernel release");
        }
        return m;
    }

    private static List<String> list(String field) {
        String v = field.substring(field.indexOf('=') + 1);
        return v.isEmpty() ? List.of() : List.of(v.split(";"));
    }

    void readTasks(SimModel m) {
        Path file = root.resolve(TASKS);
        List<SimTask> tasks = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            int[] n = {0};
            lines.forEach(line -> {
                n[0]++;
                if (line.isBlank()) {
                    return;
                }
                String[] f = line.split(" ");
                try {
                    SimTask t = new SimTask(Integer.parseInt(f[0]), Integer.parseInt(f[1]),
                            f[2].equals("K") ? SimTask.Kind.KTHREAD : SimTask.Kind.USER,
                            decode(f[6]), decode(f[7]), f[5].equals("-") ? null : f[5]);
                    t.patchState = Integer.parseInt(f[3]);
                    t.interruptible = f[4].equals("1");
                    t.runningPatch = f.length > 8 && !f[8].equals("-") ? f[8] : null;
                    tasks.add(t);
                } catch (RuntimeException e) {
                    throw new KernelStateException(file + " line " + n[0] + " is damaged: '" + line + "'", e);
                }
            });
        } catch (NoSuchFileException e) {
            // a host without tasks
        } catch (IOException e) {
            throw new KernelStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        m.tasks = tasks;
    }

    void writeKernel(SimModel m) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("release ").append(m.release).append('\n');
        if (m.bootId != null) {
            sb.append("bootid ").append(m.bootId).append('\n');
        }
        sb.append("clock ").append(m.manualClock ? "manual " : "wall ").append(m.clockMillis).append('\n');
        sb.append("taint ").append(m.taint).append('\n');
        sb.append("nextpid ").append(m.nextPid).append('\n');
        for (SimModule mod : m.modules) {
            sb.append("module ").append(mod.name).append(' ').append(mod.size).append(' ').append(mod.livePatch ? 1 : 0)
                    .append(' ').append(mod.refcount).append(' ').append(mod.forced ? 1 : 0).append('\n');
        }
        for (SimPatch p : m.patches) {
            sb.append("patch ").append(p.name).append(' ').append(p.enabled ? 1 : 0).append(' ').append(p.replace ? 1 : 0)
                    .append(" states=").append(String.join(";", p.states.stream().map(s -> s.id() + ":" + s.version()).toList()))
                    .append(" functions=").append(String.join(";", p.functions.stream().map(f -> f.object() + ":" + f.sysfsName()).toList()))
                    .append('\n');
        }
        if (m.transition != null) {
            SimTransition t = m.transition;
            sb.append("transition ").append(t.patch).append(' ').append(t.target).append(' ').append(t.startedMillis)
                    .append(' ').append(t.signalBaseMillis).append(' ').append(t.signalsSent ? 1 : 0).append('\n');
        }
        writeModel(root.resolve(KERNEL), sb.toString());
    }

    void writeTasks(SimModel m) {
        StringBuilder sb = new StringBuilder();
        for (SimTask t : m.tasks) {
            sb.append(t.pid).append(' ').append(t.tid).append(' ').append(t.kind == SimTask.Kind.KTHREAD ? 'K' : 'U')
                    .append(' ').append(t.patchState).append(' ').append(t.interruptible ? 1 : 0)
                    .append(' ').append(t.sleepingIn == null ? "-" : t.sleepingIn)
                    .append(' ').append(encode(t.comm)).append(' ').append(encode(t.cmdline))
                    .append(' ').append(t.runningPatch == null ? "-" : t.runningPatch).append('\n');
        }
        writeModel(root.resolve(TASKS), sb.toString());
    }

    private static String encode(String s) {
        return s.isEmpty() ? "%" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return s.equals("%") ? "" : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    // ---- the files a real kernel shows -------------------------------------------------------

    void renderKernelFiles(SimModel m) {
        write(root.resolve(LivepatchReader.OSRELEASE), m.release + "\n");
        if (m.bootId != null) {
            write(root.resolve(LivepatchReader.BOOT_ID), m.bootId + "\n");
        }
        write(root.resolve(LivepatchReader.TAINTED), m.taint + "\n");
        StringBuilder modules = new StringBuilder();
        long address = 0xffffffffc0a00000L;
        for (int i = m.modules.size() - 1; i >= 0; i--) {
            SimModule mod = m.modules.get(i);
            String taint = mod.livePatch ? "OEK" : "OE";
            modules.append(mod.name).append(' ').append(mod.size).append(' ').append(mod.refcount).append(" - Live 0x")
                    .append(Long.toHexString(address + i * 0x10000L)).append(" (").append(taint).append(")\n");
        }
        write(root.resolve(LivepatchReader.MODULES), modules.toString());
        Path sysModule = root.resolve("sys/module");
        Set<String> loaded = new HashSet<>();
        for (SimModule mod : m.modules) {
            loaded.add(mod.name);
            write(sysModule.resolve(mod.name).resolve("refcnt"), mod.refcount + "\n");
        }
        removeChildrenExcept(sysModule, loaded);
        renderLivepatch(m);
    }

    /**
     * The files of a patch's folder that depend on the kernel's version, as
     * Documentation/ABI/testing/sysfs-kernel-livepatch dates them: {@code replace} from 6.11 on,
     * {@code stack_order} from 6.14 on. A simulated 6.1 shows neither, a simulated 6.12 {@code replace}.
     */
    static Set<String> versionedPatchFiles(String release) {
        String[] parts = KernelRelease.parse(release).version().split("\\.");
        int major = Integer.parseInt(parts[0]);
        int minor = Integer.parseInt(parts[1]);
        Set<String> files = new HashSet<>();
        if (major > 6 || major == 6 && minor >= 11) {
            files.add("replace");
        }
        if (major > 6 || major == 6 && minor >= 14) {
            files.add("stack_order");
        }
        return files;
    }

    private void renderLivepatch(SimModel m) {
        Path livepatch = root.resolve(LivepatchReader.LIVEPATCH);
        Set<String> present = new HashSet<>();
        Set<String> versioned = versionedPatchFiles(m.release);
        int stackOrder = 0;
        for (SimPatch p : m.patches) {
            stackOrder++;
            present.add(p.name);
            Path dir = livepatch.resolve(p.name);
            boolean inTransition = m.transition != null && m.transition.patch.equals(p.name);
            write(dir.resolve("enabled"), (p.enabled ? "1" : "0") + "\n");
            write(dir.resolve("transition"), (inTransition ? "1" : "0") + "\n");
            if (versioned.contains("replace")) {
                write(dir.resolve("replace"), (p.replace ? "1" : "0") + "\n");
            }
            if (versioned.contains("stack_order")) {
                write(dir.resolve("stack_order"), stackOrder + "\n"); // 1 for the oldest patch on the stack
            }
            Path force = dir.resolve("force");
            if (!Files.exists(force)) {
                write(force, "");
                PosixFileAttributeView view = Files.getFileAttributeView(force, PosixFileAttributeView.class);
                if (view != null) {
                    try {
                        view.setPermissions(PosixFilePermissions.fromString("-w-------")); // write-only, as the kernel's
                    } catch (IOException e) {
                        // the mode is cosmetic: readers never read force
                    }
                }
            }
            Set<String> objects = new HashSet<>();
            for (String object : p.objects()) {
                objects.add(object);
                Path objectDir = dir.resolve(object);
                boolean patched = object.equals("vmlinux") || m.module(object).isPresent();
                write(objectDir.resolve("patched"), (patched ? "1" : "0") + "\n");
                for (PatchedFunction f : p.functions) {
                    if (f.object().equals(object)) {
                        // the kernel names the folder with sympos 1 for a unique symbol (old_sympos 0)
                        mkdirs(objectDir.resolve(f.name() + "," + (f.sympos() == 0 ? 1 : f.sympos())));
                    }
                }
            }
            removeChildrenExcept(dir, union(objects, union(versioned, Set.of("enabled", "transition", "force"))));
        }
        mkdirs(livepatch);
        removeChildrenExcept(livepatch, present);
    }

    void renderTasks(SimModel m, boolean all) {
        for (SimTask t : m.tasks) {
            boolean whole = all || m.newTasks.contains(t.tid);
            if (!whole && !m.dirtyTasks.contains(t.tid)) {
                continue;
            }
            Path process = root.resolve("proc/" + t.pid);
            Path task = process.resolve("task/" + t.tid);
            String state = t.patchState + "\n";
            String stack = stackText(t);
            if (whole) {
                write(task.resolve("comm"), t.comm + "\n");
                if (t.pid == t.tid) {
                    write(process.resolve("comm"), t.comm + "\n");
                    write(process.resolve("cmdline"), t.cmdline.isEmpty() ? "" : t.cmdline.replace(' ', '\0') + "\0");
                    write(process.resolve("stat"), stat(t));
                }
            }
            write(task.resolve("patch_state"), state);
            write(task.resolve("stack"), stack);
            if (t.pid == t.tid) {
                write(process.resolve("patch_state"), state);
                write(process.resolve("stack"), stack);
            }
        }
        m.dirtyTasks.clear();
        m.newTasks.clear();
    }

    void removeTask(SimTask t) {
        Path dir = t.pid == t.tid ? root.resolve("proc/" + t.pid) : root.resolve("proc/" + t.pid + "/task/" + t.tid);
        deleteTree(dir);
    }

    private static String stackText(SimTask t) {
        StringBuilder sb = new StringBuilder();
        for (String frame : t.stack()) {
            sb.append("[<0>] ").append(frame).append('\n');
        }
        return sb.toString();
    }

    /** {@code /proc/<pid>/stat} up to the flags field, which marks kernel threads. */
    private static String stat(SimTask t) {
        long flags = t.kind == SimTask.Kind.KTHREAD ? 0x00208040L : 0x00400100L;
        int ppid = t.kind == SimTask.Kind.KTHREAD ? (t.pid == 2 ? 0 : 2) : (t.pid == 1 ? 0 : 1);
        char state = t.sleepingIn == null ? 'R' : (t.interruptible ? 'S' : 'D');
        return t.pid + " (" + t.comm + ") " + state + " " + ppid + " " + t.pid + " " + t.pid + " 0 -1 " + flags
                + " 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n";
    }

    // ---- file mechanics ----------------------------------------------------------------------

    /** Writes one of the files the simulated kernel shows, {@code relative} to the host's root. */
    void writeFile(String relative, String content) {
        write(root.resolve(relative), content);
    }

    /** A file the simulated kernel shows under /sys or /proc: memory on a real machine, so not forced to disk. */
    private void write(Path file, String content) {
        writer().writeVolatile(file, content);
    }

    /** The simulated kernel's model: its record, forced to disk like klp's own. */
    private void writeModel(Path file, String content) {
        writer().write(file, content);
    }

    private AtomicFileWriter writer() {
        if (writer == null) {
            writer = AtomicFileWriter.under(root);
        }
        return writer;
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static void removeChildrenExcept(Path dir, Set<String> keep) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> doomed = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                if (!keep.contains(p.getFileName().toString())) {
                    doomed.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        doomed.forEach(SimStore::deleteTree);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
