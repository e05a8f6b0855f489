package org.klp.packaging.elf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A 64-bit little-endian relocatable ELF object (a kernel module, {@code .ko}) read into memory,
 * changed and written back: sections with their bytes, the symbol table, {@code SHT_RELA}
 * relocations. Only what a live patch module needs, with every offset and count of the input
 * checked against the file before it is used (the module may come from anyone).
 *
 * <p>Writing lays the file out afresh: the ELF header, each section's bytes in section order at
 * its alignment, the section name table rebuilt from the sections' names, then the section
 * header table. Section indices never change, so symbols and relocations stay valid; new
 * sections are appended.
 */
public final class Elf64Object {

    public static final int SHT_NULL = 0;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;
    public static final long SHF_INFO_LINK = 0x40;
    /** {@code include/uapi/linux/elf.h}: a livepatch relocation section, applied by livepatch, not the module loader. */
    public static final long SHF_RELA_LIVEPATCH = 0x00100000;
    public static final int SHN_UNDEF = 0;
    /** {@code include/uapi/linux/elf.h}: a livepatch symbol, resolved by livepatch. */
    public static final int SHN_LIVEPATCH = 0xff20;
    public static final int SYMBOL_SIZE = 24;
    public static final int RELA_SIZE = 24;
    private static final int HEADER_SIZE = 64;
    private static final int SECTION_HEADER_SIZE = 64;
    private static final int MAX_SECTIONS = 65_000;

    /** One section: header fields and bytes ({@code data} is empty for {@code SHT_NOBITS}). */
    public static final class Section {
        private String name;
        private final int type;
        private long flags;
        private final long addr;
        private final long nobitsSize;
        private int link;
        private int info;
        private final long addralign;
        private final long entsize;
        private byte[] data;

        public Section(String name, int type, long flags, int link, int info, long addralign, long entsize, byte[] data) {
            this(name, type, flags, 0, link, info, addralign, entsize, data, 0);
        }

        private Section(String name, int type, long flags, long addr, int link, int info, long addralign, long entsize, byte[] data,
                        long nobitsSize) {
            this.name = name;
            this.type = type;
            this.flags = flags;
            this.addr = addr;
            this.link = link;
            this.info = info;
            this.addralign = addralign;
            this.entsize = entsize;
            this.data = data;
            this.nobitsSize = nobitsSize;
        }

        public String name() {
            return name;
        }

        public int type() {
            return type;
        }

        public long flags() {
            return flags;
        }

        public void flags(long value) {
            flags = value;
        }

        public int link() {
            return link;
        }

        public int info() {
            return info;
        }

        public long entsize() {
            return entsize;
        }

        public long size() {
            return type == SHT_NOBITS ? nobitsSize : data.length;
        }

        public byte[] data() {
            return data;
        }

        public void data(byte[] bytes) {
            data = bytes;
        }
    }

    /** A symbol table entry. */
    public record Symbol(int index, String name, int nameOffset, int info, int other, int shndx, long value, long size) {
        public int binding() {
            return info >>> 4;
        }

        public int type() {
            return info & 0xf;
        }
    }

    /** A relocation with addend. */
    public record Rela(long offset, int symbol, int type, long addend) {
    }

    private final byte[] ident;
    private final int machine;
    private final long flags;
    private final String source;
    private final List<Section> sections;
    private final int shstrndx;

    private Elf64Object(byte[] ident, int machine, long flags, List<Section> sections, int shstrndx, String source) {
        this.ident = ident;
        this.machine = machine;
        this.flags = flags;
        this.sections = sections;
        this.shstrndx = shstrndx;
        this.source = source;
    }

    public static Elf64Object parse(byte[] bytes, String source) {
        if (bytes.length < HEADER_SIZE || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new ElfFormatException(source + " is not an ELF file");
        }
        if (bytes[4] != 2 || bytes[5] != 1) {
            throw new ElfFormatException(source + " is not a 64-bit little-endian ELF file");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getShort(16) != 1) {
            throw new ElfFormatException(source + " is not a relocatable object (ELF type " + b.getShort(16) + "); a kernel module is one");
        }
        long shoff = b.getLong(40);
        int shentsize = Short.toUnsignedInt(b.getShort(58));
        int shnum = Short.toUnsignedInt(b.getShort(60));
        int shstrndx = Short.toUnsignedInt(b.getShort(62));
        if (shentsize != SECTION_HEADER_SIZE || shnum == 0 || shnum > MAX_SECTIONS || shstrndx >= shnum || shoff < HEADER_SIZE
                || shoff > bytes.length || (long) shnum * SECTION_HEADER_SIZE > bytes.length - shoff) {
            throw new ElfFormatException(source + " is damaged: its section header table lies outside the file");
        }
        List<long[]> headers = new ArrayList<>();
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * SECTION_HEADER_SIZE);
            long[] f = {Integer.toUnsignedLong(b.getInt(h)), Integer.toUnsignedLong(b.getInt(h + 4)), b.getLong(h + 8), b.getLong(h + 16),
                    b.getLong(h + 24), b.getLong(h + 32), Integer.toUnsignedLong(b.getInt(h + 40)), Integer.toUnsignedLong(b.getInt(h + 44)),
                    b.getLong(h + 48), b.getLong(h + 56)};
            int type = (int) f[1];
            long offset = f[4];
            long size = f[5];
            byte[] data = new byte[0];
            if (type != SHT_NOBITS && type != SHT_NULL) {
                if (offset < 0 || size < 0 || offset > bytes.length || size > bytes.length - offset) {
                    throw new ElfFormatException(source + " is damaged: section " + i + " lies outside the file");
                }
                data = java.util.Arrays.copyOfRange(bytes, (int) offset, (int) (offset + size));
            }
            if (f[6] >= shnum) {
                throw new ElfFormatException(source + " is damaged: section " + i + " links to section " + f[6] + " of " + shnum);
            }
            headers.add(f);
            sections.add(new Section(null, type, f[2], f[3], (int) f[6], (int) f[7], f[8], f[9], data, type == SHT_NOBITS ? size : 0));
        }
        byte[] names = sections.get(shstrndx).data;
        for (int i = 0; i < shnum; i++) {
            sections.get(i).name = string(names, headers.get(i)[0], source, "section name");
        }
        Elf64Object elf = new Elf64Object(java.util.Arrays.copyOf(bytes, 16), Short.toUnsignedInt(b.getShort(18)), Integer.toUnsignedLong(b.getInt(48)),
                sections, shstrndx, source);
        return elf;
    }

    static String string(byte[] table, long offset, String source, String what) {
        if (offset < 0 || offset >= table.length && !(offset == 0 && table.length == 0)) {
            throw new ElfFormatException(source + " is damaged: a " + what + " lies outside its string table");
        }
        int end = (int) offset;
        while (end < table.length && table[end] != 0) {
            end++;
        }
        if (end == table.length && table.length > 0) {
            throw new ElfFormatException(source + " is damaged: a " + what + " is not NUL-terminated");
        }
        return new String(table, (int) offset, end - (int) offset, StandardCharsets.UTF_8);
    }

    public String source() {
        return source;
    }

    public List<Section> sections() {
        return java.util.Collections.unmodifiableList(sections);
    }

    public Section section(int index) {
        if (index < 0 || index >= sections.size()) {
            throw new ElfFormatException(source + " is damaged: no section " + index);
        }
        return sections.get(index);
    }

    public Optional<Section> section(String name) {
        return sections.stream().filter(s -> s.name.equals(name)).findFirst();
    }

    public int indexOf(Section s) {
        return sections.indexOf(s);
    }

    /** Appends a section; returns its index. */
    public int add(Section s) {
        if (sections.size() >= MAX_SECTIONS) {
            throw new ElfFormatException(source + " would have too many sections");
        }
        sections.add(s);
        return sections.size() - 1;
    }

    /** The symbol table section's index. */
    public int symtabIndex() {
        int found = -1;
        for (int i = 0; i < sections.size(); i++) {
            if (sections.get(i).type == SHT_SYMTAB) {
                if (found >= 0) {
                    throw new ElfFormatException(source + " has two symbol tables");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new ElfFormatException(source + " has no symbol table (stripped?)");
        }
        return found;
    }

    public List<Symbol> symbols() {
        Section symtab = sections.get(symtabIndex());
        if (symtab.data.length % SYMBOL_SIZE != 0) {
            throw new ElfFormatException(source + " is damaged: its symbol table is not a whole number of entries");
        }
        byte[] strtab = section(symtab.link).data;
        ByteBuffer b = ByteBuffer.wrap(symtab.data).order(ByteOrder.LITTLE_ENDIAN);
        List<Symbol> out = new ArrayList<>();
        for (int i = 0; i < symtab.data.length / SYMBOL_SIZE; i++) {
            int o = i * SYMBOL_SIZE;
            int nameOffset = b.getInt(o);
            out.add(new Symbol(i, string(strtab, Integer.toUnsignedLong(nameOffset), source, "symbol name"), nameOffset,
                    Byte.toUnsignedInt(b.get(o + 4)), Byte.toUnsignedInt(b.get(o + 5)), Short.toUnsignedInt(b.getShort(o + 6)),
                    b.getLong(o + 8), b.getLong(o + 16)));
        }
        return out;
    }

    /** Renames a symbol (appending the name to its string table) and sets its section index. */
    public void setSymbol(int index, String newName, int shndx) {
        Section symtab = sections.get(symtabIndex());
        Section strtab = section(symtab.link);
        byte[] name = newName.getBytes(StandardCharsets.UTF_8);
        byte[] grown = java.util.Arrays.copyOf(strtab.data, strtab.data.length + name.length + 1);
        System.arraycopy(name, 0, grown, strtab.data.length, name.length);
        int offset = strtab.data.length;
        strtab.data = grown;
        ByteBuffer b = ByteBuffer.wrap(symtab.data).order(ByteOrder.LITTLE_ENDIAN);
        if (index < 0 || index >= symtab.data.length / SYMBOL_SIZE) {
            throw new IllegalArgumentException("No symbol " + index + " in " + source);
        }
        b.putInt(index * SYMBOL_SIZE, offset);
        b.putShort(index * SYMBOL_SIZE + 6, (short) shndx);
    }

    public List<Rela> relocations(Section rela) {
        if (rela.type != SHT_RELA || rela.data.length % RELA_SIZE != 0) {
            throw new ElfFormatException(source + " is damaged: " + rela.name + " is not a table of relocations with addend");
        }
        ByteBuffer b = ByteBuffer.wrap(rela.data).order(ByteOrder.LITTLE_ENDIAN);
        List<Rela> out = new ArrayList<>();
        for (int o = 0; o < rela.data.length; o += RELA_SIZE) {
            long info = b.getLong(o + 8);
            out.add(new Rela(b.getLong(o), (int) (info >>> 32), (int) info, b.getLong(o + 16)));
        }
        return out;
    }

    public static byte[] encode(List<Rela> relas) {
        ByteBuffer b = ByteBuffer.allocate(relas.size() * RELA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (Rela r : relas) {
            b.putLong(r.offset).putLong(((long) r.symbol << 32) | Integer.toUnsignedLong(r.type)).putLong(r.addend);
        }
        return b.array();
    }

    /** The file's bytes. */
    public byte[] write() {
        // section names, rebuilt: longest first, so that a name that ends another (.text, .rela.text) shares its bytes, as ld does
        Map<String, Integer> nameOffsets = new LinkedHashMap<>();
        ByteArrayOutputStream names = new ByteArrayOutputStream();
        names.write(0);
        nameOffsets.put("", 0);
        List<String> byLength = sections.stream().map(s -> s.name).distinct()
                .sorted(java.util.Comparator.comparingInt(String::length).reversed().thenComparing(java.util.Comparator.naturalOrder())).toList();
        for (String name : byLength) {
            if (nameOffsets.containsKey(name)) {
                continue;
            }
            Optional<Map.Entry<String, Integer>> longer = nameOffsets.entrySet().stream()
                    .filter(e -> e.getKey().length() > name.length() && e.getKey().endsWith(name)).findFirst();
            if (longer.isPresent()) {
                nameOffsets.put(name, longer.get().getValue() + longer.get().getKey().getBytes(StandardCharsets.UTF_8).length
                        - name.getBytes(StandardCharsets.UTF_8).length);
            } else {
                nameOffsets.put(name, names.size());
                names.writeBytes(name.getBytes(StandardCharsets.UTF_8));
                names.write(0);
            }
        }
        sections.get(shstrndx).data = names.toByteArray();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[HEADER_SIZE]);
        long[] offsets = new long[sections.size()];
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            if (s.type == SHT_NULL) {
                continue;
            }
            long align = Math.max(1, s.addralign);
            while (out.size() % align != 0) {
                out.write(0);
            }
            offsets[i] = out.size();
            if (s.type != SHT_NOBITS) {
                out.writeBytes(s.data);
            }
        }
        while (out.size() % 8 != 0) {
            out.write(0);
        }
        long shoff = out.size();
        ByteBuffer h = ByteBuffer.allocate(sections.size() * SECTION_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            h.putInt(s.type == SHT_NULL && i == 0 ? 0 : nameOffsets.get(s.name)).putInt(s.type).putLong(s.flags).putLong(s.addr)
                    .putLong(offsets[i]).putLong(s.type == SHT_NULL ? 0 : s.size()).putInt(s.link).putInt(s.info)
                    .putLong(s.addralign).putLong(s.entsize);
        }
        out.writeBytes(h.array());
        byte[] file = out.toByteArray();
        ByteBuffer e = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        e.put(0, ident);
        e.putShort(16, (short) 1).putShort(18, (short) machine).putInt(20, 1).putLong(24, 0).putLong(32, 0).putLong(40, shoff)
                .putInt(48, (int) flags).putShort(52, (short) HEADER_SIZE).putShort(54, (short) 0).putShort(56, (short) 0)
                .putShort(58, (short) SECTION_HEADER_SIZE).putShort(60, (short) sections.size()).putShort(62, (short) shstrndx);
        return file;
    }
}
