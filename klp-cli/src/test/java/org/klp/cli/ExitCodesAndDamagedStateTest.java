package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user met trying klp on a host in less than perfect shape: exit codes that tell the
 * truth, help on every command, and records that survive damage, crashes and planted links.
 */
class ExitCodesAndDamagedStateTest {

    @TempDir
    Path tmp;
    SimHostFixture host;
    Path state;

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
        assertThat(host.klp("apply", host.module(1)).exitCode()).isZero();
        state = host.root.resolve("var/lib/klp/state");
    }

    @Test
    void everyCommandAndSubcommandAnswersHelp() {
        List<List<String>> paths = Klp.commandPaths();
        assertThat(paths).extracting(p -> String.join(" ", p)).contains("status", "check", "revert", "agent", "sim task sleep");
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                KlpRun run = host.klp(args.toArray(String[]::new));
                assertThat(run.exitCode()).as("klp %s %s%n%s", String.join(" ", path), flag, run).isZero();
                assertThat(run.out()).as(run.toString()).contains("Usage: klp " + String.join(" ", path) + " ");
                assertThat(run.err()).as(run.toString()).isEmpty();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"transition", "enabled"})
    void checkOnAValueTheKernelNeverWritesIsAnErrorNotAnAnswer(String file) throws Exception {
        Path f = host.root.resolve("sys/kernel/livepatch/klp_patch_v1").resolve(file);
        for (String garbage : List.of("garbage", "2", "")) {
            Files.writeString(f, garbage + "\n");
            KlpRun check = host.klp("check");
            assertThat(check.exitCode()).as(check.toString()).isEqualTo(ExitCode.FAILURE);
            assertThat(check.err()).as(check.toString()).startsWith("klp: ")
                    .contains("sys/kernel/livepatch/klp_patch_v1/" + file + " holds '" + garbage + "', expected 0 or 1");
            KlpRun json = host.klp("check", "--json");
            assertThat(json.exitCode()).isEqualTo(ExitCode.FAILURE);
            assertThat(json.json().at("/error/exitCode").asInt()).isEqualTo(ExitCode.FAILURE);
        }
    }

    /** Leaves the transition to klp_patch_v2 running: a task sleeps in a function it patches. */
    private void transitionLeftRunning() {
        assertThat(host.klp("sim", "task", "sleep", "--in", "klp_target:klp_target_wait").exitCode()).isZero();
        KlpRun apply = host.klp("apply", host.module(2), "--timeout", "1", "--on-timeout=wait");
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(ExitCode.IN_PROGRESS);
    }

    @Test
    void aRevertThatSucceedsExitsZeroAndSaysWhatHappened() {
        transitionLeftRunning();
        KlpRun revert = host.klp("revert");
        assertThat(revert.exitCode()).as(revert.toString()).isZero();
        assertThat(revert.err()).as(revert.toString()).isEmpty();
        assertThat(revert.out()).startsWith("reverted the transition of klp_patch_v2 in ").contains("klp_patch_v1").contains("stays active")
                .doesNotContain("did not complete").doesNotContain("next time");
        assertThat(host.klp("status").out()).isEqualTo("ready\n");
        assertThat(host.klp("check").exitCode()).isZero();
    }

    @Test
    void aRevertThatSucceedsReportsExitZeroInJson() {
        transitionLeftRunning();
        KlpRun revert = host.klp("revert", "--json");
        assertThat(revert.exitCode()).as(revert.toString()).isZero();
        assertThat(revert.json().path("result").asText()).isEqualTo("reverted");
        assertThat(revert.json().path("exitCode").asInt()).isZero();
        assertThat(revert.json().path("activePatch").asText()).isEqualTo("klp_patch_v1");
    }

    @Test
    void aRevertWithNothingToRevertIsAUsageError() {
        KlpRun revert = host.klp("revert");
        assertThat(revert.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(revert.err()).contains("no transition is in progress");
    }

    @Test
    void aTornLastLineOfHistoryNeverMakesHistoryUnusableAfterLaterAppends() throws Exception {
        Path history = host.root.resolve("var/lib/klp/history");
        // a crash in the middle of an append: half a JSON object, no newline
        Files.writeString(history, "{\"at\":\"2026-11-23T10:00:00Z\",\"operation\":\"ap", StandardOpenOption.APPEND);
        assertThat(host.klp("apply", host.module(2)).exitCode()).isZero();
        assertThat(host.klp("apply", host.module(3)).exitCode()).isZero();

        KlpRun shown = host.klp("history");
        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        assertThat(shown.out()).contains("apply klp_patch_v1: completed", "apply klp_patch_v2: completed", "apply klp_patch_v3: completed");
        assertThat(shown.err()).startsWith("klp: warning: skipped 1 damaged line").contains("crash");
        KlpRun json = host.klp("history", "--json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.json().path("damagedLines").size()).isEqualTo(1);
        assertThat(json.json().path("events").size()).isEqualTo(6);
        // the torn line stays a line of its own: every later event is whole
        List<String> lines = Files.readAllLines(history);
        assertThat(lines.subList(lines.size() - 4, lines.size())).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
    }

    @Test
    void aRefusedOperationNeverChangesTheHostRecord() throws Exception {
        transitionLeftRunning();
        String before = Files.readString(state);
        assertThat(before).contains("active.module=var/lib/klp/modules/klp_patch_v1.ko", "pending.operation=apply");

        KlpRun second = host.klp("apply", host.module(3));
        assertThat(second.exitCode()).as(second.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(second.err()).contains("still in progress");
        KlpRun disable = host.klp("disable", "klp_patch_v1");
        assertThat(disable.exitCode()).as(disable.toString()).isEqualTo(ExitCode.FAILURE);

        assertThat(Files.readString(state)).isEqualTo(before);
        assertThat(host.klp("history").out()).contains("apply klp_patch_v3: failed (A transition of klp_patch_v2 is still in progress");
    }

    @Test
    void aRefusedApplyOnASettledHostKeepsTheRecordToo() throws Exception {
        String before = Files.readString(state);
        // the kernel refuses a module for another kernel; nothing changes, so the record does not either
        KlpRun wrong = host.klp("disable", "klp_patch_none");
        assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(Files.readString(state)).isEqualTo(before);
    }

    @Test
    void aStateFileOfAnUnknownFormatIsRefusedWithTheReason() throws Exception {
        Files.writeString(state, Files.readString(state).replace("format=1", "format=7"));
        String before = Files.readString(state);
        KlpRun apply = host.klp("apply", host.module(2));
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(apply.err()).contains("var/lib/klp/state is in format 7, which this klp does not know");
        KlpRun status = host.klp("status", "-v");
        assertThat(status.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(status.err()).contains("format 7");
        assertThat(Files.readString(state)).isEqualTo(before);
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");
    }

    @Test
    void aStateFileWithoutAFormatLineIsRefused() throws Exception {
        Files.writeString(state, Files.readString(state).replace("format=1\n", ""));
        KlpRun apply = host.klp("apply", host.module(2));
        assertThat(apply.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(apply.err()).contains("has no format line");
    }

    @Test
    void anUnreadableStateFileIsRefusedWithTheReason() throws Exception {
        Files.delete(state);
        Files.createDirectory(state);
        KlpRun apply = host.klp("apply", host.module(2));
        assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(apply.err()).contains("Cannot read the host record", "var/lib/klp/state");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");
        KlpRun restore = host.klp("restore");
        assertThat(restore.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(restore.err()).contains("Cannot read the host record");
    }

    @Test
    void stackedNonReplacePatchesAreReportedAsTheyAreBothActive() {
        Path stacked = host.modules.resolve("klp_stacked.ko");
        assertThat(host.klp("sim", "make-module", stacked.toString(), "--name", "klp_stacked", "--kernel", SimHostFixture.KERNEL,
                "--function", "vmlinux:cmdline_proc_show", "--no-replace").exitCode()).isZero();
        KlpRun apply = host.klp("apply", stacked.toString());
        assertThat(apply.exitCode()).as(apply.toString()).isZero();

        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1", "klp_stacked");
        KlpRun status = host.klp("status", "-v");
        assertThat(status.out()).contains("active: klp_stacked", "stacked: 2 live patches are active together: klp_stacked, klp_patch_v1");
        assertThat(host.klp("status", "--json").json().path("activePatches")).extracting(n -> n.asText())
                .containsExactly("klp_stacked", "klp_patch_v1");
        KlpRun patches = host.klp("patches", "--json");
        assertThat(patches.json().path("patches")).allSatisfy(p -> assertThat(p.path("active").asBoolean()).as(p.toString()).isTrue());
        assertThat(host.klp("-v", "patches").out()).doesNotContain("active: no");
    }

    @Test
    void aPatchLoadedWithReplaceEndsTheStack() {
        Path stacked = host.modules.resolve("klp_stacked.ko");
        host.klp("sim", "make-module", stacked.toString(), "--name", "klp_stacked", "--kernel", SimHostFixture.KERNEL,
                "--function", "vmlinux:cmdline_proc_show", "--no-replace");
        host.klp("apply", stacked.toString());
        assertThat(host.klp("apply", host.module(2)).exitCode()).isZero();
        assertThat(host.klp("status", "--json").json().path("activePatches")).extracting(n -> n.asText()).containsExactly("klp_patch_v2");
    }

    @Test
    void lifecycleWorksOnAMountedImageWithoutProc() throws Exception {
        host.install(2);
        Path image = tmp.resolve("image");
        Files.createDirectories(image.resolve("lib/modules"));
        copyTree(host.root.resolve("lib/modules"), image.resolve("lib/modules"));
        copyTree(host.root.resolve("usr/share/klp"), image.resolve("usr/share/klp"));
        assertThat(image.resolve("proc")).doesNotExist();

        KlpRun lifecycle = KlpRun.run(SimHostFixture.CLOCK, "--root", image.toString(), "lifecycle");
        assertThat(lifecycle.exitCode()).as(lifecycle.toString()).isZero();
        assertThat(lifecycle.out()).contains("kernel-livepatch-6_1_0-56-amd64", "installed kernel, live patch version 2 installed")
                .doesNotContain("(running kernel").contains("no running kernel under");
        KlpRun json = KlpRun.run(SimHostFixture.CLOCK, "--root", image.toString(), "lifecycle", "--json");
        assertThat(json.json().path("runningKernel").isNull()).as(json.toString()).isTrue();
        assertThat(json.json().path("kernels").get(0).path("installedVersion").asInt()).isEqualTo(2);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
