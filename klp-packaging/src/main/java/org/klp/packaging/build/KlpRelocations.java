package org.klp.packaging.build;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.klp.core.patch.PatchedFunction;
import org.klp.packaging.elf.Elf64Object;
import org.klp.packaging.elf.Elf64Object.Rela;
import org.klp.packaging.elf.Elf64Object.Section;
import org.klp.packaging.elf.Elf64Object.Symbol;

/**
 * Turns a built module's references to declared kernel symbols into livepatch relocations, as
 * the kernel's {@code Documentation/livepatch/module-elf-format.rst} lays them out:
 *
 * <ul>
 * <li>each such undefined symbol becomes {@code .klp.sym.<object>.<name>,<sympos>} with section
 *     index {@code SHN_LIVEPATCH}, in place (the symbol table's order must not change: the
 *     relocations and the kernel's copy of the table refer to symbols by index);</li>
 * <li>the relocations against them leave {@code .rela<section>} for
 *     {@code .klp.rela.<object>.<section>}, {@code SHT_RELA} with {@code SHF_ALLOC |
 *     SHF_RELA_LIVEPATCH | SHF_INFO_LINK}, linked to the symbol table and to the section they
 *     apply to. The module loader skips them; livepatch resolves the symbols and applies them
 *     when the object is patched ({@code klp_apply_section_relocs}).</li>
 * </ul>
 *
 * One section per object and target section: the kernel applies a {@code .klp.rela.<object>.}
 * section only with the symbols of that object. Relocations in sections that are not loaded
 * (debug information) stay where they are: the loader does not apply them. A module object's
 * symbol referenced from {@code .init} code is refused, since that code is freed before such a
 * module may load.
 */
public final class KlpRelocations {

    /** The rewritten module and how many relocations were moved. */
    public record Rewrite(byte[] module, int relocations, List<String> symbols) {
    }

    private KlpRelocations() {
    }

    /**
     * @param table the kernel's symbol table, to place symbols by position; null to take the
     *              declared positions as they are (the kernel checks them when the patch loads)
     */
    public static Rewrite rewrite(byte[] module, List<KernelSymbol> declared, KernelSymbolTable table, String source) {
        Elf64Object elf = Elf64Object.parse(module, source);
        int symtab = elf.symtabIndex();
        List<Symbol> symbols = elf.symbols();
        Map<Integer, String> objectOfSymbol = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (KernelSymbol k : declared) {
            int sympos = table == null ? k.sympos() : table.resolve(k);
            for (Symbol s : symbols) {
                if (s.index() > 0 && s.name().equals(k.name()) && s.shndx() == Elf64Object.SHN_UNDEF) {
                    String klpName = ".klp.sym." + k.object().replace('-', '_') + "." + k.name() + "," + sympos;
                    elf.setSymbol(s.index(), klpName, Elf64Object.SHN_LIVEPATCH);
                    objectOfSymbol.put(s.index(), k.object().replace('-', '_'));
                    names.add(klpName);
                }
            }
        }
        int moved = 0;
        int count = elf.sections().size();
        for (int i = 0; i < count; i++) {
            Section rela = elf.section(i);
            if (rela.type() != Elf64Object.SHT_RELA || (rela.flags() & Elf64Object.SHF_RELA_LIVEPATCH) != 0 || rela.link() != symtab) {
                continue;
            }
            Section target = elf.section(rela.info());
            if ((target.flags() & Elf64Object.SHF_ALLOC) == 0) {
                continue;
            }
            List<Rela> kept = new ArrayList<>();
            Map<String, List<Rela>> byObject = new LinkedHashMap<>();
            for (Rela r : elf.relocations(rela)) {
                if (r.symbol() >= symbols.size()) {
                    throw new org.klp.packaging.elf.ElfFormatException(source + " is damaged: a relocation in " + rela.name()
                            + " names symbol " + r.symbol() + " of " + symbols.size());
                }
                String object = objectOfSymbol.get(r.symbol());
                if (object == null) {
                    kept.add(r);
                } else {
                    if (!object.equals(PatchedFunction.VMLINUX) && target.name().startsWith(".init")) {
                        throw new FixSourceException(source + ": " + target.name() + " refers to " + symbols.get(r.symbol()).name()
                                + " of module " + object + "; init code is freed before that module may load, so only vmlinux symbols"
                                + " may be used there");
                    }
                    byObject.computeIfAbsent(object, o -> new ArrayList<>()).add(r);
                }
            }
            if (byObject.isEmpty()) {
                continue;
            }
            rela.data(Elf64Object.encode(kept));
            for (Map.Entry<String, List<Rela>> e : byObject.entrySet()) {
                elf.add(new Section(".klp.rela." + e.getKey() + "." + target.name(), Elf64Object.SHT_RELA,
                        Elf64Object.SHF_ALLOC | Elf64Object.SHF_INFO_LINK | Elf64Object.SHF_RELA_LIVEPATCH, symtab, rela.info(), 8,
                        Elf64Object.RELA_SIZE, Elf64Object.encode(e.getValue())));
                moved += e.getValue().size();
            }
        }
        return new Rewrite(elf.write(), moved, names);
    }
}
