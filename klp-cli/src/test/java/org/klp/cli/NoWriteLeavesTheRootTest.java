package org.klp.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A host root is often a mounted image, whose links may point into the machine running klp (or
 * were planted). No klp write follows one out of {@code --root}, and a refusal comes before the
 * kernel is touched, so kernel and record never disagree.
 */
class NoWriteLeavesTheRootTest {

    @TempDir
    static Path shared;
    static Path repo;
    static Path trusted;

    @TempDir
    Path tmp;
    SimHostFixture host;
    Path outside;

    @BeforeAll
    static void publish() {
        repo = TestRepository.build(shared.resolve("repo"), 2);
        trusted = TestRepository.publicKey(shared.resolve("keys"), TestRepository.key());
    }

    @BeforeEach
    void setUp() throws Exception {
        host = new SimHostFixture(tmp);
        outside = Files.createDirectories(tmp.resolve("outside"));
    }

    private void assertRefusedAndNothingChanged(KlpRun run) throws Exception {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.FAILURE);
        assertThat(run.err()).as(run.toString()).startsWith("klp: ").contains("leading out of the root");
        assertThat(host.klp("patches").out()).as("the kernel was not touched").isEmpty();
        try (var files = Files.walk(outside)) {
            assertThat(files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().equals("planted")))
                    .as("nothing written outside the root").isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"var/lib/klp", "var/lib/klp/modules", "var/lib/klp/patches"})
    void aRecordFolderThatLeadsOutIsRefused(String folder) throws Exception {
        Path link = host.root.resolve(folder);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, outside);
        assertRefusedAndNothingChanged(host.klp("apply", host.module(1), "--record", host.record(1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"state", "history", "lock", "modules/klp_patch_v1.ko"})
    void aRecordFileThatLeadsOutIsRefusedAndItsTargetKept(String file) throws Exception {
        Path planted = Files.writeString(outside.resolve("planted"), "precious\n");
        Path link = host.root.resolve("var/lib/klp").resolve(file);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, planted);
        assertRefusedAndNothingChanged(host.klp("apply", host.module(1)));
        assertThat(planted).hasContent("precious");
    }

    @ParameterizedTest
    @ValueSource(strings = {"var/cache/klp", "lib/modules/" + SimHostFixture.KERNEL + "/livepatch", "usr/share/klp"})
    void aDownloadOrInstallFolderThatLeadsOutIsRefused(String folder) throws Exception {
        Path link = host.root.resolve(folder);
        Files.createDirectories(link.getParent());
        Files.createSymbolicLink(link, outside);
        assertRefusedAndNothingChanged(host.klp("update", "--repo", repo.toUri().toString(), "--trusted", trusted.toString()));
    }

    @Test
    void linksThatStayInsideTheRootAreFollowed() throws Exception {
        Path real = Files.createDirectories(host.root.resolve("srv/klp-state"));
        Files.createDirectories(host.root.resolve("var/lib"));
        Files.createSymbolicLink(host.root.resolve("var/lib/klp"), Path.of("../../srv/klp-state"));
        KlpRun apply = host.klp("apply", host.module(1));
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(real.resolve("state")).exists();
        assertThat(real.resolve("modules/klp_patch_v1.ko")).exists();
    }
}
