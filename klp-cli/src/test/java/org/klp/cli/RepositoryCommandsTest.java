package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** klp update, downgrade and lifecycle against a real signed repository, on a simulated host. */
class RepositoryCommandsTest {

    static final String PACKAGE = "kernel-livepatch-6_1_0-56-amd64";

    @TempDir
    static Path shared;
    static Path repo;
    static Path trusted;

    @TempDir
    Path tmp;
    SimHostFixture host;

    @BeforeAll
    static void publish() {
        repo = TestRepository.build(shared.resolve("repo"), 4);
        trusted = TestRepository.publicKey(shared.resolve("keys"), TestRepository.key());
    }

    @BeforeEach
    void setUp() {
        host = new SimHostFixture(tmp);
    }

    private KlpRun klp(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--repo";
        all[args.length + 1] = repo.toUri().toString();
        all[args.length + 2] = "--trusted";
        all[args.length + 3] = trusted.toString();
        return host.klp(all);
    }

    @Test
    void updateInstallsAndAppliesTheNewestVersion() {
        KlpRun update = klp("update");
        assertThat(update.exitCode()).as(update.toString()).isZero();
        assertThat(update.out()).contains("update done: klp_lp_v4 (" + PACKAGE + " version 4)")
                .contains("+ CVE-2024-50115").contains("+ CVE-2024-36971");
        assertThat(host.root.resolve("lib/modules/6.1.0-56-amd64/livepatch/klp_lp_v4.ko")).exists();
        assertThat(host.klp("-v", "patches").out()).contains("RPM: " + PACKAGE + "-4-1.x86_64");
        assertThat(host.klp("-vv", "patches").out()).contains("end of support: 2027-06-01 (190 days left)").contains("newer version: none known");

        KlpRun again = klp("update", "--json");
        assertThat(again.json().get("result").asText()).isEqualTo("up-to-date");
        assertThat(again.json().get("version").asInt()).isEqualTo(4);
        assertThat(host.klp("history").out()).containsOnlyOnce("update klp_lp_v4: completed");
    }

    @Test
    void updateFromAnOlderVersionGainsOnlyTheNewFixes() {
        host.klp("apply", "--quiet", "--record", host.record(1), host.module(1));
        KlpRun dry = klp("update", "--dry-run");
        assertThat(dry.out()).contains("would update " + PACKAGE + " from version 1 to 4");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");
        assertThat(klp("update").exitCode()).isZero();
        assertThat(host.klp("patches").lines()).containsExactly("klp_lp_v4");
    }

    @Test
    void updateToAGivenVersionStopsShortOfTheNewest() {
        KlpRun to3 = klp("update", "--to", "3", "--json");
        assertThat(to3.exitCode()).as(to3.toString()).isZero();
        assertThat(to3.json().get("activePatch").asText()).isEqualTo("klp_lp_v3");
        assertThat(klp("update", "--to", "2").err()).contains("older than the active version 3; use klp downgrade --to 2");
        assertThat(klp("update", "--to", "9").err()).contains("version 9 of " + PACKAGE + " is not in");
        assertThat(klp("update", "--to", "0").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(host.klp("patches").lines()).containsExactly("klp_lp_v3");
    }

    @Test
    void downgradeFetchesTheOlderVersionAndNamesTheFixesItDrops() {
        klp("update");
        KlpRun down = klp("downgrade", "-n");
        assertThat(down.exitCode()).as(down.toString()).isZero();
        assertThat(down.out()).contains("downgrade klp_lp_v4 (" + PACKAGE + " version 4) to klp_lp_v3 (" + PACKAGE + " version 3)")
                .contains("fixes dropped (1):").contains("- CVE-2024-36971");
        assertThat(host.klp("patches").lines()).containsExactly("klp_lp_v3");
        KlpRun toOne = klp("downgrade", "-n", "--to", "1", "--json");
        assertThat(toOne.json().get("activePatch").asText()).isEqualTo("klp_lp_v1");
        assertThat(toOne.json().get("fixesDropped").size()).isEqualTo(2);
        assertThat(klp("downgrade", "-n", "--to", "7").exitCode()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void lifecycleShowsEndOfSupportOfEveryInstalledKernel() throws Exception {
        klp("update");
        Files.createDirectories(host.root.resolve("lib/modules/6.1.0-57-amd64"));
        KlpRun lifecycle = host.klp("lifecycle");
        assertThat(lifecycle.exitCode()).as(lifecycle.toString()).isZero();
        assertThat(lifecycle.lines().get(0)).isEqualTo("Package end of support if different from product:");
        assertThat(lifecycle.out()).containsPattern(PACKAGE + " +2027-06-01 +\\(running kernel, live patch version 4 installed, 190 days left\\)")
                .containsPattern("kernel-livepatch-6_1_0-57-amd64 +unknown +\\(installed kernel, no live patch installed\\)");
        JsonNode json = host.klp("lifecycle", "--json").json();
        assertThat(json.at("/kernels/1/kernel").asText()).isEqualTo("6.1.0-56-amd64");
        assertThat(json.at("/kernels/1/daysLeft").asInt()).isEqualTo(190);
        assertThat(json.at("/kernels/1/expired").asBoolean()).isFalse();
    }

    @Test
    void lifecycleFlagsAnExpiredKernel() throws Exception {
        Files.createDirectories(host.root.resolve("usr/share/lifecycle/data"));
        Files.writeString(host.root.resolve("usr/share/lifecycle/data/klp.lifecycle"),
                "# name, version, end of support\n" + PACKAGE + ", *, 2026-01-31\n");
        assertThat(host.klp("lifecycle").out()).contains("2026-01-31").contains("EXPIRED 296 days ago");
        assertThat(host.klp("lifecycle", "--json").json().at("/kernels/0/expired").asBoolean()).isTrue();
    }

    @Test
    void untrustedUnreachableOrMissingRepositoriesAreRefusedAndNothingChanges() throws Exception {
        host.klp("apply", "--quiet", host.module(1));
        Path strangerKey = TestRepository.publicKey(tmp.resolve("k"), TestRepository.stranger());
        KlpRun untrusted = host.klp("update", "--repo", repo.toUri().toString(), "--trusted", strangerKey.toString());
        assertThat(untrusted.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(untrusted.err()).contains("repomd.xml");
        KlpRun unreachable = host.klp("update", "--repo", "http://127.0.0.1:9/klp", "--trusted", trusted.toString());
        assertThat(unreachable.exitCode()).isEqualTo(ExitCode.FAILURE);
        assertThat(unreachable.err().lines().toList()).hasSize(1);
        KlpRun none = host.klp("update");
        assertThat(none.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(none.err()).contains("no live patch repository");
        assertThat(host.klp("patches").lines()).containsExactly("klp_patch_v1");
        assertThat(host.root.resolve("var/cache/klp/packages")).satisfiesAnyOf(
                p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
    }

    @Test
    void configuredRepositoriesAreUsedWithoutOptions() throws Exception {
        Files.createDirectories(host.root.resolve("etc/klp"));
        Files.writeString(host.root.resolve("etc/klp/repositories"), "# klp register writes this\n" + repo.toUri() + "\n");
        Files.copy(trusted, host.root.resolve("etc/klp/trusted.asc"));
        KlpRun update = host.klp("update");
        assertThat(update.exitCode()).as(update.toString()).isZero();
        assertThat(host.klp("patches").lines()).containsExactly("klp_lp_v4");
    }
}
