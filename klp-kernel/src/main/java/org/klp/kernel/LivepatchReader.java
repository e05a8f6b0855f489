package org.klp.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.klp.core.patch.PatchedFunction;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedModule;
import org.klp.kernel.state.LoadedPatch;
import org.klp.kernel.state.PatchedObject;
import org.klp.kernel.state.TaskState;
import org.klp.kernel.state.Taint;

/**
 * Reads the kernel's livepatch state from its files under a root: {@code sys/kernel/livepatch},
 * {@code proc/<pid>/task/<tid>}, {@code proc/sys/kernel/tainted}, {@code proc/modules}. It never
 * knows whether the files are a real kernel's or the simulated kernel's.
 *
 * <p>Patches are ordered as the kernel stacks them: by {@code stack_order} where the kernel has
 * it (6.14+), otherwise by load order, which {@code /proc/modules} gives newest first.
 */
public final class LivepatchReader {

    public static final String LIVEPATCH = "sys/kernel/livepatch";
    public static final String TAINTED = "proc/sys/kernel/tainted";
    public static final String OSRELEASE = "proc/sys/kernel/osrelease";
    public static final String MODULES = "proc/modules";
    public static final String BOOT_ID = "proc/sys/kernel/random/boot_id";
    private static final int PF_KTHREAD = 0x00200000;

    private final HostRoot root;

    public LivepatchReader(HostRoot root) {
        this.root = root;
    }

    public HostRoot root() {
        return root;
    }

    /** The running kernel's release ({@code uname -r}). */
    public String kernelRelease() {
        return root.readIfExists(OSRELEASE).map(String::strip)
                .orElseThrow(() -> new KernelStateException("No " + root.show(root.resolve(OSRELEASE))
                        + ": " + root.path() + " does not look like the root of a Linux host"));
    }

    /** This boot's random id ({@code /proc/sys/kernel/random/boot_id}), if the kernel shows one: it changes at every boot. */
    public Optional<String> bootId() {
        return root.readIfExists(BOOT_ID).map(String::strip).filter(s -> !s.isEmpty());
    }

    public Taint taint() {
        String text = root.readIfExists(TAINTED).orElseThrow(() -> new KernelStateException("Missing " + root.show(root.resolve(TAINTED))));
        try {
            return Taint.parse(text);
        } catch (IllegalArgumentException e) {
            throw new KernelStateException(root.show(root.resolve(TAINTED)) + ": " + e.getMessage(), e);
        }
    }

    public LivepatchSnapshot snapshot() {
        String release = kernelRelease();
        return new LivepatchSnapshot(release, patches(), taint());
    }

    /**
     * Only the {@code transition} and {@code enabled} files: the cheapest answer to "is a transition
     * under way?". A value the kernel never writes is an error, not an answer: a script waiting on
     * {@code klp check} must not take a damaged tree for "ready".
     */
    public boolean inTransition() {
        boolean busy = false;
        for (Path dir : patchDirs()) {
            root.readFlagIfExists(dir.resolve("enabled"));
            busy |= root.readFlagIfExists(dir.resolve("transition")).orElse(false);
        }
        return busy;
    }

    public Optional<LoadedPatch> patch(String name) {
        Path dir = root.resolve(LIVEPATCH).resolve(name);
        if (!Files.isDirectory(dir)) {
            patchDirs(); // fails clearly when there is no livepatch support at all
            return Optional.empty();
        }
        return readPatch(dir);
    }

    public List<LoadedPatch> patches() {
        List<LoadedPatch> patches = new ArrayList<>();
        for (Path dir : patchDirs()) {
            readPatch(dir).ifPresent(patches::add);
        }
        Map<String, Integer> loadOrder = loadOrder();
        patches.sort(Comparator
                .comparingInt((LoadedPatch p) -> p.stackOrder().orElse(Integer.MAX_VALUE))
                .thenComparingInt(p -> loadOrder.getOrDefault(p.name(), Integer.MAX_VALUE))
                .thenComparing(LoadedPatch::transition)
                .thenComparing(LoadedPatch::name));
        return patches;
    }

    private List<Path> patchDirs() {
        Path livepatch = root.resolve(LIVEPATCH);
        if (!Files.isDirectory(livepatch)) {
            if (!Files.exists(root.resolve(OSRELEASE))) {
                kernelRelease();
            }
            throw new KernelStateException("No " + root.show(livepatch)
                    + ": this kernel has no live patching support (CONFIG_LIVEPATCH) or sysfs is not mounted");
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(livepatch, Files::isDirectory)) {
            s.forEach(dirs::add);
        } catch (IOException e) {
            throw new KernelStateException("Cannot list " + root.show(livepatch) + ": " + e.getMessage(), e);
        }
        dirs.sort(null);
        return dirs;
    }

    private Optional<LoadedPatch> readPatch(Path dir) {
        // A patch's folder can vanish at any moment between listing and reading (a finished disable,
        // or a reversed transition whose module the kernel let go): absent means gone, not damaged.
        Optional<Boolean> enabledFlag = root.readFlagIfExists(dir.resolve("enabled"));
        Optional<Boolean> transitionFlag = root.readFlagIfExists(dir.resolve("transition"));
        if (enabledFlag.isEmpty() || transitionFlag.isEmpty()) {
            return Optional.empty();
        }
        String name = dir.getFileName().toString();
        boolean enabled = enabledFlag.get();
        boolean transition = transitionFlag.get();
        Optional<Boolean> replace = root.readFlagIfExists(dir.resolve("replace"));
        OptionalInt stackOrder = OptionalInt.empty();
        Optional<String> order = root.readIfExists(dir.resolve("stack_order"));
        if (order.isPresent()) {
            try {
                stackOrder = OptionalInt.of(Integer.parseInt(order.get().strip()));
            } catch (NumberFormatException e) {
                throw new KernelStateException(root.show(dir.resolve("stack_order")) + " holds '"
                        + HostRoot.abbreviate(order.get().strip()) + "', expected a number");
            }
        }
        List<PatchedObject> objects = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path objectDir : s) {
                objects.add(readObject(objectDir));
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KernelStateException("Cannot list " + root.show(dir) + ": " + e.getMessage(), e);
        }
        objects.sort(Comparator.comparing(PatchedObject::name));
        return Optional.of(new LoadedPatch(name, enabled, transition, replace, stackOrder, objects));
    }

    private PatchedObject readObject(Path objectDir) throws IOException {
        String object = objectDir.getFileName().toString();
        boolean patched = root.readFlagIfExists(objectDir.resolve("patched")).orElse(false);
        List<PatchedFunction> functions = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(objectDir, Files::isDirectory)) {
            for (Path f : s) {
                try {
                    functions.add(PatchedFunction.fromSysfs(object, f.getFileName().toString()));
                } catch (IllegalArgumentException e) {
                    throw new KernelStateException(root.show(f) + ": " + e.getMessage(), e);
                }
            }
        }
        functions.sort(Comparator.comparing(PatchedFunction::name).thenComparingInt(PatchedFunction::sympos));
        return new PatchedObject(object, patched, functions);
    }

    /** Module name → position in {@code /proc/modules} counted from the oldest (0). */
    private Map<String, Integer> loadOrder() {
        List<LoadedModule> modules = modules();
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < modules.size(); i++) {
            order.put(modules.get(i).name(), modules.size() - 1 - i);
        }
        return order;
    }

    /** The lines of {@code /proc/modules}, newest first as the kernel lists them; empty if the file is absent. */
    public List<LoadedModule> modules() {
        Optional<String> text = root.readIfExists(MODULES);
        if (text.isEmpty()) {
            return List.of();
        }
        List<LoadedModule> out = new ArrayList<>();
        String[] lines = text.get().split("\n");
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 5) {
                throw new KernelStateException(root.show(root.resolve(MODULES)) + " line " + (n + 1) + " is malformed: '"
                        + HostRoot.abbreviate(line) + "' (expected name size refcount deps state address)");
            }
            try {
                String taint = f.length > 6 && f[6].startsWith("(") ? f[6].replace("(", "").replace(")", "") : "";
                out.add(new LoadedModule(f[0], Long.parseLong(f[1]), f[2].equals("-") ? 0 : Integer.parseInt(f[2]), f[4], taint));
            } catch (NumberFormatException e) {
                throw new KernelStateException(root.show(root.resolve(MODULES)) + " line " + (n + 1) + " is malformed: '"
                        + HostRoot.abbreviate(line) + "' (size and refcount must be numbers)");
            }
        }
        return out;
    }

    public Optional<LoadedModule> module(String name) {
        return modules().stream().filter(m -> m.name().equals(name)).findFirst();
    }

    /** Every task's pid, tid and patch state; comm, cmdline and stack are left empty. Cheap: one small read per task. */
    public List<TaskState> taskPatchStates() {
        List<TaskState> out = new ArrayList<>();
        for (int pid : pids()) {
            for (int tid : tids(pid)) {
                Path dir = taskDir(pid, tid);
                Optional<String> state = root.readIfExists(dir.resolve("patch_state"));
                if (state.isEmpty()) {
                    continue; // the task exited while we looked
                }
                out.add(new TaskState(pid, tid, "", "", parsePatchState(dir.resolve("patch_state"), state.get()), false,
                        TaskState.UNKNOWN_STATE, List.of()));
            }
        }
        return out;
    }

    /**
     * The tasks holding the transition back: those whose patch state is not yet the target
     * ({@code 1} while patching, {@code 0} while unpatching or reversing). Empty outside a transition.
     */
    public List<TaskState> blockers(boolean withStacks) {
        Optional<LoadedPatch> transition = patches().stream().filter(LoadedPatch::transition).findFirst();
        if (transition.isEmpty()) {
            return List.of();
        }
        int target = transition.get().enabled() ? 1 : 0;
        List<TaskState> out = new ArrayList<>();
        for (TaskState t : taskPatchStates()) {
            if (t.patchState() != TaskState.NO_TRANSITION && t.patchState() != target) {
                describe(t.pid(), t.tid(), t.patchState(), withStacks).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Everything about one task; empty if it exited while we looked. */
    public Optional<TaskState> describe(int pid, int tid, int patchState, boolean withStack) {
        Path dir = taskDir(pid, tid);
        Optional<String> comm = root.readIfExists(dir.resolve("comm"));
        if (comm.isEmpty()) {
            return Optional.empty();
        }
        String cmdline = root.readIfExists(root.resolve("proc/" + pid + "/cmdline")).map(LivepatchReader::cmdline).orElse("");
        Optional<String> stat = root.readIfExists(dir.resolve("stat")).or(() -> root.readIfExists(root.resolve("proc/" + pid + "/stat")));
        boolean kthread = stat.map(LivepatchReader::isKernelThreadStat).orElse(cmdline.isEmpty());
        char state = stat.map(LivepatchReader::schedulerStateOf).orElse(TaskState.UNKNOWN_STATE);
        List<String> stack = List.of();
        if (withStack) {
            stack = readStack(dir.resolve("stack"));
        }
        return Optional.of(new TaskState(pid, tid, comm.get().strip(), cmdline, patchState, kthread, state, stack));
    }

    private List<String> readStack(Path file) {
        try {
            return root.readIfExists(file).map(LivepatchReader::stackFrames).orElse(List.of());
        } catch (KernelStateException e) {
            return List.of("(stack unreadable: " + e.getMessage() + ")");
        }
    }

    /** Frames of {@code /proc/<pid>/stack} without the {@code [<0>] } address prefix. */
    static List<String> stackFrames(String text) {
        List<String> frames = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("[<")) {
                int close = l.indexOf(">]");
                l = close < 0 ? l : l.substring(close + 2).strip();
            }
            frames.add(l);
        }
        return frames;
    }

    static String cmdline(String raw) {
        String s = raw;
        while (s.endsWith("\0")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.replace('\0', ' ').strip();
    }

    /** Field 3 of {@code /proc/<pid>/stat}, after {@code (comm)}: the scheduler state letter. */
    static char schedulerStateOf(String stat) {
        int close = stat.lastIndexOf(')');
        String rest = close < 0 ? "" : stat.substring(close + 1).strip();
        return rest.isEmpty() ? TaskState.UNKNOWN_STATE : rest.charAt(0);
    }

    /** Field 9 of {@code /proc/<pid>/stat} holds the task flags; PF_KTHREAD marks a kernel thread. */
    static boolean isKernelThreadStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return false;
        }
        String[] f = stat.substring(close + 1).strip().split("\\s+");
        // after "(comm)": state ppid pgrp session tty_nr tpgid flags → flags is index 6
        if (f.length < 7) {
            return false;
        }
        try {
            return (Long.parseLong(f[6]) & PF_KTHREAD) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private int parsePatchState(Path file, String text) {
        String t = text.strip();
        return switch (t) {
            case "-1" -> -1;
            case "0" -> 0;
            case "1" -> 1;
            default -> throw new KernelStateException(root.show(file) + " holds '" + HostRoot.abbreviate(t) + "', expected -1, 0 or 1");
        };
    }

    private Path taskDir(int pid, int tid) {
        return root.resolve("proc/" + pid + "/task/" + tid);
    }

    int[] pids() {
        return numericEntries(root.resolve("proc"));
    }

    private int[] tids(int pid) {
        return numericEntries(root.resolve("proc/" + pid + "/task"));
    }

    private int[] numericEntries(Path dir) {
        String[] names = dir.toFile().list();
        if (names == null) {
            return new int[0];
        }
        int[] out = new int[names.length];
        int n = 0;
        for (String name : names) {
            if (!name.isEmpty() && name.length() < 10 && name.chars().allMatch(Character::isDigit)) {
                out[n++] = Integer.parseInt(name);
            }
        }
        int[] result = Arrays.copyOf(out, n);
        Arrays.sort(result);
        return result;
    }
}
