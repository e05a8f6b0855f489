package org.klp.core.module;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Makes the smallest ELF relocatable object that reads as a kernel module: the sections
 * {@code .modinfo} and {@code .gnu.linkonce.this_module} and nothing that runs. For tests,
 * benchmarks and catalogs that need many module files without a kernel build; a real kernel
 * would refuse to load one.
 */
public final class SyntheticModule {

    private SyntheticModule() {
    }

    /** A synthetic live patch module for {@code kernelRelease}, named {@code name}. */
    public static byte[] livePatch(String name, String kernelRelease) {
        return elf(Map.of(
                "name", List.of(name),
                "vermagic", List.of(kernelRelease + " SMP preempt mod_unload modversions "),
                "livepatch", List.of("Y"),
                "license", List.of("GPL")));
    }

    /** An ELF module whose {@code .modinfo} holds exactly these fields. */
    public static byte[] elf(Map<String, List<String>> modinfo) {
        StringBuilder info = new StringBuilder();
        modinfo.forEach((k, values) -> values.forEach(v -> info.append(k).append('=').append(v).append('\0')));
        byte[] infoBytes = info.toString().getBytes(StandardCharsets.UTF_8);
        byte[] thisModule = new byte[64];
        byte[] names = "\0.modinfo\0.gnu.linkonce.this_module\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int modinfoName = 1;
        int thisModuleName = modinfoName + ".modinfo".length() + 1;
        int namesName = thisModuleName + ".gnu.linkonce.this_module".length() + 1;

        int infoOffset = 64;
        int thisOffset = infoOffset + infoBytes.length;
        int namesOffset = thisOffset + thisModule.length;
        int tableOffset = (namesOffset + names.length + 7) & ~7;
        int sections = 4;
        ByteBuffer out = ByteBuffer.allocate(tableOffset + sections * 64).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0});
        out.position(0x10);
        out.putShort((short) 1);      // ET_REL
        out.putShort((short) 62);     // EM_X86_64
        out.putInt(1);                // EV_CURRENT
        out.position(0x28);
        out.putLong(tableOffset);     // e_shoff
        out.putInt(0);                // e_flags
        out.putShort((short) 64);     // e_ehsize
        out.putShort((short) 0);      // e_phentsize
        out.putShort((short) 0);      // e_phnum
        out.putShort((short) 64);     // e_shentsize
        out.putShort((short) sections);
        out.putShort((short) 3);      // e_shstrndx
        out.put(infoOffset, infoBytes);
        out.put(thisOffset, thisModule);
        out.put(namesOffset, names);
        sectionHeader(out, tableOffset + 64, modinfoName, 1, infoOffset, infoBytes.length);
        sectionHeader(out, tableOffset + 128, thisModuleName, 1, thisOffset, thisModule.length);
        sectionHeader(out, tableOffset + 192, namesName, 3, namesOffset, names.length);
        return out.array();
    }

    private static void sectionHeader(ByteBuffer out, int at, int name, int type, long offset, long size) {
        out.putInt(at, name);
        out.putInt(at + 4, type);
        out.putLong(at + 0x18, offset);
        out.putLong(at + 0x20, size);
        out.putLong(at + 0x30, 1);    // sh_addralign
    }
}
