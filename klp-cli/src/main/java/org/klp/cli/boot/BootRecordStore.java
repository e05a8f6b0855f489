package org.klp.cli.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.klp.cli.record.HostRecordStore;
import org.klp.core.boot.CrashedPatch;
import org.klp.core.boot.KernelChoice;
import org.klp.core.boot.LoadingMarker;
import org.klp.kernel.KernelStateException;
import org.klp.kernel.files.AtomicFileWriter;

/**
 * The boot part of the host record, beside {@code state} in {@code var/lib/klp}:
 * <ul>
 *   <li>{@code boot}: {@link BootRecord}, {@code key=value}, replaced atomically;</li>
 *   <li>{@code loading}: the {@link LoadingMarker}, present only while a new patch is not yet trusted;</li>
 *   <li>{@code boot-plan}: one line {@code KERNEL PATCH MODULE} per kernel whose boot loads a patch,
 *       which the early-boot hooks read with nothing but {@code sed} (they cannot run java).</li>
 * </ul>
 * Every file is bounded (64 KiB); a damaged one is refused with its line, as {@code state} is.
 */
public final class BootRecordStore {

    public static final String RECORD = "boot";
    public static final String MARKER = "loading";
    public static final String PLAN = "boot-plan";
    private static final long MAX_BYTES = 64 * 1024;
    private static final String HEADER = "# klp boot record; written by klp, do not edit";

    private final Path root;
    private final Path dir;
    private AtomicFileWriter writer;

    public BootRecordStore(Path root) {
        this.root = root;
        this.dir = root.resolve(HostRecordStore.DIR);
    }

    /** Made on first use: a store that only reads must not need the root to exist. */
    private AtomicFileWriter writer() {
        if (writer == null) {
            writer = AtomicFileWriter.under(root);
        }
        return writer;
    }

    public BootRecord read() {
        Optional<Map<String, String>> file = keyValues(RECORD);
        if (file.isEmpty()) {
            return BootRecord.EMPTY;
        }
        Map<String, String> v = file.get();
        try {
            List<KernelChoice> choices = new ArrayList<>();
            for (int i = 0; v.containsKey("choice." + i + ".kernel"); i++) {
                String p = "choice." + i + ".";
                choices.add(new KernelChoice(v.get(p + "kernel"), v.getOrDefault(p + "patch", ""), Integer.parseInt(v.getOrDefault(p + "version", "0")),
                        v.getOrDefault(p + "module", ""), v.getOrDefault(p + "package-file", ""), Instant.parse(v.get(p + "chosen"))));
            }
            List<CrashedPatch> crashed = new ArrayList<>();
            for (int i = 0; v.containsKey("crashed." + i + ".patch"); i++) {
                String p = "crashed." + i + ".";
                crashed.add(new CrashedPatch(v.get(p + "patch"), v.getOrDefault(p + "kernel", ""), v.getOrDefault(p + "phase", ""),
                        Instant.parse(v.get(p + "loaded")), Instant.parse(v.get(p + "found")), v.getOrDefault(p + "reason", "")));
            }
            Optional<BootRecord.LastBoot> last = Optional.ofNullable(v.get("boot.result")).map(r -> new BootRecord.LastBoot(
                    v.getOrDefault("boot.kernel", ""), v.getOrDefault("boot.id", ""), r, v.getOrDefault("boot.patch", ""),
                    v.getOrDefault("boot.message", ""), Instant.parse(v.get("boot.at"))));
            return new BootRecord(choices, crashed, last);
        } catch (NumberFormatException | DateTimeParseException | NullPointerException e) {
            throw new KernelStateException("The boot record " + dir.resolve(RECORD) + " is damaged (" + e.getMessage()
                    + "); move it aside to start afresh", e);
        }
    }

    public void write(BootRecord r) {
        StringBuilder sb = new StringBuilder(HEADER).append("\nformat=1\n");
        for (int i = 0; i < r.choices().size(); i++) {
            KernelChoice c = r.choices().get(i);
            String p = "choice." + i + ".";
            put(sb, p + "kernel", c.kernel());
            put(sb, p + "patch", c.patch());
            put(sb, p + "version", Integer.toString(c.version()));
            put(sb, p + "module", c.moduleCopy());
            put(sb, p + "package-file", c.packageFile());
            put(sb, p + "chosen", c.chosen().toString());
        }
        for (int i = 0; i < r.crashed().size(); i++) {
            CrashedPatch c = r.crashed().get(i);
            String p = "crashed." + i + ".";
            put(sb, p + "patch", c.patch());
            put(sb, p + "kernel", c.kernel());
            put(sb, p + "phase", c.phase());
            put(sb, p + "loaded", c.loaded().toString());
            put(sb, p + "found", c.found().toString());
            put(sb, p + "reason", c.reason());
        }
        r.lastBoot().ifPresent(b -> {
            put(sb, "boot.kernel", b.kernel());
            put(sb, "boot.id", b.bootId());
            put(sb, "boot.result", b.result());
            put(sb, "boot.patch", b.patch());
            put(sb, "boot.message", b.message());
            put(sb, "boot.at", b.at().toString());
        });
        writer().write(dir.resolve(RECORD), sb.toString());
    }

    public Optional<LoadingMarker> marker() {
        Optional<Map<String, String>> file = keyValues(MARKER);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> v = file.get();
        try {
            return Optional.of(new LoadingMarker(v.get("patch"), v.getOrDefault("kernel", ""), v.getOrDefault("module", ""),
                    v.getOrDefault("phase", "apply"), v.getOrDefault("boot", ""), Instant.parse(v.get("since"))));
        } catch (DateTimeParseException | NullPointerException e) {
            throw new KernelStateException("The loading marker " + dir.resolve(MARKER) + " is damaged (" + e.getMessage()
                    + "); remove it once you know the patch it names is safe", e);
        }
    }

    /** Writes the marker and forces it to disk before returning: the load comes after. */
    public void writeMarker(LoadingMarker m) {
        StringBuilder sb = new StringBuilder("# klp is loading a live patch; if this file survives a reboot, the patch crashed the kernel\n");
        put(sb, "patch", m.patch());
        put(sb, "kernel", m.kernel());
        put(sb, "module", m.module());
        put(sb, "phase", m.phase());
        put(sb, "boot", m.bootId());
        put(sb, "since", m.since().toString());
        writer().write(dir.resolve(MARKER), sb.toString());
    }

    public void removeMarker() {
        writer().delete(dir.resolve(MARKER));
    }

    /** The early-boot plan as the hooks read it: kernel release to {@code PATCH MODULE}. */
    public Map<String, String> plan() {
        Map<String, String> plan = new LinkedHashMap<>();
        readBounded(PLAN).ifPresent(text -> text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(l -> {
            String[] w = l.strip().split("\\s+");
            if (w.length == 3) {
                plan.put(w[0], w[1] + " " + w[2]);
            }
        }));
        return plan;
    }

    public void writePlan(Map<String, String> plan) {
        StringBuilder sb = new StringBuilder("# klp early-boot plan: KERNEL PATCH MODULE (module relative to /); written by klp\n");
        plan.forEach((kernel, line) -> sb.append(kernel).append(' ').append(line).append('\n'));
        writer().write(dir.resolve(PLAN), sb.toString());
    }

    private Optional<Map<String, String>> keyValues(String name) {
        Optional<String> text = readBounded(name);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> v = new LinkedHashMap<>();
        List<String> lines = text.get().lines().toList();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new KernelStateException(dir.resolve(name) + " is damaged at line " + (n + 1) + ": '" + line
                        + "' (expected key=value); move it aside to start afresh");
            }
            v.put(line.substring(0, eq), unescape(line.substring(eq + 1)));
        }
        return Optional.of(v);
    }

    private Optional<String> readBounded(String name) {
        Path file = dir.resolve(name);
        try {
            if (Files.isSymbolicLink(file)) {
                throw new KernelStateException(file + " is a symbolic link; klp's records are plain files (move it aside)");
            }
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new KernelStateException(file + " is larger than " + MAX_BYTES + " bytes; it is not klp's (move it aside)");
            }
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new KernelStateException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static void put(StringBuilder sb, String key, String value) {
        sb.append(key).append('=').append(value.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
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
