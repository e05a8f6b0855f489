package org.klp.core.module;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleInfoTest {

    @Test
    void readsModinfoOfAnElfModule() {
        byte[] ko = SyntheticModule.livePatch("klp_patch_v2", "6.1.0-56-amd64");
        ModuleInfo info = ModuleInfo.parse(ko, "klp_patch_v2.ko");
        assertThat(info.simulated()).isFalse();
        assertThat(info.name()).isEqualTo("klp_patch_v2");
        assertThat(info.isLivePatch()).isTrue();
        assertThat(info.builtForRelease()).contains("6.1.0-56-amd64");
        info.requireLivePatchFor("6.1.0-56-amd64", "klp_patch_v2.ko");
    }

    @Test
    void refusesAModuleBuiltForAnotherKernel() {
        ModuleInfo info = ModuleInfo.parse(SyntheticModule.livePatch("p", "6.1.0-99-amd64"), "p.ko");
        assertThatThrownBy(() -> info.requireLivePatchFor("6.1.0-56-amd64", "p.ko"))
                .isInstanceOf(ModuleFormatException.class)
                .hasMessage("p.ko was built for kernel 6.1.0-99-amd64, not for 6.1.0-56-amd64 (vermagic mismatch); a live patch fits only the exact kernel it was built for, so klp does not load it (the kernel itself may: with modversions it compares only the vermagic's flags)");
    }

    @Test
    void refusesAModuleThatIsNotALivePatch() {
        byte[] plain = SyntheticModule.elf(Map.of("name", List.of("klp_plain"), "vermagic", List.of("6.1.0-56-amd64 SMP ")));
        ModuleInfo info = ModuleInfo.parse(plain, "klp_plain.ko");
        assertThatThrownBy(() -> info.requireLivePatchFor("6.1.0-56-amd64", "klp_plain.ko"))
                .hasMessageContaining("not a live patch");
    }

    @Test
    void refusesTruncatedEmptyCompressedAndForeignFiles() {
        byte[] ko = SyntheticModule.livePatch("p", "6.1.0-56-amd64");
        assertThatThrownBy(() -> ModuleInfo.parse(Arrays.copyOf(ko, ko.length / 2), "half.ko"))
                .isInstanceOf(ModuleFormatException.class).hasMessageContaining("half.ko is truncated");
        assertThatThrownBy(() -> ModuleInfo.parse(Arrays.copyOf(ko, 20), "tiny.ko")).hasMessageContaining("truncated");
        assertThatThrownBy(() -> ModuleInfo.parse(new byte[0], "empty.ko")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ModuleInfo.parse(new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z', 0}, "m.ko.xz")).hasMessageContaining("compressed");
        assertThatThrownBy(() -> ModuleInfo.parse("hello".getBytes(StandardCharsets.US_ASCII), "notes.txt")).hasMessageContaining("not an ELF file");
    }

    @Test
    void readsASimulatedModule() {
        String text = ModuleInfo.SIMULATED_HEADER + "\nname=klp_patch_v3\nvermagic=6.1.0-56-amd64 SMP\nlivepatch=Y\nreplace=Y\n"
                + "# comment\nstate=1:3\nfunction=klp_target:klp_target_message,0\nfunction=vmlinux:cmdline_proc_show,0\n";
        ModuleInfo info = ModuleInfo.parse(text.getBytes(StandardCharsets.UTF_8), "v3.ko");
        assertThat(info.simulated()).isTrue();
        assertThat(info.name()).isEqualTo("klp_patch_v3");
        assertThat(info.values("function")).containsExactly("klp_target:klp_target_message,0", "vmlinux:cmdline_proc_show,0");
        assertThat(info.value("state")).contains("1:3");
        assertThat(info.isLivePatch()).isTrue();
    }

    @Test
    void refusesMalformedSimulatedModules() {
        assertThatThrownBy(() -> ModuleInfo.parse((ModuleInfo.SIMULATED_HEADER + "\nname=x\nbroken line\n").getBytes(StandardCharsets.UTF_8), "s.ko"))
                .hasMessageContaining("s.ko line 3: expected key=value");
        assertThatThrownBy(() -> ModuleInfo.parse((ModuleInfo.SIMULATED_HEADER + "\nlivepatch=Y\n").getBytes(StandardCharsets.UTF_8), "s.ko"))
                .hasMessageContaining("without a name");
    }
}
