package org.klp.packaging.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.Fix;
import org.klp.core.patch.SystemState;
import org.klp.packaging.elf.Elf64Object;
import org.klp.packaging.elf.KlpPatchStates;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/**
 * {@code klp-pack build} against the installed kernel headers (Debian's {@code linux-headers-amd64}
 * for 6.1): the kernel's own build system compiles the generated module. Skipped, saying why,
 * on a machine without those headers.
 */
class LivePatchBuildKbuildTest {

    static String kernel;
    static Path buildFolder;

    @TempDir
    Path dir;

    @BeforeAll
    static void findHeaders() throws IOException {
        Optional<Path> found = Optional.empty();
        if (Files.isDirectory(Path.of("/lib/modules"))) {
            try (Stream<Path> s = Files.list(Path.of("/lib/modules"))) {
                found = s.filter(p -> p.getFileName().toString().startsWith("6.1."))
                        .filter(p -> Files.isRegularFile(p.resolve("build/include/generated/utsrelease.h"))).sorted().findFirst();
            }
        }
        Assumptions.assumeTrue(found.isPresent(), "no kernel headers for a 6.1 kernel under /lib/modules/*/build:"
                + " install linux-headers-amd64 (bin/setup does) to build live patch modules against them");
        kernel = found.get().getFileName().toString();
        buildFolder = found.get().resolve("build");
        Tools.require("make");
        Tools.require("gcc");
    }

    static final String CMDLINE_C = """
            #include <linux/seq_file.h>

            /* not exported: reached through a livepatch relocation */
            extern char *saved_command_line;

            int klp_cmdline_proc_show(struct seq_file *m, void *v)
            {
            \tseq_printf(m, "%s klp=CVE-2026-0001\\n", saved_command_line);
            \treturn 0;
            }
            """;

    private Path fix(Path tree, String folder, String properties, String csv, String c) throws IOException {
        Path f = tree.resolve(folder);
        Files.createDirectories(f);
        Files.writeString(f.resolve("fix.properties"), properties);
        Files.writeString(f.resolve("patched_funcs.csv"), csv);
        Files.writeString(f.resolve("fix.c"), c);
        return f;
    }

    private LivePatchBuild.Request request(int version, Path tree, Set<String> dropped) {
        return new LivePatchBuild.Request(KernelRelease.parseAny(kernel), version, tree, buildFolder, null, dropped,
                LocalDate.of(2026, 12, 4), LocalDate.of(2026, 1, 1), null, null, null, 2);
    }

    @Test
    void fixSourcesBecomeASignedPackageWithALivepatchRelocationAndTheNextVersionReplacesIt() throws IOException {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        LivePatchBuild.Result v1 = LivePatchBuild.build(request(1, empty, Set.of()), null, TestKeys.signing(), repo);
        assertThat(v1.rpm().record().livePatch().fixes()).isEmpty();
        assertThat(v1.rpm().record().systemStates()).contains(List.of());

        Path tree = dir.resolve("fixes");
        fix(tree, "cve-2026-0001", "id = CVE-2026-0001\ncvss = 5.5\nsummary = proc: cmdline marker\nstates = 1:1\n"
                + "kernel-symbols = vmlinux:saved_command_line\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n", CMDLINE_C);
        LivePatchBuild.Result v2 = LivePatchBuild.build(request(2, tree, Set.of()),
                LivePatchRpm.previousIn(repo, KernelRelease.parseAny(kernel), 2), TestKeys.signing(), repo);

        RpmPackage rpm = RpmPackage.read(v2.rpm().file());
        rpm.verifyDigests();
        PatchRecord record = LivePatchRpm.recordOf(rpm);
        assertThat(record.moduleName()).isEqualTo(LivePatchBuild.defaultModuleName(KernelRelease.parseAny(kernel), 2));
        assertThat(record.livePatch().fixes()).extracting(Fix::id).containsExactly("CVE-2026-0001");
        assertThat(record.livePatch().functions()).extracting(Object::toString).containsExactly("vmlinux:cmdline_proc_show");
        assertThat(record.systemStates()).contains(List.of(new SystemState(1, 1)));
        assertThat(v2.klpRelocations()).isEqualTo(1);

        byte[] ko = rpm.extract(p -> p.endsWith(".ko")).values().iterator().next();
        ModuleInfo info = ModuleInfo.parse(ko, "module");
        assertThat(info.value("vermagic")).hasValueSatisfying(v -> assertThat(v).startsWith(kernel + " "));
        assertThat(info.value("livepatch")).contains("Y");
        Elf64Object elf = Elf64Object.parse(ko, "module");
        assertThat(elf.section(".klp.rela.vmlinux..text")).hasValueSatisfying(s -> assertThat(s.flags() & Elf64Object.SHF_RELA_LIVEPATCH).isNotZero());
        assertThat(elf.symbols()).anyMatch(s -> s.name().equals(".klp.sym.vmlinux.saved_command_line,0") && s.shndx() == Elf64Object.SHN_LIVEPATCH);
        // the states the packager recorded are those of the module's own klp_patch
        assertThat(KlpPatchStates.fromElf(elf)).contains(List.of(new SystemState(1, 1)));

        // version 3 lowering state 1 is refused before anything is built
        Path lower = dir.resolve("lower");
        fix(lower, "cve-2026-0001", "id = CVE-2026-0001\nstates = 1:0\nkernel-symbols = vmlinux:saved_command_line\n",
                "vmlinux cmdline_proc_show klp_cmdline_proc_show\n", CMDLINE_C);
        LivePatchRpm.Previous previous = LivePatchRpm.previousIn(repo, KernelRelease.parseAny(kernel), 3);
        assertThatThrownBy(() -> LivePatchBuild.build(request(3, lower, Set.of()), previous, TestKeys.signing(), repo))
                .hasMessageContaining("system state 1 would go down from version 1 to 0");

        // leaving the fix out is refused, unless dropped on purpose
        Path other = dir.resolve("other");
        fix(other, "bsc-1200002", "id = bsc#1200002\nstates = 1:1\n", "vmlinux version_proc_show klp_version_proc_show\n",
                "#include <linux/seq_file.h>\nint klp_version_proc_show(struct seq_file *m, void *v)\n{\n\tseq_puts(m, \"patched\\n\");\n\treturn 0;\n}\n");
        assertThatThrownBy(() -> LivePatchBuild.build(request(3, other, Set.of()), previous, TestKeys.signing(), repo))
                .hasMessageContaining("CVE-2026-0001");
        LivePatchBuild.Result v3 = LivePatchBuild.build(request(3, other, Set.of("CVE-2026-0001")), previous, TestKeys.signing(), repo);
        String changelog = Tools.run(dir, 60, "rpm", "-qp", "--changelog", v3.rpm().file().toString()).ok().out();
        assertThat(changelog).contains("Dropped CVE-2026-0001").contains("bsc#1200002");
    }

    @Test
    void aCompilerErrorIsReportedAtTheFixSourceLine() throws IOException {
        Path tree = dir.resolve("fixes");
        Path f = fix(tree, "broken", "id = CVE-2026-0002\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n",
                "#include <linux/seq_file.h>\nint klp_cmdline_proc_show(struct seq_file *m, void *v)\n{\n\treturn no_such_thing;\n}\n");
        Path repo = Files.createDirectories(dir.resolve("repo"));
        assertThatThrownBy(() -> LivePatchBuild.build(request(2, tree, Set.of()), null, null, repo))
                .isInstanceOf(Kbuild.BuildFailedException.class)
                .hasMessageContaining(f.toAbsolutePath() + "/fix.c:4:")
                .hasMessageContaining("no_such_thing");
    }

    @Test
    void aNonExportedSymbolNotDeclaredIsRefusedByName() throws IOException {
        Path tree = dir.resolve("fixes");
        fix(tree, "undeclared", "id = CVE-2026-0003\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n", CMDLINE_C);
        Path repo = Files.createDirectories(dir.resolve("repo"));
        assertThatThrownBy(() -> LivePatchBuild.build(request(2, tree, Set.of()), null, null, repo))
                .hasMessageContaining("saved_command_line");
    }

    @Test
    void aBuildFolderOfAnotherKernelIsRefusedWithFileAndLine() throws IOException {
        Path other = dir.resolve("build");
        Files.createDirectories(other.resolve("include/generated"));
        Files.writeString(other.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"6.12.99-amd64\"\n");
        Path tree = dir.resolve("fixes");
        fix(tree, "a", "id = CVE-2026-0004\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n", CMDLINE_C);
        LivePatchBuild.Request r = new LivePatchBuild.Request(KernelRelease.parseAny(kernel), 2, tree, other, null, Set.of(),
                LocalDate.of(2026, 12, 4), null, null, null, null, 1);
        assertThatThrownBy(() -> LivePatchBuild.build(r, null, null, dir))
                .hasMessage(other.resolve("include/generated/utsrelease.h") + ":1: the build folder is for kernel 6.12.99-amd64, not --kernel "
                        + kernel + "; a module built there would not load into " + kernel);
    }

    /**
     * The kernel's own selftest modules test_klp_state2 (state 1 at version 2) and test_klp_state
     * (version 1), built from Debian's linux-source-6.1: their states are read from their
     * klp_patch, and packaging the second as the next version of the first is refused, as the
     * kernel refuses to load it.
     */
    @Test
    void theSelftestStateModulesAreReadAndALoweredStateIsRefused() throws IOException {
        Path source = Path.of("/usr/src/linux-source-6.1.tar.xz");
        Assumptions.assumeTrue(Files.isRegularFile(source), "no " + source + ": install linux-source-6.1 to build the kernel's livepatch selftest modules");
        Tools.run(dir, 300, "tar", "-xJf", source.toString(), "--wildcards", "*/lib/livepatch/test_klp_state.c",
                "*/lib/livepatch/test_klp_state2.c").ok();
        Path src = dir.resolve("linux-source-6.1/lib/livepatch");
        Files.writeString(src.resolve("Kbuild"), "obj-m := test_klp_state.o test_klp_state2.o\n");
        Tools.run(src, 600, "make", "-C", buildFolder.toString(), "M=" + src, "-j2", "modules").ok();
        byte[] state = Files.readAllBytes(src.resolve("test_klp_state.ko"));
        byte[] state2 = Files.readAllBytes(src.resolve("test_klp_state2.ko"));
        assertThat(ModuleInfo.parse(state2, "m").values("state")).isEmpty();
        assertThat(KlpPatchStates.of(state, "test_klp_state.ko")).contains(List.of(new SystemState(1, 1)));
        assertThat(KlpPatchStates.of(state2, "test_klp_state2.ko")).contains(List.of(new SystemState(1, 2)));

        KernelRelease k = KernelRelease.parseAny(kernel);
        Path repo = Files.createDirectories(dir.resolve("repo"));
        LivePatchRpm.Result v1 = LivePatchRpm.build(new LivePatchRpm.Spec(k, 1, state2, "test_klp_state2.ko", List.of(),
                LocalDate.of(2026, 12, 4), LocalDate.of(2026, 1, 1), null), null, null, repo);
        assertThat(v1.record().systemStates()).contains(List.of(new SystemState(1, 2)));
        assertThatThrownBy(() -> LivePatchRpm.build(new LivePatchRpm.Spec(k, 2, state, "test_klp_state.ko",
                List.of(Fix.security("CVE-2026-0005", 5.0, "state test")), LocalDate.of(2026, 12, 4), null, null),
                LivePatchRpm.previousIn(repo, k, 2), null, repo))
                .hasMessageContaining("The kernel would refuse to load test_klp_state.ko over version 1")
                .hasMessageContaining("system state 1 would go down from version 2 to 1");
    }
}
