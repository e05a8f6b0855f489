package org.klp.packaging.rpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.module.ModuleFormatException;
import org.klp.core.module.SyntheticModule;
import org.klp.core.patch.Fix;
import org.klp.core.patch.NotCumulativeException;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.TestKeys;

class LivePatchRpmTest {

    @TempDir
    static Path dir;
    static List<Path> chain;
    static LivePatchRpm.Previous two;

    @BeforeAll
    static void build() {
        chain = Builds.chain(Builds.KERNEL, 2, TestKeys.signing(), dir.resolve("chain"));
        two = LivePatchRpm.previousOf(RpmPackage.read(chain.get(1)));
    }

    static LivePatchRpm.Spec spec(int version, List<Fix> fixes, byte[] module) {
        return new LivePatchRpm.Spec(Builds.KERNEL, version, module, "m.ko", fixes, LocalDate.of(2024, 6, 1), null, "x86_64");
    }

    static byte[] module(int version) {
        return SyntheticModule.livePatch(Builds.moduleName(Builds.KERNEL, version), Builds.KERNEL.uname());
    }

    @Test
    void recordInsidePackageNamesTheRpmAndKernelReleaseDate() {
        PatchRecord r = LivePatchRpm.recordOf(RpmPackage.read(chain.get(1)));
        assertThat(r.rpm()).isEqualTo("kernel-livepatch-5_14_21-150500_55_49-default-2-1.x86_64");
        assertThat(r.kernelReleased()).isEqualTo(Builds.KERNEL_RELEASED);
        assertThat(r.moduleFile()).isEqualTo("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v2.ko");
        assertThat(r.livePatch().fixes()).extracting(Fix::id).containsExactly("CVE-2024-50115");
    }

    @Test
    void missingFixesOfThePreviousVersionAreNamed() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, List.of(Builds.CVE_B), module(3)), two, null, dir.resolve("out")))
                .isInstanceOf(NotCumulativeException.class)
                .hasMessageContaining("is not cumulative").hasMessageContaining("CVE-2024-50115");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void versionGapIsRefused() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(4, Builds.fixes(4), module(4)), two, null, dir.resolve("out")))
                .hasMessageContaining("Version gap").hasMessageContaining("is version 2").hasMessageContaining("is 3, not 4");
    }

    @Test
    void duplicateVersionIsRefused() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(2, Builds.fixes(2), module(7)), two, null, dir.resolve("out")))
                .hasMessageContaining("would not be newer");
    }

    @Test
    void laterVersionWithoutThePreviousOneIsRefused() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), module(3)), null, null, dir.resolve("out")))
                .hasMessageContaining("needs version 2").hasMessageContaining("--previous");
    }

    @Test
    void previousPackageOfAnotherKernelIsRefused() {
        List<Path> other = Builds.chain(Builds.OTHER_KERNEL, 2, null, dir.resolve("other"));
        LivePatchRpm.Previous foreign = LivePatchRpm.previousOf(RpmPackage.read(other.get(1)));
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), module(3)), foreign, null, dir.resolve("out")))
                .hasMessageContaining("another kernel").hasMessageContaining("5.14.21-150500.55.52-default");
    }

    @Test
    void moduleForAnotherKernelIsRefused() {
        byte[] wrong = SyntheticModule.livePatch("klp_x_v3", Builds.OTHER_KERNEL.uname());
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), wrong), two, null, dir.resolve("out")))
                .isInstanceOf(ModuleFormatException.class).hasMessageContaining("vermagic mismatch");
    }

    @Test
    void moduleThatIsNoLivePatchIsRefused() {
        byte[] plain = SyntheticModule.elf(Map.of("name", List.of("plain"), "vermagic", List.of(Builds.KERNEL.uname() + " SMP")));
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), plain), two, null, dir.resolve("out")))
                .isInstanceOf(ModuleFormatException.class).hasMessageContaining("not a live patch");
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), "hello".getBytes(StandardCharsets.UTF_8)), two, null, dir.resolve("out")))
                .isInstanceOf(ModuleFormatException.class).hasMessageContaining("not an ELF file");
    }

    @Test
    void sameModuleNameAsThePreviousVersionIsRefused() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(3, Builds.fixes(3), module(2)), two, null, dir.resolve("out")))
                .hasMessageContaining("same name as version 2's module");
    }

    @Test
    void initialPatchCarriesNoFixes() {
        assertThatThrownBy(() -> LivePatchRpm.build(spec(1, List.of(Builds.CVE_A), module(1)), null, null, dir.resolve("out")))
                .hasMessageContaining("initial patch");
    }

    @Test
    void simulatedModulesAreAccepted() throws Exception {
        String simulated = "#klp-simulated-module 1\nname=klp_sim_v3\nvermagic=" + Builds.KERNEL.uname() + " SMP\nlivepatch=Y\nreplace=Y\n"
                + "function=vmlinux:cmdline_proc_show,0\n";
        LivePatchRpm.Result r = LivePatchRpm.build(spec(3, Builds.fixes(3), simulated.getBytes(StandardCharsets.UTF_8)), two, null,
                dir.resolve("sim"));
        assertThat(r.record().moduleName()).isEqualTo("klp_sim_v3");
        assertThat(r.record().livePatch().functions()).hasSize(1);
        RpmPackage rpm = RpmPackage.read(r.file());
        rpm.verifyDigests();
        assertThat(rpm.extract(p -> p.endsWith(".ko")).values()).containsExactly(simulated.getBytes(StandardCharsets.UTF_8));
        assertThat(Changelog.of(rpm).entries()).hasSize(3);
    }

    @Test
    void unsignedPackageHasNoSignatureToVerify() throws Exception {
        Path p = LivePatchRpm.build(Builds.spec(Builds.KERNEL, 1), null, null, dir.resolve("unsigned")).file();
        RpmPackage rpm = RpmPackage.read(p);
        rpm.verifyDigests();
        assertThatThrownBy(() -> rpm.verifySignature(TestKeys.signing().trusted()))
                .hasMessageContaining("is not signed");
        assertThat(Files.getPosixFilePermissions(p).toString()).contains("OTHERS_READ");
    }
}
