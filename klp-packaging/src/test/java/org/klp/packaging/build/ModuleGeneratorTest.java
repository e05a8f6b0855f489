package org.klp.packaging.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.patch.SystemState;

class ModuleGeneratorTest {

    static FixSource fix(String folder, String id, String props, String csv, String c) {
        return FixSourceParser.parse(folder, "id = " + id + "\n" + props, csv, List.of(new FixSource.SourceFile("fix.c", c)));
    }

    static final FixSource CMDLINE = fix("fixes/10-cmdline", "CVE-2026-0001", "states = 1:1\ninit = a_init\ncleanup = a_cleanup\n",
            "vmlinux cmdline_proc_show klp_cmdline_proc_show\n",
            "int klp_cmdline_proc_show(void *m, void *v) { return 0; }\nint a_init(void) { return 0; }\nvoid a_cleanup(void) { }\n");
    static final FixSource TARGET = fix("fixes/20-target", "bsc#1200002", "states = 1:2 3:1\n",
            "klp_target klp_target_message klp_target_message_fixed\nvmlinux version_proc_show klp_version_proc_show\n",
            "int klp_target_message_fixed(void) { return 1; }\nint klp_version_proc_show(void *m, void *v) { return 0; }\n");
    static final FixSource THIRD = fix("fixes/30-third", "CVE-2026-0003", "init = c_init\ncleanup = c_cleanup\n",
            "vmlinux meminfo_proc_show klp_meminfo_proc_show\n",
            "int klp_meminfo_proc_show(void *m, void *v) { return 0; }\nint c_init(void) { return 0; }\nvoid c_cleanup(void) { }\n");

    @Test
    void oneReplacingPatchWithObjectsGroupedVmlinuxFirst() {
        String main = ModuleGenerator.generate("livepatch_x_2", List.of(CMDLINE, TARGET)).files().get(ModuleGenerator.MAIN);
        assertThat(main).contains("\t.replace = true,\n").contains(".mod = THIS_MODULE");
        int vmlinux = main.indexOf(".name = NULL");
        int target = main.indexOf(".name = \"klp_target\"");
        assertThat(vmlinux).isPositive().isLessThan(target);
        // both vmlinux functions, from two fixes, in one klp_func array, in fix order
        String firstArray = main.substring(main.indexOf("klp_funcs_0[]"), main.indexOf("klp_funcs_1[]"));
        assertThat(firstArray).contains("\"cmdline_proc_show\"").contains("\"version_proc_show\"").doesNotContain("klp_target_message");
        assertThat(firstArray.indexOf("cmdline_proc_show")).isLessThan(firstArray.indexOf("version_proc_show"));
        assertThat(main).contains(".old_sympos = 0");
    }

    @Test
    void statesAreMergedToTheHighestVersionAndRecordedInModinfo() {
        ModuleGenerator.GeneratedModule m = ModuleGenerator.generate("livepatch_x_2", List.of(CMDLINE, TARGET));
        assertThat(m.states()).containsExactly(new SystemState(1, 2), new SystemState(3, 1));
        String main = m.files().get(ModuleGenerator.MAIN);
        assertThat(main).contains("{ .id = 1UL, .version = 2 },").contains("{ .id = 3UL, .version = 1 },").contains(".states = klp_states,")
                .contains("MODULE_INFO(state, \"1:2\");").contains("MODULE_INFO(state, \"3:1\");")
                .contains("MODULE_INFO(livepatch, \"Y\");").contains("MODULE_INFO(replace, \"Y\");")
                .contains("MODULE_INFO(function, \"klp_target:klp_target_message,0\");")
                .contains("MODULE_INFO(fix, \"bsc#1200002\");");
    }

    @Test
    void initsRunInFixOrderAndAFailureUndoesTheEarlierOnesInReverse() {
        String main = ModuleGenerator.generate("livepatch_x_3", List.of(CMDLINE, TARGET, THIRD)).files().get(ModuleGenerator.MAIN);
        String init = main.substring(main.indexOf("klp_module_init(void)"), main.indexOf("klp_module_exit(void)"));
        // a_init fails: nothing to undo; c_init fails: undo a; enabling fails: undo c then a
        assertThat(init).containsSubsequence("ret = a_init();", "goto undo_0;", "ret = c_init();", "goto undo_1;",
                "ret = klp_enable_patch(&klp_patch);", "goto undo_2;", "return 0;", "undo_2:", "c_cleanup();", "undo_1:", "a_cleanup();",
                "undo_0:", "return ret;");
        String exit = main.substring(main.indexOf("klp_module_exit(void)"));
        assertThat(exit).containsSubsequence("c_cleanup();", "a_cleanup();");
    }

    @Test
    void noUnusedLabelsWithoutInitOrCleanup() {
        String main = ModuleGenerator.generate("livepatch_x_2", List.of(TARGET)).files().get(ModuleGenerator.MAIN);
        assertThat(main).contains("goto undo_0;").contains("undo_0:").doesNotContain("undo_1");
    }

    @Test
    void kbuildListsTheMainAndEveryFixObject() {
        ModuleGenerator.GeneratedModule m = ModuleGenerator.generate("livepatch_x_2", List.of(CMDLINE, TARGET));
        assertThat(m.files().get(ModuleGenerator.KBUILD)).contains("obj-m := livepatch_x_2.o\n")
                .contains("livepatch_x_2-y := klp_main.o").contains("fix01_CVE_2026_0001/fix.o").contains("fix02_bsc_1200002/fix.o");
        assertThat(m.files()).containsKeys("fix01_CVE_2026_0001/fix.c", "fix02_bsc_1200002/fix.c");
    }

    @Test
    void theSameFixesGiveTheSameFiles() {
        assertThat(ModuleGenerator.generate("m_2", List.of(CMDLINE, TARGET)).files())
                .isEqualTo(ModuleGenerator.generate("m_2", List.of(CMDLINE, TARGET)).files());
    }

    @Test
    void aFunctionReplacedByTwoFixesIsRefusedNamingBoth() {
        FixSource again = fix("fixes/40-again", "CVE-2026-0004", "", "# again\nvmlinux cmdline_proc_show,1 klp_other\n",
                "int klp_other(void *m, void *v) { return 0; }\n");
        assertThatThrownBy(() -> ModuleGenerator.generate("m_2", List.of(CMDLINE, again)))
                .isInstanceOf(FixSourceException.class)
                .hasMessageStartingWith("fixes/40-again/patched_funcs.csv:2: vmlinux:cmdline_proc_show,1 is replaced twice: by fix CVE-2026-0004"
                        + " and by fix CVE-2026-0001 (fixes/10-cmdline/patched_funcs.csv:1)");
    }

    @Test
    void oneFixInTwoFoldersIsRefused() {
        FixSource copy = fix("fixes/11-copy", "CVE-2026-0001", "", "vmlinux meminfo_proc_show klp_m\n", "int klp_m(void) { return 0; }\n");
        assertThatThrownBy(() -> ModuleGenerator.generate("m_2", List.of(CMDLINE, copy))).hasMessageContaining("is also in fixes/10-cmdline");
    }

    @Test
    void badModuleNamesAreRefused() {
        assertThatThrownBy(() -> ModuleGenerator.generate("Bad-Name", List.of(CMDLINE))).hasMessageContaining("Not a module name");
        assertThatThrownBy(() -> ModuleGenerator.generate("klp_main", List.of(CMDLINE))).hasMessageContaining("Not a module name");
    }

    @Test
    void theInitialPatchHasNoObjects() {
        String main = ModuleGenerator.generate("m_1", List.of()).files().get(ModuleGenerator.MAIN);
        assertThat(main).contains("static struct klp_object klp_objects[] = {\n\t{ }\n};").doesNotContain("klp_states");
    }
}
