package org.klp.packaging.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.patch.PatchedFunction;

class PatchRecordJsonTest {

    private static final KernelRelease KERNEL = KernelRelease.parse("6.1.0-56-amd64");
    private static final LivePatchPackage V2 = new LivePatchPackage(KERNEL, 2, LocalDate.of(2024, 11, 5),
            List.of(Fix.security("CVE-2024-50115", 7.8, "KVM", "bsc#1233019")),
            List.of(new PatchedFunction("klp_target", "klp_target_message", 0)));

    @Test
    void roundTripsARecord() {
        PatchRecord record = new PatchRecord(V2, "klp_patch_v2", PatchRecord.modulePath(V2, "klp_patch_v2"), "kernel-livepatch-6_1_0-56-amd64-2-1.x86_64");
        String json = PatchRecordJson.write(record);
        assertThat(json).contains("\"package\" : \"kernel-livepatch-6_1_0-56-amd64\"");
        assertThat(PatchRecordJson.read(json, "r.json")).isEqualTo(record);
        assertThat(record.moduleFile()).isEqualTo("lib/modules/6.1.0-56-amd64/livepatch/klp_patch_v2.ko");
        assertThat(PatchRecord.recordPath(V2)).isEqualTo("usr/share/klp/patches/kernel-livepatch-6_1_0-56-amd64-2.json");
    }

    @Test
    void refusesRecordsThatContradictThemselves() {
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "package": "kernel-livepatch-6_1_0-57-amd64", "kernel": "6.1.0-56-amd64",
                 "version": 2, "released": "2024-11-05", "module": "m"}""", "r.json"))
                .hasMessageContaining("\"package\" is kernel-livepatch-6_1_0-57-amd64 but kernel 6.1.0-56-amd64 makes it kernel-livepatch-6_1_0-56-amd64");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 2, "kernel": "6.1.0-56-amd64", "version": 2, "released": "2024-11-05", "module": "m"}""", "r.json"))
                .hasMessageContaining("\"format\" must be 1");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "kernel": "6.1.0-56-amd64", "version": 2, "released": "5 Nov", "module": "m"}""", "r.json"))
                .hasMessageContaining("must be a date");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "kernel": "6.1.0-56-amd64", "version": 1, "released": "2024-11-05", "module": "m",
                 "fixes": [{"id": "CVE-2024-1234"}]}""", "r.json"))
                .hasMessageContaining("initial patch");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "kernel": "6.1.0-56-amd64", "version": 2, "released": "2024-11-05", "module": "m", "moduleFile": "../../etc/passwd"}""", "r.json"))
                .hasMessageContaining("stay inside");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "kernel": "6.1.0-56-amd64", "version": 2, "released": "2024-11-05"}""", "r.json"))
                .hasMessageContaining("needs \"module\"");
        assertThatThrownBy(() -> PatchRecordJson.read("""
                {"format": 1, "kernel": "6.1.0-56-amd64", "version": 2, "released": "2024-11-05", "module": "bad-name"}""", "r.json"))
                .hasMessageContaining("Not a module name");
    }

    @Test
    void parsesFunctionsWithAndWithoutSympos() {
        assertThat(PatchRecordJson.parseFunction("vmlinux:cmdline_proc_show")).isEqualTo(new PatchedFunction("vmlinux", "cmdline_proc_show", 0));
        assertThat(PatchRecordJson.parseFunction("vmlinux:cmdline_proc_show,2")).isEqualTo(new PatchedFunction("vmlinux", "cmdline_proc_show", 2));
        assertThatThrownBy(() -> PatchRecordJson.parseFunction("cmdline_proc_show")).hasMessageContaining("object:function,sympos");
    }
}
