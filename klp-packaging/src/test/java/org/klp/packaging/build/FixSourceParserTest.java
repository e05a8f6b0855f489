package org.klp.packaging.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.PatchedFunction;
import org.klp.core.patch.SystemState;

class FixSourceParserTest {

    static final String CMDLINE_C = """
            #include <linux/seq_file.h>
            /* klp_cmdline_proc_show(x) in a comment does not count */
            static int helper(void) { return 0; }
            int klp_cmdline_proc_show(struct seq_file *m, void *v)
            {
            \tseq_puts(m, "patched\\n");
            \treturn helper();
            }
            int fix_init(void) { return 0; }
            void fix_cleanup(void) { }
            """;

    static FixSource parse(String props, String csv, String c) {
        return FixSourceParser.parse("fixes/a", props, csv, List.of(new FixSource.SourceFile("cmdline.c", c)));
    }

    @Test
    void readsMetadataFunctionsStatesAndKernelSymbols() {
        FixSource f = parse("""
                # a comment
                id = cve-2026-1234
                cvss = 7.8
                summary = proc: a fix
                references = bsc#1200001, CVE-2026-9999
                changes-data-structures = false
                init = fix_init
                cleanup = fix_cleanup
                states = 1:2 4:1
                kernel-symbols = vmlinux:saved_command_line vmlinux:some_static,2
                """, "vmlinux cmdline_proc_show klp_cmdline_proc_show   # the fix\nklp_target klp_target_message,2 klp_cmdline_proc_show\n", CMDLINE_C);
        assertThat(f.fix().id()).isEqualTo("CVE-2026-1234");
        assertThat(f.fix().cvss()).isEqualTo(7.8);
        assertThat(f.fix().category()).isEqualTo(FixCategory.SECURITY);
        assertThat(f.fix().references()).containsExactly("bsc#1200001", "CVE-2026-9999");
        assertThat(f.functions()).extracting(ReplacedFunction::target)
                .containsExactly(new PatchedFunction("vmlinux", "cmdline_proc_show", 0), new PatchedFunction("klp_target", "klp_target_message", 2));
        assertThat(f.functions().get(1).where()).isEqualTo("fixes/a/patched_funcs.csv:2");
        assertThat(f.init()).contains("fix_init");
        assertThat(f.cleanup()).contains("fix_cleanup");
        assertThat(f.states()).containsExactly(new SystemState(1, 2), new SystemState(4, 1));
        assertThat(f.kernelSymbols()).extracting(KernelSymbol::name, KernelSymbol::sympos)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("saved_command_line", 0), org.assertj.core.groups.Tuple.tuple("some_static", 2));
    }

    @Test
    void aBugIdDefaultsToCategoryOther() {
        FixSource f = parse("id = bsc#1200001\n", "vmlinux cmdline_proc_show klp_cmdline_proc_show\n", CMDLINE_C);
        assertThat(f.fix().category()).isEqualTo(FixCategory.OTHER);
        assertThat(f.fix().cvss()).isZero();
    }

    @Test
    void anUnknownKeyIsRefusedWithFileAndLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n\ncvs = 7\n", "vmlinux a klp_cmdline_proc_show\n", CMDLINE_C))
                .isInstanceOf(FixSourceException.class).hasMessageStartingWith("fixes/a/fix.properties:3: unknown key 'cvs'");
    }

    @Test
    void aBadValueIsRefusedOnItsLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\ncvss = 11\n", "vmlinux a klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/fix.properties:2: cvss must be 0.0 to 10.0");
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\nstates = 1\n", "vmlinux a klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/fix.properties:2: Not a system state");
        assertThatThrownBy(() -> parse("id = CVE-12\n", "vmlinux a klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/fix.properties:1: Not a fix id");
    }

    @Test
    void aMissingIdIsRefused() {
        assertThatThrownBy(() -> parse("cvss = 1\n", "vmlinux a klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/fix.properties: no 'id'");
    }

    @Test
    void aReplacementNotInTheSourcesIsRefusedWithTheCsvLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "# header\nvmlinux cmdline_proc_show klp_missing\n", CMDLINE_C))
                .isInstanceOf(FixSourceException.class)
                .hasMessageStartingWith("fixes/a/patched_funcs.csv:2: klp_missing is not defined in the C sources of fixes/a (cmdline.c)");
    }

    @Test
    void aReplacementOnlyMentionedInACommentOrDeclaredIsNotDefined() {
        String c = "/* int klp_x(void) { } */\nint klp_x(void);\nconst char *s = \"int klp_x(void) {\";\n";
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "vmlinux f klp_x\n", c)).hasMessageContaining("klp_x is not defined");
    }

    @Test
    void aStaticReplacementIsRefusedWithItsSourceLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "vmlinux f helper\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/patched_funcs.csv:1: helper is static in fixes/a/cmdline.c:3");
    }

    @Test
    void aMissingInitIsRefusedOnItsPropertiesLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\ninit = nope\n", "vmlinux f klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/fix.properties:2: nope is not defined");
    }

    @Test
    void malformedCsvLinesAreRefusedWithTheirLine() {
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "vmlinux cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/patched_funcs.csv:1: expected 'object old_function[,sympos] new_function'");
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "vmlinux f,x klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/patched_funcs.csv:1: the symbol position");
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "vm/linux f klp_cmdline_proc_show\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/patched_funcs.csv:1: Not an object name");
        assertThatThrownBy(() -> parse("id = CVE-2026-1234\n", "# nothing\n", CMDLINE_C))
                .hasMessageStartingWith("fixes/a/patched_funcs.csv: lists no function");
    }
}
