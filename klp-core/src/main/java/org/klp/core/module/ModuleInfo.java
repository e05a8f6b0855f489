package org.klp.core.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code modinfo} tells of a kernel module, read from its bytes: the {@code key=value}
 * strings of the ELF section {@code .modinfo} ({@code name}, {@code vermagic},
 * {@code livepatch=Y}, …).
 *
 * <p>A <em>simulated</em> module, which the simulated kernel loads in place of a real one, is a
 * text file in the same terms, one {@code key=value} per line after the header line
 * {@value #SIMULATED_HEADER}; it also states what the real module keeps in its {@code klp_patch}
 * structure ({@code replace}, {@code state=ID:VERSION}, {@code function=OBJECT:NAME,SYMPOS}).
 * Both kinds are checked the same way before anything is loaded or packed.
 */
public record ModuleInfo(boolean simulated, Map<String, List<String>> fields) {

    public static final String SIMULATED_HEADER = "#klp-simulated-module 1";

    private static final int ELF_HEADER_SIZE = 64;
    private static final int SECTION_HEADER_SIZE = 64;

    public ModuleInfo {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        fields = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * Reads a module file's bytes: an x86-64 ELF kernel module or a simulated module.
     *
     * @param source names the file in error messages
     * @throws ModuleFormatException saying what is wrong, naming {@code source}
     */
    public static ModuleInfo parse(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new ModuleFormatException(source + " is empty, not a kernel module");
        }
        if (startsWith(bytes, SIMULATED_HEADER.getBytes(StandardCharsets.US_ASCII))) {
            return parseSimulated(new String(bytes, StandardCharsets.UTF_8), source);
        }
        if (startsWith(bytes, new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z'}) || startsWith(bytes, new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD})
                || startsWith(bytes, new byte[] {0x1F, (byte) 0x8B})) {
            throw new ModuleFormatException(source + " is a compressed module (xz, zstd or gzip); decompress it to a .ko first");
        }
        if (!startsWith(bytes, new byte[] {0x7F, 'E', 'L', 'F'})) {
            throw new ModuleFormatException(source + " is not a kernel module: not an ELF file");
        }
        return parseElf(bytes, source);
    }

    private static ModuleInfo parseElf(byte[] bytes, String source) {
        if (bytes.length < ELF_HEADER_SIZE) {
            throw new ModuleFormatException(source + " is truncated: " + bytes.length + " bytes, shorter than an ELF header");
        }
        if (bytes[4] != 2 || bytes[5] != 1) {
            throw new ModuleFormatException(source + " is not a 64-bit little-endian ELF file; only x86-64 modules are supported");
        }
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.getShort(0x10) != 1) {
            throw new ModuleFormatException(source + " is not a kernel module: ELF type " + elf.getShort(0x10) + ", expected a relocatable object (1)");
        }
        long sectionTable = elf.getLong(0x28);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x3A));
        int count = Short.toUnsignedInt(elf.getShort(0x3C));
        int namesIndex = Short.toUnsignedInt(elf.getShort(0x3E));
        if (entrySize != SECTION_HEADER_SIZE || namesIndex >= count || sectionTable < 0
                || sectionTable + (long) count * entrySize > bytes.length) {
            throw new ModuleFormatException(source + " is truncated or damaged: its section table lies outside the file ("
                    + bytes.length + " bytes)");
        }
        Section names = section(elf, sectionTable, namesIndex, source);
        Section modinfo = null;
        boolean thisModule = false;
        for (int i = 0; i < count; i++) {
            Section s = section(elf, sectionTable, i, source);
            String name = cString(bytes, names.offset + s.nameOffset, names.offset + names.size);
            if (name.equals(".modinfo")) {
                modinfo = s;
            } else if (name.equals(".gnu.linkonce.this_module")) {
                thisModule = true;
            }
        }
        if (modinfo == null || !thisModule) {
            throw new ModuleFormatException(source + " is an ELF file but not a kernel module (no .modinfo or .gnu.linkonce.this_module section)");
        }
        Map<String, List<String>> fields = new LinkedHashMap<>();
        int start = (int) modinfo.offset;
        int end = (int) (modinfo.offset + modinfo.size);
        for (int i = start; i < end; ) {
            int nul = i;
            while (nul < end && bytes[nul] != 0) {
                nul++;
            }
            if (nul > i) {
                add(fields, new String(bytes, i, nul - i, StandardCharsets.UTF_8));
            }
            i = nul + 1;
        }
        return new ModuleInfo(false, fields);
    }

    private record Section(long nameOffset, long offset, long size) {
    }

    private static Section section(ByteBuffer elf, long table, int index, String source) {
        int at = (int) (table + (long) index * SECTION_HEADER_SIZE);
        long nameOffset = Integer.toUnsignedLong(elf.getInt(at));
        int type = elf.getInt(at + 4);
        long offset = elf.getLong(at + 0x18);
        long size = elf.getLong(at + 0x20);
        boolean noBits = type == 8;
        if (!noBits && (offset < 0 || size < 0 || offset + size > elf.capacity())) {
            throw new ModuleFormatException(source + " is truncated or damaged: section " + index + " lies outside the file ("
                    + elf.capacity() + " bytes)");
        }
        return new Section(nameOffset, offset, noBits ? 0 : size);
    }

    private static String cString(byte[] bytes, long from, long limit) {
        int i = (int) from;
        while (i < limit && bytes[i] != 0) {
            i++;
        }
        return from >= limit ? "" : new String(bytes, (int) from, i - (int) from, StandardCharsets.US_ASCII);
    }

    private static ModuleInfo parseSimulated(String text, String source) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int n = 1; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.indexOf('=') <= 0) {
                throw new ModuleFormatException(source + " line " + (n + 1) + ": expected key=value, got '" + line + "'");
            }
            add(fields, line);
        }
        ModuleInfo info = new ModuleInfo(true, fields);
        if (info.value("name").isEmpty()) {
            throw new ModuleFormatException(source + " is a simulated module without a name= line");
        }
        return info;
    }

    private static void add(Map<String, List<String>> fields, String keyValue) {
        int eq = keyValue.indexOf('=');
        if (eq <= 0) {
            return;
        }
        fields.computeIfAbsent(keyValue.substring(0, eq), k -> new ArrayList<>()).add(keyValue.substring(eq + 1));
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    public Optional<String> value(String key) {
        List<String> v = fields.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
    }

    public List<String> values(String key) {
        return fields.getOrDefault(key, List.of());
    }

    /** The module's name, which is also its live patch's name in {@code /sys/kernel/livepatch}. */
    public String name() {
        return value("name").orElseThrow(() -> new ModuleFormatException("module has no name in .modinfo"));
    }

    /** The whole vermagic string, e.g. {@code 6.1.0-56-amd64 SMP preempt mod_unload modversions}. */
    public Optional<String> vermagic() {
        return value("vermagic");
    }

    /** The kernel release the module was built for: the first word of its vermagic. */
    public Optional<String> builtForRelease() {
        return vermagic().map(String::strip).filter(s -> !s.isEmpty()).map(s -> s.split("\\s+")[0]);
    }

    /** Live patch modules carry {@code livepatch=Y}, which the kernel checks at load. */
    public boolean isLivePatch() {
        return value("livepatch").map("Y"::equals).orElse(false);
    }

    /**
     * Checks that this module is a live patch built for {@code kernelRelease}.
     *
     * @throws ModuleFormatException naming what does not fit
     */
    public void requireLivePatchFor(String kernelRelease, String source) {
        if (!isLivePatch()) {
            throw new ModuleFormatException(source + " (" + value("name").orElse("?") + ") is a kernel module but not a live patch (no livepatch=Y in its modinfo)");
        }
        String built = builtForRelease().orElseThrow(() -> new ModuleFormatException(source + " has no vermagic; cannot tell which kernel it is for"));
        if (!built.equals(kernelRelease)) {
            throw new ModuleFormatException(source + " was built for kernel " + built + ", not for " + kernelRelease
                    + " (vermagic mismatch); a live patch fits only the exact kernel it was built for,"
                    + " so klp does not load it (the kernel itself may: with modversions it compares only the vermagic's flags)");
        }
    }
}
