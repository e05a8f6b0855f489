package org.klp.packaging.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.module.SyntheticModule;
import org.klp.packaging.testing.TestKeys;

/** klp-pack as a user runs it: commands, --json, messages and exit codes. */
class KlpPackCliTest {

    static final String KERNEL = "5.14.21-150500.55.49-default";

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    Result klpPack(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KlpPack.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    Path module(int version) throws Exception {
        Path m = dir.resolve("klp_v" + version + ".ko");
        Files.write(m, SyntheticModule.livePatch("klp_v" + version, KERNEL));
        return m;
    }

    Path fixes(String json) throws Exception {
        Path f = Files.createTempFile(dir, "fixes", ".json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void buildsAChainIntoARepositoryAndPublishesIt() throws Exception {
        Path key = TestKeys.secretKeyFile(dir);
        Path repo = dir.resolve("repo");
        Result one = klpPack("rpm", "--kernel", KERNEL, "--version", "1", "--module", module(1).toString(), "--kernel-released", "2024-03-01",
                "--output", repo.toString(), "--key", key.toString());
        assertThat(one.exit()).as(one.err()).isZero();
        assertThat(one.out()).contains("kernel-livepatch-5_14_21-150500_55_49-default-1-1.x86_64.rpm", "initial patch");
        Result two = klpPack("rpm", "--kernel", KERNEL, "--version", "2", "--module", module(2).toString(),
                "--fixes", fixes("[{\"id\": \"CVE-2024-50115\", \"cvss\": 7.8, \"summary\": \"KVM\", \"references\": [\"bsc#1233019\"]}]").toString(),
                "--repo", repo.toString(), "--key", key.toString(), "--json");
        assertThat(two.exit()).as(two.err()).isZero();
        assertThat(two.out()).contains("\"rpm\" : \"kernel-livepatch-5_14_21-150500_55_49-default-2-1.x86_64\"",
                "\"kernelReleased\" : \"2024-03-01\"", "\"fixes\" : [ \"CVE-2024-50115\" ]");
        Result publish = klpPack("repo", "publish", repo.toString(), "--key", key.toString(), "--json");
        assertThat(publish.exit()).as(publish.err()).isZero();
        assertThat(publish.out()).contains("\"packages\" : 2", "\"read\" : 2", "\"signed\" : true");
        Path pub = TestKeys.publicKeyFile(dir);
        Result list = klpPack("repo", "list", repo.toUri().toString(), "--trusted", pub.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("kernel-livepatch-5_14_21-150500_55_49-default", "2025-03-01", "(initial patch)", "CVE-2024-50115");
    }

    @Test
    void refusalsExitWith3AndSayWhy() throws Exception {
        Path repo = dir.resolve("repo");
        assertThat(klpPack("rpm", "--kernel", KERNEL, "--version", "1", "--module", module(1).toString(), "--output", repo.toString()).exit()).isZero();
        Result gap = klpPack("rpm", "--kernel", KERNEL, "--version", "3", "--module", module(3).toString(), "--fixes", fixes("[]").toString(),
                "--repo", repo.toString());
        assertThat(gap.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(gap.err()).startsWith("klp-pack: Version gap");
        Result dupe = klpPack("rpm", "--kernel", KERNEL, "--version", "1", "--module", module(1).toString(), "--repo", repo.toString());
        assertThat(dupe.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(dupe.err()).contains("Duplicate version");
        Result badFixes = klpPack("rpm", "--kernel", KERNEL, "--version", "2", "--module", module(2).toString(),
                "--fixes", fixes("[{\"id\": \"CVE-2024-50115\", \"cvss\": 11}]").toString(), "--repo", repo.toString());
        assertThat(badFixes.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(badFixes.err()).contains("line 1").contains("CVSS");
        Result otherKernel = klpPack("rpm", "--kernel", "5.14.21-150500.55.52-default", "--version", "1", "--module", module(1).toString(),
                "--output", repo.toString());
        assertThat(otherKernel.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(otherKernel.err()).contains("vermagic mismatch");
        Path corrupt = repo.resolve("broken.rpm");
        Files.write(corrupt, "not an rpm at all, just text long enough to be read as a lead and more and more and more and more and more"
                .getBytes(StandardCharsets.UTF_8));
        Result publish = klpPack("repo", "publish", repo.toString());
        assertThat(publish.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(publish.err()).contains("broken.rpm is not an RPM package");
    }

    @Test
    void usageErrorsExitWith2() {
        Result r = klpPack("rpm", "--kernel", KERNEL);
        assertThat(r.exit()).isEqualTo(KlpPack.USAGE);
        assertThat(r.err()).contains("Missing required options").contains("klp-pack rpm --help");
        assertThat(klpPack("frobnicate").exit()).isEqualTo(KlpPack.USAGE);
        assertThat(klpPack().exit()).isEqualTo(KlpPack.USAGE);
    }

    @Test
    void helpDocumentsSimulatedModulesExitCodesAndTheFixesFormat() {
        Result help = klpPack("rpm", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("#klp-simulated-module 1", "Exit codes:", "3   refused or failed", "\"cvss\": 7.8", "--kernel-released");
        assertThat(klpPack("--help").out()).contains("2   usage error");
    }

    @Test
    void keyGenerateWritesAPrivateSecretKeyAndRefusesToOverwrite() throws Exception {
        Result r = klpPack("key", "generate", "--name", "klp test <t@example.org>", "--output", dir.resolve("keys").toString(), "--bits", "2048", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"fingerprint\"");
        assertThat(Files.readString(dir.resolve("keys/klp.asc"))).startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        assertThat(Files.getPosixFilePermissions(dir.resolve("keys/klp.secret.asc")))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        Result again = klpPack("key", "generate", "--name", "x", "--output", dir.resolve("keys").toString(), "--bits", "2048");
        assertThat(again.exit()).isEqualTo(KlpPack.FAILURE);
        assertThat(again.err()).contains("already exists");
    }

    @Test
    void productCommandsWriteTheReleasePatternAndToolsPackagesAndPublishKeepsTheLifecycleData() throws Exception {
        Path key = TestKeys.secretKeyFile(dir);
        Path repo = dir.resolve("repo");
        klpPack("rpm", "--kernel", KERNEL, "--version", "1", "--module", module(1).toString(), "--kernel-released", "2024-03-01",
                "--output", repo.toString(), "--key", key.toString());
        Result release = klpPack("product", "release", "--identifier", "sle-module-live-patching", "--version", "15.5", "--kind", "extension",
                "--summary", "SUSE Linux Enterprise Live Patching 15 SP5 x86_64", "--output", repo.toString(), "--key", key.toString(), "--json");
        assertThat(release.exit()).as(release.err()).isZero();
        assertThat(release.out()).contains("sle-module-live-patching-release-15.5-0.x86_64.rpm");
        Result pattern = klpPack("product", "pattern", "--identifier", "sle-module-live-patching", "--version", "15.5",
                "--output", repo.toString(), "--key", key.toString());
        assertThat(pattern.exit()).as(pattern.err()).isZero();
        assertThat(pattern.out()).contains("Wrote ", "patterns-lp-lp_sles-15.5-0.x86_64.rpm");
        Path jar = org.klp.packaging.testing.HostToolJars.write(dir.resolve("klp.jar"), "2.0", org.klp.packaging.testing.HostToolJars.standardDist());
        Result tools = klpPack("product", "tools", "--jar", jar.toString(), "--output", repo.toString(), "--key", key.toString());
        assertThat(tools.exit()).as(tools.err()).isZero();
        assertThat(tools.out()).contains("kernel-livepatch-tools-2.0-1.noarch.rpm");
        Result publish = klpPack("repo", "publish", repo.toString(), "--lifecycle-package", "sle-module-live-patching", "--key", key.toString());
        assertThat(publish.exit()).as(publish.err()).isZero();
        assertThat(publish.out()).contains("5 packages (1 live patches)");
        assertThat(repo.resolve("lifecycle-data-sle-module-live-patching-1-1.noarch.rpm")).exists();

        Result badKind = klpPack("product", "release", "--identifier", "x", "--version", "1", "--kind", "operating-system", "--output", repo.toString());
        assertThat(badKind.exit()).isEqualTo(3);
        assertThat(badKind.err()).contains("--kind must be base, module or extension, not 'operating-system'");
    }
}
