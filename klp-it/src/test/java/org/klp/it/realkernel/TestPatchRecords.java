package org.klp.it.realkernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Package records (klp's {@code PatchRecordJson} format) for the test live patches
 * {@code klp_patch_v1..v3}: what a live patch package would ship with each module. Cumulative:
 * every version carries the fixes of the one before. Module {@code klp_patch_vN} is version N+1 of
 * the package: version 1 is the initial patch every kernel ships, which carries no fixes (klp's
 * domain refuses fixes in it), and these modules all carry some. Each names its module file relative to the
 * root as {@code work/modules/klp_patch_vN.ko}, where the guest has it ({@code /work} is the guest
 * folder) and where the simulated host of the agreement test puts its simulated module, so that
 * {@code klp downgrade --to N} finds it on both.
 */
final class TestPatchRecords {

    /** The fixes version {@code v} adds to the one before. */
    private static final List<List<String>> ADDED = List.of(
            List.of("""
                    {"id": "CVE-2024-1086", "cvss": 7.8, "summary": "netfilter: nf_tables: use-after-free in nft_verdict_init()", \
                    "references": ["bsc#1219434"]}""",
                    """
                    {"id": "CVE-2023-52447", "cvss": 6.7, "summary": "bpf: defer the free of inner map when necessary", \
                    "references": ["bsc#1220251"]}"""),
            List.of("""
                    {"id": "CVE-2024-26585", "cvss": 4.7, "summary": "tls: fix race between tx work scheduling and socket close", \
                    "references": ["bsc#1220187"]}""",
                    """
                    {"id": "bsc#1221000", "category": "stability", "summary": "klp_target_wait: lost wake-up"}"""),
            List.of("""
                    {"id": "CVE-2024-36971", "cvss": 7.8, "summary": "net: fix __dst_negative_advice() race", \
                    "references": ["bsc#1226145"]}"""));

    /** The functions each version patches, as the test modules do. */
    private static final List<List<String>> FUNCTIONS = List.of(
            List.of("klp_target:klp_target_message"),
            List.of("klp_target:klp_target_message", "klp_target:klp_target_wait"),
            List.of("klp_target:klp_target_message", "klp_target:klp_target_wait", "klp_target:klp_target_loop",
                    "vmlinux:cmdline_proc_show"));

    private TestPatchRecords() {
    }

    /** The guest path of version {@code v}'s record once {@link #writeInto} put it in a guest folder. */
    static String guestPath(int v) {
        return GuestFolder.MOUNT_POINT + "/" + relativePath(v);
    }

    /** {@code records/klp_patch_vN.json}, relative to the guest folder (or a simulated host's root's {@code work/}). */
    static String relativePath(int v) {
        return "records/klp_patch_v" + v + ".json";
    }

    /** The functions version {@code v} patches, {@code object:function}. */
    static List<String> functions(int v) {
        return FUNCTIONS.get(v - 1);
    }

    /** The package version of module {@code klp_patch_vN}. */
    static int packageVersion(int v) {
        return v + 1;
    }

    /** The record of module {@code klp_patch_vN} (1 to 3) for a kernel release. */
    static String json(int v, String kernel) {
        if (v < 1 || v > 3) {
            throw new IllegalArgumentException("The test live patches are v1 to v3, not v" + v);
        }
        List<String> fixes = new ArrayList<>();
        for (int i = 0; i < v; i++) {
            fixes.addAll(ADDED.get(i));
        }
        return """
                {"format": 1, "kernel": "%s", "version": %d, "released": "2026-0%d-01", "module": "klp_patch_v%d",
                 "moduleFile": "work/modules/klp_patch_v%d.ko",
                 "functions": [%s],
                 "fixes": [
                  %s]}
                """.formatted(kernel, packageVersion(v), v, v, v, String.join(", ", functions(v).stream().map(f -> "\"" + f + "\"").toList()),
                String.join(",\n  ", fixes));
    }

    /** Writes the records of v1..v3 for the kernel into {@code dir/records/}. */
    static void writeInto(Path dir, String kernel) {
        try {
            for (int v = 1; v <= 3; v++) {
                Path file = dir.resolve(relativePath(v));
                Files.createDirectories(file.getParent());
                Files.writeString(file, json(v, kernel), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the test patch records into " + dir, e);
        }
    }
}
