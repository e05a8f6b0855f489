package org.klp.it.realkernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.packaging.build.LivePatchBuild;
import org.klp.packaging.rpm.LivePatchRpm;

/**
 * Modules made by {@code klp-pack build} from fix sources, on the real kernel, one boot: version 2
 * replaces {@code cmdline_proc_show} with code that reads the non-exported
 * {@code saved_command_line} through a livepatch relocation the kernel resolves when the patch is
 * enabled; version 3 adds a second fix ({@code version_proc_show}) and replaces version 2
 * atomically.
 */
class KlpPackBuildOnRealKernelTest {

    private static final String LP = "/sys/kernel/livepatch";
    private static GuestRun run;
    private static String v2;
    private static String v3;

    @BeforeAll
    static void buildAndBoot() throws IOException {
        RealKernelLab lab = RealKernelLab.get();
        Path base = lab.workDir().resolve("klp-pack-build");
        deleteTree(base);
        Path repo = Files.createDirectories(base.resolve("repo"));
        Path fixes = base.resolve("fixes");
        fix(fixes.resolve("10-cmdline"), "id = CVE-2026-0001\ncvss = 5.5\nsummary = proc: cmdline marker\nstates = 1:1\n"
                        + "kernel-symbols = vmlinux:saved_command_line\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n",
                "#include <linux/seq_file.h>\n\nextern char *saved_command_line;\n\n"
                        + "int klp_cmdline_proc_show(struct seq_file *m, void *v)\n{\n"
                        + "\tseq_printf(m, \"%s klp=CVE-2026-0001\\n\", saved_command_line);\n\treturn 0;\n}\n");
        Path empty = Files.createDirectories(base.resolve("empty"));
        build(lab, 1, empty, repo, null);
        v2 = build(lab, 2, fixes, repo, base.resolve("work-2"));
        fix(fixes.resolve("20-version"), "id = bsc#1200002\nsummary = proc: version marker\n",
                "vmlinux version_proc_show klp_version_proc_show\n",
                "#include <linux/seq_file.h>\n\nint klp_version_proc_show(struct seq_file *m, void *v)\n{\n"
                        + "\tseq_puts(m, \"patched by klp bsc#1200002\\n\");\n\treturn 0;\n}\n");
        v3 = build(lab, 3, fixes, repo, base.resolve("work-3"));

        GuestFolder folder = lab.newFolder("klp-pack-build-guest");
        folder.put("built/" + v2 + ".ko", base.resolve("work-2/" + v2 + ".ko"));
        folder.put("built/" + v3 + ".ko", base.resolve("work-3/" + v3 + ".ko"));
        String dir = folder.guestPath("built") + "/";
        run = lab.guest().boot(folder, Scenario.builder()
                .step("cmdline-before", "cat /proc/cmdline")
                .step("insmod-v2", "insmod " + dir + v2 + ".ko")
                .step("v2-wait", "klp_wait_for " + LP + "/" + v2 + "/transition 0 30")
                .step("cmdline-v2", "cat /proc/cmdline")
                .step("v2-functions", "ls " + LP + "/" + v2 + "/vmlinux")
                .step("insmod-v3", "insmod " + dir + v3 + ".ko")
                .step("v3-wait", "klp_wait_for " + LP + "/" + v3 + "/transition 0 30")
                .step("livepatch-after-v3", "for i in $(seq 1 60); do [ -d " + LP + "/" + v2 + " ] || break; sleep 0.5; done; ls " + LP)
                .step("cmdline-v3", "cat /proc/cmdline")
                .step("version-v3", "cat /proc/version")
                .step("livepatch-dmesg", "dmesg | grep -i livepatch | tail -n 8")
                .build());
        System.out.println(run.summary());
    }

    private static String build(RealKernelLab lab, int version, Path fixes, Path repo, Path work) {
        var kernel = lab.kernel().release();
        LivePatchBuild.Request request = new LivePatchBuild.Request(kernel, version, fixes, lab.kernel().headers(), null, Set.of(),
                LocalDate.of(2026, 12, 4), LocalDate.of(2026, 1, 1), null, work, null, 2);
        LivePatchBuild.Result r = LivePatchBuild.build(request, LivePatchRpm.previousIn(repo, kernel, version), null, repo);
        return r.rpm().record().moduleName();
    }

    private static void fix(Path folder, String properties, String csv, String c) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("fix.properties"), properties);
        Files.writeString(folder.resolve("patched_funcs.csv"), csv);
        Files.writeString(folder.resolve("fix.c"), c);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theReplacementReadsANonExportedVariableThroughALivepatchRelocation() {
        String before = run.step("cmdline-before").requireSuccess().out();
        assertThat(before).doesNotContain("klp=");
        run.step("insmod-v2").requireSuccess();
        run.step("v2-wait").requireSuccess();
        assertThat(run.step("cmdline-v2").requireSuccess().out()).isEqualTo(before.strip() + " klp=CVE-2026-0001");
        assertThat(run.step("v2-functions").lines()).containsExactlyInAnyOrder("cmdline_proc_show,1", "patched");
    }

    @Test
    void theNextVersionWithASecondFixReplacesItAtomically() {
        run.step("insmod-v3").requireSuccess();
        run.step("v3-wait").requireSuccess();
        assertThat(run.step("livepatch-after-v3").lines()).containsExactly(v3);
        assertThat(run.step("cmdline-v3").out()).endsWith(" klp=CVE-2026-0001");
        assertThat(run.step("version-v3").out()).isEqualTo("patched by klp bsc#1200002");
    }
}
