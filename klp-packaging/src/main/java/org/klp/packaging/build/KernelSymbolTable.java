package org.klp.packaging.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.klp.core.patch.PatchedFunction;

/**
 * A kernel's symbol table, in the order the kernel searches it: a {@code /proc/kallsyms} dump
 * from a host running that kernel ({@code address type name [module]}) or the kernel's real
 * {@code System.map} ({@code address type name}, vmlinux only). Livepatch names a local symbol
 * that occurs more than once by its position among the symbols of that name in its object
 * (1-based, {@code sympos}); 0 means "the only one", which the kernel refuses when it is not.
 *
 * <p>Debian's {@code /boot/System.map-*} is a one-line stub pointing at the {@code -dbg} package;
 * it is recognised and refused.
 */
public final class KernelSymbolTable {

    /** One entry: where it is in the file, for messages. */
    public record Entry(String object, String name, String type, String address, int line) {
    }

    private static final long MAX_BYTES = 512L << 20;
    private final Map<String, List<Entry>> byObjectAndName;
    private final String source;

    private KernelSymbolTable(Map<String, List<Entry>> byObjectAndName, String source) {
        this.byObjectAndName = byObjectAndName;
        this.source = source;
    }

    public static KernelSymbolTable read(Path file) {
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(file + " is larger than a kernel symbol table (" + MAX_BYTES + " bytes)");
            }
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("Symbol table " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static KernelSymbolTable parse(String text, String source) {
        Map<String, List<Entry>> map = new HashMap<>();
        String[] lines = text.split("\n");
        int count = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.contains("The real System.map is in")) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": a stub, not a symbol table (" + line.substring(line.indexOf("The real"))
                        + "); give a /proc/kallsyms dump from a host running the kernel, or the real System.map");
            }
            String[] f = line.split("\\s+");
            if (f.length < 3 || f.length > 4 || !f[0].matches("[0-9a-fA-F]{1,16}") || f[1].length() != 1) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": not a symbol table line (expected 'address type name [module]'): '"
                        + (line.length() > 120 ? line.substring(0, 120) + "…" : line) + "'");
            }
            String object = PatchedFunction.VMLINUX;
            if (f.length == 4) {
                if (!f[3].startsWith("[") || !f[3].endsWith("]") || f[3].length() < 3) {
                    throw new IllegalArgumentException(source + ":" + (i + 1) + ": the module must be written [name], not '" + f[3] + "'");
                }
                object = f[3].substring(1, f[3].length() - 1).replace('-', '_');
            }
            map.computeIfAbsent(object + " " + f[2], k -> new ArrayList<>()).add(new Entry(object, f[2], f[1], f[0], i + 1));
            count++;
        }
        if (count == 0) {
            throw new IllegalArgumentException(source + " holds no symbols");
        }
        return new KernelSymbolTable(map, source);
    }

    public String source() {
        return source;
    }

    /** Every symbol of that name in that object, in the kernel's search order. */
    public List<Entry> candidates(String object, String name) {
        return byObjectAndName.getOrDefault(object.replace('-', '_') + " " + name, List.of());
    }

    /** Names in {@code object} that start with {@code name} followed by a compiler suffix ({@code .isra.0}, {@code .constprop.0}). */
    public List<Entry> variants(String object, String name) {
        String prefix = object.replace('-', '_') + " " + name + ".";
        return byObjectAndName.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).flatMap(e -> e.getValue().stream())
                .sorted(java.util.Comparator.comparingInt(Entry::line)).limit(10).toList();
    }

    /**
     * The sympos to write for a declared symbol: the declared one when it exists, 0 for a unique
     * name declared with 0; refused with the candidates when unknown, ambiguous or out of range.
     */
    public int resolve(KernelSymbol symbol) {
        List<Entry> found = candidates(symbol.object(), symbol.name());
        if (found.isEmpty()) {
            List<Entry> variants = variants(symbol.object(), symbol.name());
            throw new FixSourceException(symbol.where() + ": " + symbol.object() + ":" + symbol.name() + " is not in " + source
                    + (variants.isEmpty() ? "" : "; the compiler renamed it? candidates: " + describe(variants, true)));
        }
        if (symbol.sympos() == 0) {
            if (found.size() > 1) {
                throw new FixSourceException(symbol.where() + ": " + symbol.object() + ":" + symbol.name() + " is ambiguous: "
                        + found.size() + " symbols of that name in " + source + "; write " + symbol.name() + ",N with N one of: "
                        + describe(found, false));
            }
            return 0;
        }
        if (symbol.sympos() > found.size()) {
            throw new FixSourceException(symbol.where() + ": " + symbol.object() + ":" + symbol.name() + "," + symbol.sympos()
                    + " does not exist: " + source + " has " + found.size() + " symbol(s) of that name: " + describe(found, false));
        }
        return symbol.sympos();
    }

    private static String describe(List<Entry> entries, boolean byName) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            out.add((byName ? e.name() + " " : (i + 1) + " = ") + "(" + e.type() + " " + e.address() + ", line " + e.line() + ")");
        }
        return String.join(", ", out);
    }
}
