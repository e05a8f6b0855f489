package org.klp.packaging.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.elf.Elf64Object;
import org.klp.packaging.testing.Tools;

/** The livepatch relocation rewrite on objects made by the real compiler, checked with readelf. */
class KlpRelocationsTest {

    @TempDir
    Path dir;

    private Path compile(String c) throws Exception {
        Tools.require("gcc");
        Files.writeString(dir.resolve("x.c"), c);
        Tools.run(dir, 60, "gcc", "-c", "-O2", "-fno-pic", "-mcmodel=kernel", "-fno-asynchronous-unwind-tables", "-g", "x.c", "-o", "x.o").ok();
        return dir.resolve("x.o");
    }

    private String readelf(String... args) {
        Tools.require("readelf");
        String[] command = new String[args.length + 2];
        command[0] = "readelf";
        command[1] = "-W";
        System.arraycopy(args, 0, command, 2, args.length);
        return Tools.run(dir, 60, command).ok().out();
    }

    static final String CODE = """
            extern int hidden_counter;
            extern int exported_thing(int);
            extern int target_helper(int);
            int replacement(int x) { return hidden_counter + exported_thing(x) + target_helper(x); }
            int *where(void) { return &hidden_counter; }
            """;

    @Test
    void referencesToDeclaredSymbolsBecomeLivepatchRelocationsPerObject() throws Exception {
        Path o = compile(CODE);
        List<KernelSymbol> declared = List.of(new KernelSymbol("vmlinux", "hidden_counter", 0, "f.properties:1"),
                new KernelSymbol("klp_target", "target_helper", 2, "f.properties:1"));
        KlpRelocations.Rewrite r = KlpRelocations.rewrite(Files.readAllBytes(o), declared, null, "x.o");
        Files.write(dir.resolve("klp.o"), r.module());
        assertThat(r.symbols()).containsExactlyInAnyOrder(".klp.sym.vmlinux.hidden_counter,0", ".klp.sym.klp_target.target_helper,2");

        String sections = readelf("-S", "klp.o");
        assertThat(sections).containsPattern("\\.klp\\.rela\\.vmlinux\\.\\.text\\s+RELA\\s+\\S+\\s+\\S+\\s+\\S+\\s+18\\s+AIo\\s");
        assertThat(sections).containsPattern("\\.klp\\.rela\\.klp_target\\.\\.text\\s+RELA\\s+\\S+\\s+\\S+\\s+\\S+\\s+18\\s+AIo\\s");

        String symbols = readelf("-s", "klp.o");
        assertThat(symbols).containsPattern("OS \\[0xff20\\] \\.klp\\.sym\\.vmlinux\\.hidden_counter,0")
                .containsPattern("OS \\[0xff20\\] \\.klp\\.sym\\.klp_target\\.target_helper,2")
                .containsPattern("UND exported_thing");

        String relocs = readelf("-r", "klp.o");
        String vmlinux = section(relocs, ".klp.rela.vmlinux..text");
        assertThat(vmlinux).contains(".klp.sym.vmlinux.hidden_counter,0").doesNotContain("exported_thing").doesNotContain("target_helper");
        assertThat(vmlinux.lines().filter(l -> l.contains(".klp.sym.")).count()).isEqualTo(2); // replacement() and where()
        assertThat(section(relocs, ".klp.rela.klp_target..text")).contains(".klp.sym.klp_target.target_helper,2");
        String plain = section(relocs, ".rela.text");
        assertThat(plain).contains("exported_thing").doesNotContain("hidden_counter").doesNotContain(".klp.sym");
        assertThat(r.relocations()).isEqualTo(3);
        // the debug information's references stay in their non-loaded sections
        assertThat(relocs).doesNotContain(".klp.rela.vmlinux..debug");
        // the rewritten object reads back the same
        assertThat(Elf64Object.parse(r.module(), "klp.o").write()).isEqualTo(r.module());
    }

    private static String section(String readelfRelocs, String name) {
        int start = readelfRelocs.indexOf("Relocation section '" + name + "'");
        assertThat(start).as("section " + name + " in readelf -r").isNotNegative();
        int end = readelfRelocs.indexOf("Relocation section '", start + 1);
        return readelfRelocs.substring(start, end < 0 ? readelfRelocs.length() : end);
    }

    @Test
    void theSymbolTablePlacesAmbiguousSymbolsOrRefusesWithCandidates() throws Exception {
        KernelSymbolTable table = KernelSymbolTable.parse("""
                ffffffff81000000 T _text
                ffffffff81100000 t dup_helper
                ffffffff81200000 d unique_var
                ffffffff81300000 t dup_helper
                ffffffff81400000 t renamed.isra.0
                ffffffffc0000000 t dup_helper\t[klp_target]
                """, "kallsyms");
        assertThat(table.resolve(new KernelSymbol("vmlinux", "unique_var", 0, "p:1"))).isZero();
        assertThat(table.resolve(new KernelSymbol("vmlinux", "dup_helper", 2, "p:1"))).isEqualTo(2);
        assertThat(table.resolve(new KernelSymbol("klp_target", "dup_helper", 0, "p:1"))).isZero();
        assertThatThrownBy(() -> table.resolve(new KernelSymbol("vmlinux", "dup_helper", 0, "p:3")))
                .hasMessage("p:3: vmlinux:dup_helper is ambiguous: 2 symbols of that name in kallsyms; write dup_helper,N with N one of:"
                        + " 1 = (t ffffffff81100000, line 2), 2 = (t ffffffff81300000, line 4)");
        assertThatThrownBy(() -> table.resolve(new KernelSymbol("vmlinux", "dup_helper", 3, "p:3")))
                .hasMessageContaining("dup_helper,3 does not exist: kallsyms has 2 symbol(s)");
        assertThatThrownBy(() -> table.resolve(new KernelSymbol("vmlinux", "renamed", 0, "p:4")))
                .hasMessageContaining("vmlinux:renamed is not in kallsyms; the compiler renamed it? candidates: renamed.isra.0 (t ffffffff81400000, line 5)");
    }

    @Test
    void debiansStubSystemMapIsRefused() {
        assertThatThrownBy(() -> KernelSymbolTable.parse("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n",
                "/boot/System.map-6.1.0-57-amd64"))
                .hasMessageContaining("a stub, not a symbol table").hasMessageContaining("/proc/kallsyms");
    }

    @Test
    void anUnknownDeclaredSymbolIsRefusedWhenAtableIsGiven() throws Exception {
        Path o = compile(CODE);
        KernelSymbolTable table = KernelSymbolTable.parse("ffffffff81000000 T _text\n", "System.map");
        assertThatThrownBy(() -> KlpRelocations.rewrite(Files.readAllBytes(o),
                List.of(new KernelSymbol("vmlinux", "hidden_counter", 0, "fixes/a/fix.properties:4")), table, "x.o"))
                .isInstanceOf(FixSourceException.class)
                .hasMessageStartingWith("fixes/a/fix.properties:4: vmlinux:hidden_counter is not in System.map");
    }
}
