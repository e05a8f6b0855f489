package org.klp.packaging.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.SystemState;
import org.klp.packaging.elf.Elf64Object.Rela;
import org.klp.packaging.elf.Elf64Object.Section;
import org.klp.packaging.elf.Elf64Object.Symbol;

/**
 * The klp system states of a live patch module, which decide whether the kernel lets one patch
 * replace another.
 *
 * <p>Where they come from, in order: a simulated module's {@code state=} lines; the module's own
 * {@code struct klp_patch}, found in its ELF data; the {@code state=} entries klp-pack build
 * writes into {@code .modinfo}. The {@code klp_patch} is the structure whose first field
 * ({@code mod}) is relocated against {@code __this_module} and whose second ({@code objs})
 * points into writable data (when several structures do, the one whose first {@code klp_object}
 * has {@code funcs}, its second field, pointing into writable data too; a patch with no objects,
 * klp's initial patch, has none); its third field ({@code states}) is relocated to the
 * {@code klp_state} array (or not at all: no states), read up to its zero-id terminator. The
 * layout ({@code mod}, {@code objs}, {@code states} at 0, 8, 16; {@code klp_state} = id 8 bytes,
 * version 4, data pointer 8) has not changed since states came in Linux 5.5. When the structure
 * cannot be found unambiguously, the states are unknown: {@link Optional#empty()}.
 */
public final class KlpPatchStates {

    private static final int R_X86_64_64 = 1;
    private static final int STATE_SIZE = 24;
    private static final int MAX_STATES = 4096;

    private KlpPatchStates() {
    }

    public static Optional<List<SystemState>> of(byte[] module, String source) {
        ModuleInfo info = ModuleInfo.parse(module, source);
        List<SystemState> declared = new ArrayList<>();
        for (String s : info.values("state")) {
            declared.add(SystemState.parse(s));
        }
        if (info.simulated()) {
            return Optional.of(SystemState.merge(declared));
        }
        Optional<List<SystemState>> fromElf;
        try {
            fromElf = fromElf(Elf64Object.parse(module, source));
        } catch (ElfFormatException e) {
            fromElf = Optional.empty();
        }
        if (fromElf.isPresent()) {
            return fromElf;
        }
        return declared.isEmpty() ? Optional.empty() : Optional.of(SystemState.merge(declared));
    }

    /** A relocated pointer: the section and offset it points at. */
    private record Target(int section, long offset) {
    }

    /** The states of the module's own klp_patch, or empty when it cannot be found unambiguously. */
    public static Optional<List<SystemState>> fromElf(Elf64Object elf) {
        List<Symbol> symbols = elf.symbols();
        int thisModule = -1;
        for (Symbol s : symbols) {
            if (s.name().equals("__this_module") && s.shndx() != Elf64Object.SHN_UNDEF) {
                thisModule = s.index();
            }
        }
        if (thisModule < 0) {
            return Optional.empty();
        }
        // pointers stored in writable data: (section, offset) -> target
        Map<Integer, Map<Long, Integer>> symbolAt = new HashMap<>();
        Map<Integer, Map<Long, Target>> pointers = new HashMap<>();
        for (Section rela : elf.sections()) {
            if (rela.type() != Elf64Object.SHT_RELA || (rela.flags() & Elf64Object.SHF_RELA_LIVEPATCH) != 0) {
                continue;
            }
            int into = rela.info();
            Section target = elf.section(into);
            if ((target.flags() & Elf64Object.SHF_ALLOC) == 0) {
                continue;
            }
            for (Rela r : elf.relocations(rela)) {
                if (r.type() != R_X86_64_64 || r.symbol() <= 0 || r.symbol() >= symbols.size()) {
                    continue;
                }
                Symbol s = symbols.get(r.symbol());
                symbolAt.computeIfAbsent(into, k -> new HashMap<>()).put(r.offset(), s.index());
                if (s.shndx() > 0 && s.shndx() < elf.sections().size()) {
                    pointers.computeIfAbsent(into, k -> new HashMap<>()).put(r.offset(), new Target(s.shndx(), s.value() + r.addend()));
                }
            }
        }
        List<Target> patches = new ArrayList<>();
        for (Map.Entry<Integer, Map<Long, Integer>> e : symbolAt.entrySet()) {
            for (Map.Entry<Long, Integer> at : e.getValue().entrySet()) {
                if (at.getValue() != thisModule) {
                    continue;
                }
                Target objs = pointer(pointers, e.getKey(), at.getKey() + 8);
                if (objs != null && writableData(elf, objs.section())) {
                    patches.add(new Target(e.getKey(), at.getKey()));
                }
            }
        }
        if (patches.size() > 1) {
            // several structures start with THIS_MODULE and a data pointer: the patch's objects point at functions
            patches = patches.stream().filter(p -> {
                Target objs = pointer(pointers, p.section(), p.offset() + 8);
                Target funcs = pointer(pointers, objs.section(), objs.offset() + 8);
                return funcs != null && writableData(elf, funcs.section());
            }).toList();
        }
        if (patches.size() != 1) {
            return Optional.empty();
        }
        Target patch = patches.get(0);
        Target states = pointer(pointers, patch.section(), patch.offset() + 16);
        if (states == null) {
            return Optional.of(List.of());
        }
        Section array = elf.section(states.section());
        if (array.type() == Elf64Object.SHT_NOBITS) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(array.data()).order(ByteOrder.LITTLE_ENDIAN);
        List<SystemState> out = new ArrayList<>();
        for (long o = states.offset(); ; o += STATE_SIZE) {
            if (o < 0 || o + STATE_SIZE > array.data().length || out.size() > MAX_STATES) {
                return Optional.empty();
            }
            long id = b.getLong((int) o);
            if (id == 0) {
                return Optional.of(SystemState.merge(out));
            }
            out.add(new SystemState(id, b.getInt((int) o + 8)));
        }
    }

    private static Target pointer(Map<Integer, Map<Long, Target>> pointers, int section, long offset) {
        Map<Long, Target> in = pointers.get(section);
        return in == null ? null : in.get(offset);
    }

    private static boolean writableData(Elf64Object elf, int section) {
        long f = elf.section(section).flags();
        return (f & Elf64Object.SHF_ALLOC) != 0 && (f & Elf64Object.SHF_WRITE) != 0 && (f & Elf64Object.SHF_EXECINSTR) == 0;
    }
}
