package org.klp.cli.record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.klp.kernel.KernelStateException;
import org.klp.kernel.files.AtomicFileWriter;

/**
 * The host's record under {@code var/lib/klp} (inside the root): {@code state} (a small
 * {@code key=value} file with a {@code format} line, replaced atomically), {@code history}
 * (append-only, one JSON object a line, fsynced), {@code modules/} (copies of
 * applied modules, for boot-time restore), and {@code lock} (one klp operation at a time). Every
 * write goes through {@link AtomicFileWriter}: none follows a link out of the root.
 */
public final class HostRecordStore {

    public static final String DIR = "var/lib/klp";
    private static final String HEADER = "# klp host record; written by klp, do not edit";
    private static final String FORMAT = "1";

    private final Path root;
    private final Path dir;
    private AtomicFileWriter writer;

    public HostRecordStore(Path root) {
        this.root = root;
        this.dir = root.resolve(DIR);
    }

    /** Made on first use: it only writes when asked, so read-only commands work on a read-only root. */
    private AtomicFileWriter writer() {
        if (writer == null) {
            writer = AtomicFileWriter.under(root);
        }
        return writer;
    }

    public Path dir() {
        return dir;
    }

    public HostState read() {
        Path file = dir.resolve("state");
        List<String> lines;
        try {
            lines = Files.readAllLines(writer().inside(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return HostState.EMPTY;
        } catch (IOException e) {
            throw new KernelStateException("Cannot read the host record " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> v = new LinkedHashMap<>();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new KernelStateException("The host record " + file + " is damaged at line " + (n + 1) + ": '" + line
                        + "' (expected key=value); move it aside to start afresh");
            }
            v.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
        }
        String format = v.get("format");
        if (format == null && !v.isEmpty()) {
            throw new KernelStateException("The host record " + file + " has no format line, so klp cannot tell how to read it;"
                    + " move it aside to start afresh");
        }
        if (format != null && !format.equals(FORMAT)) {
            throw new KernelStateException("The host record " + file + " is in format " + format + ", which this klp does not know"
                    + " (it reads format " + FORMAT + "); a newer klp wrote it: use that klp, or move the file aside to start afresh");
        }
        try {
            Optional<HostState.ActivePatch> active = Optional.ofNullable(v.get("active.patch")).map(p -> new HostState.ActivePatch(p,
                    v.getOrDefault("active.kernel", ""), v.getOrDefault("active.module", ""),
                    Optional.ofNullable(v.get("active.package")), Integer.parseInt(v.getOrDefault("active.version", "0")),
                    Instant.parse(v.get("active.since"))));
            Optional<HostState.PendingOperation> pending = Optional.ofNullable(v.get("pending.operation")).map(o -> new HostState.PendingOperation(o,
                    v.getOrDefault("pending.patch", ""), v.getOrDefault("pending.module", ""),
                    Optional.ofNullable(v.get("pending.previous")), Instant.parse(v.get("pending.started"))));
            Optional<HostState.LastResult> last = Optional.ofNullable(v.get("last.operation")).map(o -> new HostState.LastResult(o,
                    v.getOrDefault("last.patch", ""), v.getOrDefault("last.result", ""), v.getOrDefault("last.message", ""),
                    Instant.parse(v.get("last.at"))));
            String held = v.getOrDefault("held", "").strip();
            List<String> heldList = held.isEmpty() ? List.of() : Arrays.asList(held.split(" "));
            return new HostState(active, heldList, Optional.ofNullable(v.get("reboot.reason")), Optional.ofNullable(v.get("reboot.boot")),
                    pending, last);
        } catch (NumberFormatException | DateTimeParseException | NullPointerException e) {
            throw new KernelStateException("The host record " + file + " is damaged (" + e.getMessage() + "); move it aside to start afresh", e);
        }
    }

    public void write(HostState s) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n').append("format=").append(FORMAT).append('\n');
        s.active().ifPresent(a -> {
            put(sb, "active.patch", a.patch());
            put(sb, "active.kernel", a.kernel());
            put(sb, "active.module", a.moduleCopy());
            a.packageName().ifPresent(p -> put(sb, "active.package", p));
            put(sb, "active.version", Integer.toString(a.version()));
            put(sb, "active.since", a.since().toString());
        });
        if (!s.modulesHeldForever().isEmpty()) {
            put(sb, "held", String.join(" ", s.modulesHeldForever()));
        }
        s.rebootReason().ifPresent(r -> put(sb, "reboot.reason", r));
        s.rebootBoot().ifPresent(b -> put(sb, "reboot.boot", b));
        s.pending().ifPresent(p -> {
            put(sb, "pending.operation", p.operation());
            put(sb, "pending.patch", p.patch());
            put(sb, "pending.module", p.moduleFile());
            p.previous().ifPresent(x -> put(sb, "pending.previous", x));
            put(sb, "pending.started", p.started().toString());
        });
        s.last().ifPresent(l -> {
            put(sb, "last.operation", l.operation());
            put(sb, "last.patch", l.patch());
            put(sb, "last.result", l.result());
            put(sb, "last.message", l.message());
            put(sb, "last.at", l.at().toString());
        });
        writer().write(dir.resolve("state"), sb.toString());
    }

    /** Appends one event to {@code history} and forces it to disk before returning; a line a crash left torn stays apart. */
    public void appendHistory(HistoryEvent event) {
        writer().appendLine(dir.resolve("history"), event.toJson());
    }

    /** The events of {@code history}, and the numbers of lines too damaged to read (a crash mid-write tears one). */
    public record History(List<HistoryEvent> events, List<Integer> damagedLines) {
    }

    public History history() {
        Path file = dir.resolve("history");
        List<String> lines;
        try {
            lines = Files.readAllLines(writer().inside(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new History(List.of(), List.of());
        } catch (IOException e) {
            throw new KernelStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
        List<HistoryEvent> out = new ArrayList<>();
        List<Integer> damaged = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            try {
                out.add(HistoryEvent.parse(lines.get(n)));
            } catch (IllegalArgumentException e) {
                // a line torn by a crash mid-append; the events around it stand
                damaged.add(n + 1);
            }
        }
        return new History(out, damaged);
    }

    /**
     * Checks that every file an operation on {@code patch} will write lies inside the root, before
     * the operation touches the kernel: a refusal afterwards would leave the record behind the kernel.
     */
    public void checkWritable(String patch) {
        for (String name : List.of("state", "history", "lock")) {
            writer().requireInside(dir.resolve(name));
        }
        writer().requireInside(dir.resolve("modules").resolve(patch + ".ko"));
        writer().directory(dir.resolve("patches"));
    }

    /** Keeps klp's own copy of an applied module, for boot-time restore. Returns its path relative to the root. */
    public String keepModuleCopy(Path module, String patch) {
        try {
            byte[] bytes = Files.readAllBytes(module);
            writer().write(dir.resolve("modules").resolve(patch + ".ko"), bytes);
            return DIR + "/modules/" + patch + ".ko";
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot keep a copy of " + module + ": " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the record of an applied patch in {@code var/lib/klp/patches}: when zypper later
     * replaces or removes its package, the loaded patch is still known by package, version and fixes.
     */
    public void keepPatchRecord(org.klp.packaging.record.PatchRecord record) {
        writer().write(dir.resolve("patches").resolve(record.livePatch().nameVersion() + ".json"),
                org.klp.packaging.record.PatchRecordJson.write(record));
    }

    /** Holds the host's operation lock until closed: one klp operation changes the kernel at a time. */
    public AutoCloseable lock() {
        try {
            FileChannel ch = writer().openLockFile(dir.resolve("lock"));
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new KernelStateException("Another klp operation is running on this host (" + dir.resolve("lock")
                        + " is locked); wait for it to finish");
            }
            return () -> {
                lock.release();
                ch.close();
            };
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + dir.resolve("lock") + ": " + e.getMessage(), e);
        }
    }

    private static void put(StringBuilder sb, String key, String value) {
        sb.append(key).append('=').append(escape(value)).append('\n');
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                out.append(n == 'n' ? '\n' : n);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
