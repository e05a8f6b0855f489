package org.klp.packaging.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.testing.Tools;

/** Reading and writing relocatable ELF objects made by the real compiler, checked with readelf. */
class Elf64ObjectTest {

    @TempDir
    Path dir;

    static Path compile(Path dir, String c) throws Exception {
        Tools.require("gcc");
        Files.writeString(dir.resolve("x.c"), c);
        Tools.run(dir, 60, "gcc", "-c", "-O2", "-fno-pic", "-mcmodel=kernel", "-fno-asynchronous-unwind-tables", "x.c", "-o", "x.o").ok();
        return dir.resolve("x.o");
    }

    static String readelf(Path dir, String... args) {
        Tools.require("readelf");
        String[] command = new String[args.length + 2];
        command[0] = "readelf";
        command[1] = "-W";
        System.arraycopy(args, 0, command, 2, args.length);
        return Tools.run(dir, 60, command).ok().out();
    }

    @Test
    void aRoundTripKeepsSectionsSymbolsAndRelocationsAsReadelfShowsThem() throws Exception {
        Path o = compile(dir, "extern int counter; int bump(void) { return ++counter; }\nint table[4] = {1, 2, 3, 4};\n"
                + "const char *name = \"x\";\n");
        byte[] original = Files.readAllBytes(o);
        Elf64Object elf = Elf64Object.parse(original, "x.o");
        byte[] written = elf.write();
        Path copy = dir.resolve("copy.o");
        Files.write(copy, written);
        // file offsets may differ: the layout is made afresh
        assertThat(readelf(dir, "-s", "-r", "copy.o").replaceAll("at offset 0x[0-9a-f]+", ""))
                .isEqualTo(readelf(dir, "-s", "-r", "x.o").replaceAll("at offset 0x[0-9a-f]+", ""));
        assertThat(sectionTable(readelf(dir, "-S", "copy.o"))).isEqualTo(sectionTable(readelf(dir, "-S", "x.o")));
        // and it reads back to the same bytes
        assertThat(Elf64Object.parse(written, "copy.o").write()).isEqualTo(written);
        assertThat(elf.symbols()).anyMatch(s -> s.name().equals("counter") && s.shndx() == Elf64Object.SHN_UNDEF);
    }

    /** Section names, types, flags, links and sizes; not file offsets, which a fresh layout may change. */
    private static String sectionTable(String readelf) {
        StringBuilder s = new StringBuilder();
        for (String line : readelf.split("\n")) {
            if (line.matches("\\s*\\[\\s*\\d+\\].*")) {
                String[] f = line.replaceFirst("\\s*\\[\\s*\\d+\\]\\s*", "").trim().split("\\s+");
                // name type address offset size es flags? lk inf al
                s.append(f[0]).append(' ').append(f[1]).append(' ').append(f.length > 4 ? f[4] : "").append(' ')
                        .append(String.join(" ", Arrays.copyOfRange(f, Math.min(5, f.length), f.length))).append('\n');
            }
        }
        return s.toString();
    }

    @Test
    void truncatedOrForeignFilesAreRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(compile(dir, "int f(void) { return 1; }\n"));
        assertThatThrownBy(() -> Elf64Object.parse(Arrays.copyOf(bytes, bytes.length - 100), "cut.o"))
                .isInstanceOf(ElfFormatException.class).hasMessageContaining("cut.o is damaged");
        assertThatThrownBy(() -> Elf64Object.parse("#!/bin/sh\n".getBytes(), "script")).hasMessageContaining("script is not an ELF file");
        byte[] big = bytes.clone();
        big[5] = 2;
        assertThatThrownBy(() -> Elf64Object.parse(big, "be.o")).hasMessageContaining("64-bit little-endian");
    }

    @Test
    void aSectionOffsetPastTheEndIsRefused() throws Exception {
        byte[] bytes = Files.readAllBytes(compile(dir, "int f(void) { return 1; }\n"));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        b.putLong((int) shoff + 64 + 24, Long.MAX_VALUE / 2); // section 1's offset
        assertThatThrownBy(() -> Elf64Object.parse(bytes, "evil.o")).hasMessageContaining("section 1 lies outside the file");
    }
}
