package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated host with a manual clock, plus the project's three test live patches for the
 * target module klp_target, as simulated modules with package records: v1 (message), v2 (message
 * and the sleeping read) and v3 (also the kernel thread's loop and cmdline_proc_show).
 */
public final class SimHostFixture {

    public static final String KERNEL = "6.1.0-56-amd64";
    public static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC);

    public final Path root;
    public final Path modules;

    public SimHostFixture(Path tmp) {
        this.root = tmp.resolve("host");
        this.modules = tmp.resolve("modules");
        KlpRun created = KlpRun.run(CLOCK, "sim", "create", root.toString(), "--kernel", KERNEL, "--clock", "manual", "--module", "klp_target");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        makeModule(1, "klp_target:klp_target_message");
        makeModule(2, "klp_target:klp_target_message", "klp_target:klp_target_wait");
        makeModule(3, "klp_target:klp_target_message", "klp_target:klp_target_wait", "klp_target:klp_target_loop", "vmlinux:cmdline_proc_show");
        writeRecord(1, "");
        writeRecord(2, """
                {"id": "CVE-2024-50115", "cvss": 7.8, "summary": "KVM: nSVM: ignore nCR3[4:0]", "references": ["bsc#1233019"]},
                {"id": "bsc#1210000", "category": "stability", "summary": "oops in klp_target_wait"}""");
        writeRecord(3, """
                {"id": "CVE-2024-50115", "cvss": 7.8, "summary": "KVM: nSVM: ignore nCR3[4:0]", "references": ["bsc#1233019"]},
                {"id": "bsc#1210000", "category": "stability", "summary": "oops in klp_target_wait"},
                {"id": "CVE-2024-26930", "cvss": 7.8, "summary": "scsi: qla2xxx: double free", "references": ["bsc#1223626"]}""");
    }

    public KlpRun klp(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return KlpRun.run(CLOCK, all.toArray(String[]::new));
    }

    public String module(int version) {
        return modules.resolve("klp_patch_v" + version + ".ko").toString();
    }

    public String record(int version) {
        return modules.resolve("klp_patch_v" + version + ".json").toString();
    }

    /** Installs the module and its record where a package would put them: lib/modules and usr/share/klp/patches. */
    public void install(int version) {
        try {
            Path lib = root.resolve("lib/modules/" + KERNEL + "/livepatch");
            Files.createDirectories(lib);
            Files.copy(Path.of(module(version)), lib.resolve("klp_patch_v" + version + ".ko"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Path share = root.resolve("usr/share/klp/patches");
            Files.createDirectories(share);
            String json = Files.readString(Path.of(record(version))).replace("\"module\": \"klp_patch_v" + version + "\"",
                    "\"module\": \"klp_patch_v" + version + "\", \"moduleFile\": \"lib/modules/" + KERNEL + "/livepatch/klp_patch_v" + version + ".ko\","
                            + " \"rpm\": \"kernel-livepatch-6_1_0-56-amd64-" + version + "-1.x86_64\"");
            Files.writeString(share.resolve("kernel-livepatch-6_1_0-56-amd64-" + version + ".json"), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void makeModule(int version, String... functions) {
        List<String> args = new ArrayList<>(List.of("sim", "make-module", module(version), "--name", "klp_patch_v" + version,
                "--kernel", KERNEL));
        for (String f : functions) {
            args.add("--function");
            args.add(f);
        }
        KlpRun r = KlpRun.run(CLOCK, args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private void writeRecord(int version, String fixes) {
        try {
            Files.writeString(Path.of(record(version)), """
                    {"format": 1, "kernel": "%s", "version": %d, "released": "2026-1%d-01", "module": "klp_patch_v%d",
                     "functions": [], "fixes": [%s]}
                    """.formatted(KERNEL, version, version - 1, version, fixes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
