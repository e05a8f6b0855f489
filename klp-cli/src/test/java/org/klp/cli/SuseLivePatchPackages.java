package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Live patch packages as SUSE builds them, made once per test run with the real {@code rpmbuild}
 * from a spec written here: SUSE's names ({@code kernel-livepatch-5_14_21-150500_55_49-default},
 * version N, release N.1, module {@code livepatch-N-N_1.ko}), SUSE's changelog lines, and no klp
 * record. Each holds a simulated module, so a simulated host of that kernel loads it.
 */
public final class SuseLivePatchPackages {

    public static final String KERNEL = "5.14.21-150500.55.49-default";
    public static final String PACKAGE = "kernel-livepatch-5_14_21-150500_55_49-default";

    private static Path built;

    private SuseLivePatchPackages() {
    }

    public static String nevra(int version) {
        return PACKAGE + "-" + version + "-" + version + ".1.x86_64";
    }

    public static String moduleName(int version) {
        return "livepatch_" + version + "_" + version + "_1";
    }

    /** Where the package puts its module, relative to the root. */
    public static String moduleFile(int version) {
        return "lib/modules/" + KERNEL + "/livepatch/livepatch-" + version + "-" + version + "_1.ko";
    }

    /** The RPM of version 1, 2 or 3, built on first use. */
    public static synchronized Path rpm(int version) {
        if (built == null) {
            built = build();
        }
        return built.resolve("RPMS/x86_64/" + nevra(version) + ".rpm");
    }

    private static Path build() {
        try {
            Path top = Files.createTempDirectory("klp-suse-rpms");
            top.toFile().deleteOnExit();
            for (String d : List.of("SPECS", "SOURCES", "BUILD", "RPMS", "SRPMS", "BUILDROOT")) {
                Files.createDirectories(top.resolve(d));
            }
            for (int v = 1; v <= 3; v++) {
                Path module = top.resolve("SOURCES/livepatch-" + v + "-" + v + "_1.ko");
                List<String> make = new ArrayList<>(List.of("sim", "make-module", module.toString(), "--name", moduleName(v), "--kernel", KERNEL,
                        "--function", "klp_target:klp_target_message"));
                KlpRun r = KlpRun.run(SimHostFixture.CLOCK, make.toArray(String[]::new));
                assertThat(r.exitCode()).as(r.toString()).isZero();
                Path spec = top.resolve("SPECS/v" + v + ".spec");
                Files.writeString(spec, spec(v), StandardCharsets.UTF_8);
                run(List.of("rpmbuild", "-bb", "--quiet", "--define", "_topdir " + top, "--define", "lpversion " + v,
                        "--define", "_binary_payload w2.xzdio", "--target", "x86_64", spec.toString()));
            }
            return top;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A spec in SUSE's shape: the changelog names every fix since the initial patch, newest entry first. */
    private static String spec(int version) {
        String changelog = switch (version) {
            case 1 -> "";
            case 2 -> entry2();
            default -> """
                    * Thu Dec 05 2024 mvalerio@suse.com
                    - Fix for CVE-2024-26930 ("scsi: qla2xxx: Fix double free of the ha->vp_map pointer")
                      References: bsc#1223626 CVE-2024-26930
                    - Fix for bsc#1210000 ("oops in klp_target_wait")
                    """ + entry2();
        };
        return """
                %%define debug_package %%{nil}
                %%global __os_install_post %%{nil}
                Name:           %s
                Version:        %%{lpversion}
                Release:        %%{lpversion}.1
                Summary:        Kernel live patch for %s
                License:        GPL-2.0-only
                Source0:        livepatch-%%{lpversion}-%%{lpversion}_1.ko

                %%description
                This is a live patch for SUSE Linux Enterprise Server kernel.

                %%install
                mkdir -p %%{buildroot}/lib/modules/%s/livepatch
                install -m 644 %%{SOURCE0} %%{buildroot}/lib/modules/%s/livepatch/

                %%files
                /lib/modules/%s/livepatch/livepatch-%%{lpversion}-%%{lpversion}_1.ko

                %%changelog
                %s* Mon Oct 07 2024 nstange@suse.de
                - Initial live patch for kernel %s
                """.formatted(PACKAGE, KERNEL, KERNEL, KERNEL, KERNEL, changelog, KERNEL);
    }

    private static String entry2() {
        return """
                * Tue Nov 26 2024 nstange@suse.de
                - Fix for CVE-2024-50115 ("KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs from memory")
                  (bsc#1233019).
                """;
    }

    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", cmd) + " finished").isTrue();
            assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
