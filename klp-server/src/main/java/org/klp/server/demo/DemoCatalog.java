package org.klp.server.demo;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

/**
 * The demo's catalog: two product streams (SLES 15 SP5 and SP6 with their Live Patching
 * extensions), kernel releases with release dates placed around today so that one kernel's
 * support has ended, one ends within a month and the rest are current; and cumulative live patches
 * carrying real kernel CVEs of 2024.
 */
final class DemoCatalog {

    record Stream(String base, String baseName, String extension, String extensionName) {
    }

    record Kernel(Stream stream, KernelRelease release, LocalDate released, int versions) {
    }

    static final Stream SP5 = new Stream("SLES/15.5/x86_64", "SUSE Linux Enterprise Server 15 SP5 x86_64",
            "sle-module-live-patching/15.5/x86_64", "SUSE Linux Enterprise Live Patching 15 SP5 x86_64");
    static final Stream SP6 = new Stream("SLES/15.6/x86_64", "SUSE Linux Enterprise Server 15 SP6 x86_64",
            "sle-module-live-patching/15.6/x86_64", "SUSE Linux Enterprise Live Patching 15 SP6 x86_64");

    /** Functions the live patches replace, one more per version: a task asleep in one blocks the transition. */
    static final List<String> FUNCTIONS = List.of("vmlinux:pipe_read,0", "vmlinux:tcp_sendmsg,0", "vmlinux:nf_tables_newrule,0",
            "vmlinux:io_uring_setup,0", "vmlinux:ext4_file_write_iter,0", "vmlinux:vsock_connect,0");

    static final List<Fix> FIXES = List.of(
            new Fix("CVE-2024-1086", 7.8, "netfilter: nf_tables: use-after-free in nft_verdict_init", List.of("bsc#1219434"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-26923", 7.0, "af_unix: garbage collector race with connect()", List.of("bsc#1223384"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-36971", 7.8, "net: use-after-free in __dst_negative_advice", List.of("bsc#1226145"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-41009", 7.0, "bpf: ringbuf overlapping reservations", List.of("bsc#1228020"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-43861", 7.5, "net: usb: qmi_wwan: memory leak on rx", List.of("bsc#1229553"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-50115", 7.8, "KVM: nSVM: ignore nCR3[4:0] when loading PDPTEs from memory", List.of("bsc#1232919"), FixCategory.SECURITY, false),
            new Fix("CVE-2024-53104", 7.8, "media: uvcvideo: out-of-bounds write on UVC_VS_UNDEFINED frames", List.of("bsc#1234025"), FixCategory.SECURITY, false),
            new Fix("bsc#1233019", 0.0, "ext4: data corruption on concurrent direct I/O writes", List.of(), FixCategory.DATA_CORRUPTION, false));

    private DemoCatalog() {
    }

    /** Kernels by release date relative to {@code today}; the last of each stream is the newest. */
    static List<Kernel> kernels(LocalDate today) {
        List<Kernel> k = new ArrayList<>();
        k.add(new Kernel(SP5, KernelRelease.parse("5.14.21-150500.55.49-default"), today.minusDays(410), 5));
        k.add(new Kernel(SP5, KernelRelease.parse("5.14.21-150500.55.65-default"), today.minusDays(348), 4));
        k.add(new Kernel(SP5, KernelRelease.parse("5.14.21-150500.55.83-default"), today.minusDays(190), 3));
        k.add(new Kernel(SP6, KernelRelease.parse("6.4.0-150600.23.25-default"), today.minusDays(240), 4));
        k.add(new Kernel(SP6, KernelRelease.parse("6.4.0-150600.23.38-default"), today.minusDays(120), 3));
        k.add(new Kernel(SP6, KernelRelease.parse("6.4.0-150600.23.47-default"), today.minusDays(45), 3));
        return k;
    }

    /** The fixes of version {@code n} (cumulative: every fix of n-1 and one more), offset per kernel so kernels differ. */
    static List<Fix> fixes(int kernelIndex, int n) {
        List<Fix> out = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            out.add(FIXES.get((kernelIndex + i) % FIXES.size()));
        }
        return out;
    }

    static List<String> functions(int n) {
        return FUNCTIONS.subList(0, Math.min(FUNCTIONS.size(), Math.max(1, n - 1)));
    }

    /**
     * The demo's CVE feed (JSON Lines, the format {@code klp-server cve import} reads): the CVEs the
     * live patches carry, with the kernels of each stream that fix them, and a few no live patch
     * will carry: a medium score (out of scope), a fix that changes data structures, a qualifying
     * fix only a newer kernel has, and one fixed in every kernel of its stream.
     */
    static String feed() {
        String sp5 = "5.14.21-150500-default";
        String sp6 = "6.4.0-150600-default";
        String local = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
        String race = "CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H";
        return String.join("\n",
                cve("CVE-2024-1086", 7.8, local, "netfilter: nf_tables: use-after-free in nft_verdict_init", "2024-01-31",
                        true, fixed("5.14.21-150500.55.65-default")),
                cve("CVE-2024-26923", 7.0, race, "af_unix: garbage collector race with connect()", "2024-04-25", true,
                        fixed("5.14.21-150500.55.83-default")),
                cve("CVE-2024-36971", 7.8, local, "net: use-after-free in __dst_negative_advice", "2024-06-10", true,
                        fixed("5.14.21-150500.55.88-default"), fixed("6.4.0-150600.23.25-default")),
                cve("CVE-2024-41009", 7.0, race, "bpf: ringbuf overlapping reservations", "2024-07-17", true, unfixed(sp5),
                        fixed("6.4.0-150600.23.38-default")),
                cve("CVE-2024-43861", 7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "net: usb: qmi_wwan: memory leak on rx", "2024-08-20",
                        true, fixed("6.4.0-150600.23.47-default")),
                cve("CVE-2024-50115", 7.8, local, "KVM: nSVM: ignore nCR3[4:0] when loading PDPTEs from memory", "2024-11-04", true, unfixed(sp6)),
                cve("CVE-2024-53104", 7.8, local, "media: uvcvideo: out-of-bounds write on UVC_VS_UNDEFINED frames", "2024-12-02", true, unfixed(sp6)),
                cve("CVE-2024-26925", 5.5, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", "netfilter: nf_tables: release mutex after nft_gc_seq_end",
                        "2024-04-25", true, fixed("5.14.21-150500.55.83-default"), fixed("6.4.0-150600.23.38-default")),
                cve("CVE-2024-26581", 7.8, local, "netfilter: nft_set_rbtree: skip end interval element from gc", "2024-02-22", false,
                        fixed("6.4.0-150600.23.47-default")),
                cve("CVE-2024-46800", 7.8, local, "sch/netem: fix use after free in netem_dequeue", "2024-09-18", true,
                        fixed("5.14.21-150500.55.83-default")),
                cve("CVE-2023-52434", 8.1, "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "smb: client: fix potential OOBs in smb2_parse_contexts()",
                        "2024-02-20", true, fixed("5.14.21-150500.55.49-default"))) + "\n";
    }

    private static String cve(String id, double cvss, String vector, String summary, String published, boolean livePatchPossible,
                              String... affected) {
        return "{\"id\":\"" + id + "\",\"cvss\":" + cvss + ",\"vector\":\"" + vector + "\",\"summary\":\"" + summary
                + "\",\"published\":\"" + published + "\",\"category\":\"security\",\"livePatchPossible\":" + livePatchPossible
                + ",\"affected\":[" + String.join(",", affected) + "]}";
    }

    private static String fixed(String release) {
        return "{\"fixedIn\":\"" + release + "\"}";
    }

    private static String unfixed(String stream) {
        return "{\"stream\":\"" + stream + "\"}";
    }
}
