package org.klp.core.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FixTest {

    @Test
    void normalizesCveAndBugIds() {
        assertThat(Fix.normalizeId("cve-2024-50115")).isEqualTo("CVE-2024-50115");
        assertThat(Fix.normalizeId(" BSC#1233019 ")).isEqualTo("bsc#1233019");
        assertThat(Fix.normalizeId("jsc#PED-1234")).isEqualTo("jsc#PED-1234");
        Fix fix = Fix.security("CVE-2024-50115", 7.8, " summary ", "BSC#1233019");
        assertThat(fix.isCve()).isTrue();
        assertThat(fix.summary()).isEqualTo("summary");
        assertThat(fix.allIds()).containsExactly("CVE-2024-50115", "bsc#1233019");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "CVE-24-1", "CVE-2024-123", "1233019", "#1233019", "bsc#", "bsc#12 3", "cve_2024_50115"})
    void refusesMalformedIds(String id) {
        assertThatThrownBy(() -> Fix.normalizeId(id)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a CVE");
    }

    @Test
    void refusesScoresOutOfRange() {
        assertThatThrownBy(() -> Fix.security("CVE-2024-50115", 10.1, "x")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Fix.security("CVE-2024-50115", -1, "x")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Fix.security("CVE-2024-50115", Double.NaN, "x")).hasMessageContaining("out of range");
    }

    @Test
    void categoriesParseFromTheirLabels() {
        for (FixCategory c : FixCategory.values()) {
            assertThat(FixCategory.parse(c.label())).isEqualTo(c);
        }
        assertThat(FixCategory.parse("Data_Corruption")).isEqualTo(FixCategory.DATA_CORRUPTION);
        assertThatThrownBy(() -> FixCategory.parse("performance")).hasMessageContaining("'performance'");
        assertThat(new Fix("bsc#1", 0, null, null, FixCategory.OTHER, false).references()).isEqualTo(List.of());
    }

    @Test
    void patchedFunctionsParseFromSysfsFolderNames() {
        PatchedFunction f = PatchedFunction.fromSysfs("vmlinux", "cmdline_proc_show,1");
        assertThat(f).isEqualTo(new PatchedFunction("vmlinux", "cmdline_proc_show", 1));
        assertThat(f.sysfsName()).isEqualTo("cmdline_proc_show,1");
        assertThatThrownBy(() -> PatchedFunction.fromSysfs("vmlinux", "cmdline_proc_show")).hasMessageContaining("<function>,<sympos>");
        assertThatThrownBy(() -> PatchedFunction.fromSysfs("vmlinux", "f,x")).hasMessageContaining("sympos is not a number");
        assertThatThrownBy(() -> PatchedFunction.fromSysfs("vmlinux", "f,-1")).hasMessageContaining("negative");
        assertThatThrownBy(() -> new PatchedFunction("../etc", "f", 0)).hasMessageContaining("object name");
    }
}
