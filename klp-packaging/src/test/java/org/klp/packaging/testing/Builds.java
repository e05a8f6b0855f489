package org.klp.packaging.testing;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.module.SyntheticModule;
import org.klp.core.patch.Fix;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;

/** Builds chains of live patch packages for tests. */
public final class Builds {

    public static final KernelRelease KERNEL = KernelRelease.parse("5.14.21-150500.55.49-default");
    public static final KernelRelease OTHER_KERNEL = KernelRelease.parse("5.14.21-150500.55.52-default");
    public static final LocalDate KERNEL_RELEASED = LocalDate.of(2024, 3, 1);

    public static final Fix CVE_A = Fix.security("CVE-2024-50115", 7.8, "KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs", "bsc#1233019");
    public static final Fix CVE_B = Fix.security("CVE-2024-36971", 7.8, "net: fix __dst_negative_advice() race", "bsc#1226324");
    public static final Fix CVE_C = Fix.security("CVE-2024-53104", 9.1, "media: uvcvideo: Skip parsing frames of type UVC_VS_UNDEFINED", "bsc#1236783");

    private Builds() {
    }

    /** The fixes of version N in the standard test chain: 1 none, 2 A, 3 A+B, 4 A+B+C. */
    public static List<Fix> fixes(int version) {
        return switch (version) {
            case 1 -> List.of();
            case 2 -> List.of(CVE_A);
            case 3 -> List.of(CVE_A, CVE_B);
            default -> List.of(CVE_A, CVE_B, CVE_C);
        };
    }

    public static String moduleName(KernelRelease kernel, int version) {
        return "klp_" + kernel.release().replace('.', '_') + "_v" + version;
    }

    /** Builds versions 1..last of {@code kernel}'s live patch into {@code dir}. */
    public static List<Path> chain(KernelRelease kernel, int last, SigningKey key, Path dir) {
        java.util.ArrayList<Path> out = new java.util.ArrayList<>();
        LivePatchRpm.Previous previous = null;
        for (int v = 1; v <= last; v++) {
            LivePatchRpm.Result r = LivePatchRpm.build(spec(kernel, v), previous, key, dir);
            out.add(r.file());
            previous = LivePatchRpm.previousOf(RpmPackage.read(r.file()));
        }
        return out;
    }

    public static LivePatchRpm.Spec spec(KernelRelease kernel, int version) {
        return new LivePatchRpm.Spec(kernel, version, SyntheticModule.livePatch(moduleName(kernel, version), kernel.uname()),
                "module-v" + version + ".ko", fixes(version), KERNEL_RELEASED.plusDays(14L * version),
                version == 1 ? KERNEL_RELEASED : null, "x86_64");
    }
}
