package org.klp.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.LivePatchRpm;

/**
 * A signed live patch repository built with klp-packaging: versions 1..N of the live patch for
 * the simulated hosts' kernel, each an RPM holding a simulated module, published as rpm-md.
 */
public final class TestRepository {

    private static KeyPairGenerator.GeneratedKey key;
    private static KeyPairGenerator.GeneratedKey stranger;

    public static final LocalDate KERNEL_RELEASED = LocalDate.of(2026, 6, 1);
    public static final List<Fix> FIXES = List.of(
            Fix.security("CVE-2024-50115", 7.8, "KVM: nSVM: ignore nCR3[4:0]", "bsc#1233019"),
            Fix.security("CVE-2024-26930", 7.8, "scsi: qla2xxx: double free", "bsc#1223626"),
            Fix.security("CVE-2024-36971", 7.8, "net: fix __dst_negative_advice() race", "bsc#1226324"));

    private TestRepository() {
    }

    public static synchronized KeyPairGenerator.GeneratedKey key() {
        if (key == null) {
            key = KeyPairGenerator.generate("klp test repository <klp-test@example.org>", 2048);
        }
        return key;
    }

    public static synchronized KeyPairGenerator.GeneratedKey stranger() {
        if (stranger == null) {
            stranger = KeyPairGenerator.generate("someone else <stranger@example.org>", 2048);
        }
        return stranger;
    }

    public static Path publicKey(Path dir, KeyPairGenerator.GeneratedKey k) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve(k == key() ? "trusted.asc" : "stranger.asc");
            Files.writeString(f, k.publicKeyArmored(), StandardCharsets.US_ASCII);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes versions 1..{@code versions} (version N carries the first N-1 fixes) into {@code dir}. */
    public static Path build(Path dir, int versions) {
        SigningKey signing = SigningKey.parse(key().secretKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
        KernelRelease kernel = KernelRelease.parse(SimHostFixture.KERNEL);
        LivePatchRpm.Previous previous = null;
        for (int v = 1; v <= versions; v++) {
            List<String> functions = new ArrayList<>(List.of("function=klp_target:klp_target_message,0"));
            if (v >= 2) {
                functions.add("function=klp_target:klp_target_wait,0");
            }
            String module = "#klp-simulated-module 1\nname=klp_lp_v" + v + "\nvermagic=" + kernel.uname() + " SMP preempt mod_unload modversions\n"
                    + "livepatch=Y\nreplace=Y\n" + String.join("\n", functions) + "\n";
            LivePatchRpm.Spec spec = new LivePatchRpm.Spec(kernel, v, module.getBytes(StandardCharsets.UTF_8), "klp_lp_v" + v + ".ko",
                    FIXES.subList(0, v - 1), KERNEL_RELEASED.plusDays(30L * v), KERNEL_RELEASED, "x86_64");
            LivePatchRpm.Result built = LivePatchRpm.build(spec, previous, signing, dir);
            previous = LivePatchRpm.previousOf(org.klp.packaging.rpm.RpmPackage.read(built.file()));
        }
        new RepositoryPublisher(signing).publish(dir);
        return dir;
    }
}
