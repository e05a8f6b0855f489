package org.klp.packaging.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.pgp.SignatureException;
import org.klp.packaging.record.PatchRecordJson;
import org.klp.packaging.rpm.RpmFormatException;
import org.klp.packaging.rpm.StandInPackages;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.RpmMdModel;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.testing.Tools;

/** klp-pack repo publish against createrepo_c + modifyrepo_c and libsolv, on the same packages. */
class RepositoryPublisherTest {

    @TempDir
    static Path dir;
    static Path packages;

    @BeforeAll
    static void build() {
        packages = dir.resolve("packages");
        Builds.chain(Builds.KERNEL, 4, TestKeys.signing(), packages);
        Builds.chain(Builds.OTHER_KERNEL, 2, TestKeys.signing(), packages);
        StandInPackages.kernel(Builds.KERNEL, "x86_64", TestKeys.signing(), packages);
        StandInPackages.shell(Tools.require("busybox"), "x86_64", TestKeys.signing(), packages);
    }

    static Path copy(String name) throws Exception {
        Path to = dir.resolve(name);
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(packages)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        return to;
    }

    @Test
    void metadataIsEquivalentToCreaterepoC() throws Exception {
        Path ours = copy("ours");
        Path theirs = copy("theirs");
        new RepositoryPublisher(TestKeys.signing()).publish(ours);
        Tools.run(null, 120, "createrepo_c", "--no-database", theirs.toString()).ok();
        // modifyrepo_c adds the same extra files to createrepo_c's repository
        RepoMd md = RepoMd.parse(Files.readAllBytes(ours.resolve("repodata/repomd.xml")), "ours");
        Path extra = dir.resolve("extra");
        Files.createDirectories(extra);
        Files.write(extra.resolve("updateinfo.xml"), RpmMdModel.open(ours, md.require("updateinfo", "").location()));
        Tools.run(null, 60, "modifyrepo_c", "--mdtype=updateinfo", extra.resolve("updateinfo.xml").toString(),
                theirs.resolve("repodata").toString()).ok();

        Map<String, RpmMdModel.Package> a = RpmMdModel.read(ours);
        Map<String, RpmMdModel.Package> b = RpmMdModel.read(theirs);
        assertThat(a).hasSize(8);
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (String id : a.keySet()) {
            assertThat(a.get(id)).as("package %s", a.get(id).location()).isEqualTo(b.get(id));
        }
        RepoMd theirMd = RepoMd.parse(Files.readAllBytes(theirs.resolve("repodata/repomd.xml")), "theirs");
        assertThat(RpmMdModel.open(theirs, theirMd.require("updateinfo", "").location()))
                .isEqualTo(RpmMdModel.open(ours, md.require("updateinfo", "").location()));
        assertThat(md.data()).extracting(RepoMd.Data::type)
                .containsExactly("primary", "filelists", "other", "updateinfo", "lifecycle", "klp-patches");
    }

    @Test
    void libsolvReadsPackagesAndUpdates() throws Exception {
        Path repo = copy("solv");
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        Path solv = dir.resolve("repo.solv");
        Tools.run(null, 120, "repo2solv", "-o", solv.toString(), repo.toString()).ok();
        String dump = Tools.run(null, 60, "dumpsolv", solv.toString()).ok().out();
        assertThat(dump).contains("solvable:name: kernel-livepatch-5_14_21-150500_55_49-default", "solvable:evr: 4-1",
                "solvable:name: kernel-livepatch-5_14_21-150500_55_52-default", "solvable:name: kernel-default",
                "solvable:name: patch:klp-5_14_21-150500_55_49-default-4", "update:severity: critical",
                "update:reference:id: CVE-2024-53104");
        assertThat(dump.lines().filter(l -> l.startsWith("solvable:name: patch:"))).hasSize(4);

        Path testcase = dir.resolve("install.t");
        Files.writeString(testcase, "repo system 0 empty\n"
                + "repo available 0 solv " + solv.getFileName() + "\n"
                + "system x86_64 rpm system\n"
                + "job install name kernel-livepatch-5_14_21-150500_55_49-default\n"
                + "result transaction,problems <inline>\n");
        String result = Tools.run(null, 60, "testsolv", testcase.toString()).all();
        assertThat(result).contains("install kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64@available")
                .contains("install kernel-default-5.14.21-150500.55.49.1.x86_64@available")
                .contains("install klp-stand-in-shell-1-1.x86_64@available");
    }

    @Test
    void updateInfoHasOneSecurityUpdatePerReleaseWithSeverityFromHighestCvss() throws Exception {
        Path repo = copy("updates");
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        RepoMd md = RepoMd.parse(Files.readAllBytes(repo.resolve("repodata/repomd.xml")), "x");
        String xml = new String(RpmMdModel.open(repo, md.require("updateinfo", "").location()), StandardCharsets.UTF_8);
        assertThat(xml.split("<update ", -1)).hasSize(5); // 2, 3, 4 of one kernel, 2 of the other
        assertThat(xml).contains("<id>klp-5_14_21-150500_55_49-default-4</id>", "<severity>critical</severity>",
                "type=\"security\"", "id=\"CVE-2024-53104\"", "type=\"cve\"", "id=\"1236783\"", "type=\"bugzilla\"",
                "<filename>kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64.rpm</filename>")
                .doesNotContain("klp-5_14_21-150500_55_49-default-1<");
        String update4 = xml.substring(xml.indexOf("<id>klp-5_14_21-150500_55_49-default-4"));
        update4 = update4.substring(0, update4.indexOf("</update>"));
        assertThat(update4).contains("CVE-2024-53104").doesNotContain("CVE-2024-50115"); // only what version 4 adds
    }

    @Test
    void lifecycleGivesEachLivePatchPackageOneYearFromItsKernelRelease() throws Exception {
        Path repo = copy("lifecycle");
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        RepoMd md = RepoMd.parse(Files.readAllBytes(repo.resolve("repodata/repomd.xml")), "x");
        LifecycleData data = LifecycleData.parse(new String(RpmMdModel.open(repo, md.require("lifecycle", "").location()),
                StandardCharsets.UTF_8), "lifecycle");
        assertThat(data.entries()).extracting(e -> e.name() + ", " + e.version() + ", " + e.endOfSupport()).containsExactly(
                "kernel-livepatch-5_14_21-150500_55_49-default, *, 2025-03-01",
                "kernel-livepatch-5_14_21-150500_55_52-default, *, 2025-03-01");
        assertThat(data.endOfSupport("kernel-livepatch-5_14_21-150500_55_49-default", "3-1")).hasValue(java.time.LocalDate.of(2025, 3, 1));
        assertThat(PatchRecordJson.readAll(new String(RpmMdModel.open(repo, md.require("klp-patches", "").location()),
                StandardCharsets.UTF_8), "records")).hasSize(6);
    }

    @Test
    void signedRepomdVerifiesWithGnupgAsZypperChecksIt() throws Exception {
        Path repo = copy("gpg");
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        Path home = Files.createDirectories(dir.resolve("gnupg"));
        Files.setPosixFilePermissions(home, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        Tools.run(null, 60, env, List.of("gpg", "--batch", "--import", repo.resolve("repodata/repomd.xml.key").toString())).ok();
        Tools.Run v = Tools.run(null, 60, env, List.of("gpg", "--batch", "--verify", repo.resolve("repodata/repomd.xml.asc").toString(),
                repo.resolve("repodata/repomd.xml").toString())).ok();
        assertThat(v.err()).contains("Good signature from \"klp test repository <klp-test@example.org>\"");
    }

    @Test
    void addingOnePackageRereadsOnlyThatPackage() throws Exception {
        Path repo = copy("incremental");
        Files.delete(repo.resolve("kernel-livepatch-5_14_21-150500_55_52-default-2-1.x86_64.rpm"));
        RepositoryPublisher publisher = new RepositoryPublisher(TestKeys.signing());
        RepositoryPublisher.Result first = publisher.publish(repo);
        assertThat(first.read()).isEqualTo(7);
        Files.copy(packages.resolve("kernel-livepatch-5_14_21-150500_55_52-default-2-1.x86_64.rpm"),
                repo.resolve("kernel-livepatch-5_14_21-150500_55_52-default-2-1.x86_64.rpm"));
        RepositoryPublisher.Result second = publisher.publish(repo);
        assertThat(second.read()).isEqualTo(1);
        assertThat(second.packages()).isEqualTo(8);
        assertThat(RpmMdModel.read(repo)).hasSize(8);
        // a touched file is read again; an unchanged repository reads nothing
        Files.setLastModifiedTime(repo.resolve("kernel-default-5.14.21-150500.55.49.1.x86_64.rpm"), FileTime.fromMillis(1_000_000L));
        assertThat(publisher.publish(repo).read()).isEqualTo(1);
        assertThat(publisher.publish(repo).read()).isZero();
        // the previous generation's data files stay for clients mid-fetch; older ones go
        try (Stream<Path> s = Files.list(repo.resolve("repodata"))) {
            assertThat(s.filter(p -> p.getFileName().toString().endsWith("-primary.xml.gz")).count()).isBetween(1L, 2L);
        }
    }

    @Test
    void equalToAFullPublishAfterIncrementalOnes() throws Exception {
        Path inc = copy("inc2");
        Path full = copy("full2");
        new RepositoryPublisher(TestKeys.signing()).publish(inc);
        Files.delete(inc.resolve("kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64.rpm"));
        new RepositoryPublisher(TestKeys.signing()).publish(inc);
        Files.copy(packages.resolve("kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64.rpm"),
                inc.resolve("kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64.rpm"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        new RepositoryPublisher(TestKeys.signing()).publish(inc);
        new RepositoryPublisher(TestKeys.signing()).publish(full);
        assertThat(RpmMdModel.read(inc)).isEqualTo(RpmMdModel.read(full));
    }

    @Test
    void corruptOrTruncatedPackageStopsThePublishBeforeAnythingIsWritten() throws Exception {
        Path repo = copy("corrupt");
        Path victim = repo.resolve("kernel-livepatch-5_14_21-150500_55_49-default-3-1.x86_64.rpm");
        byte[] bytes = Files.readAllBytes(victim);
        Files.write(victim, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> new RepositoryPublisher(TestKeys.signing()).publish(repo))
                .isInstanceOf(RpmFormatException.class)
                .hasMessageContaining("kernel-livepatch-5_14_21-150500_55_49-default-3-1.x86_64.rpm")
                .hasMessageContaining("truncated");
        assertThat(repo.resolve("repodata/repomd.xml")).doesNotExist();
        Files.write(victim, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        assertThatThrownBy(() -> new RepositoryPublisher(TestKeys.signing()).publish(repo))
                .hasMessageContaining("is not an RPM package");
    }

    @Test
    void packageSignedByAnotherKeyIsRefusedWhenPublishingWithAKey() throws Exception {
        Path repo = dir.resolve("foreign");
        Builds.chain(Builds.KERNEL, 1, TestKeys.strangerSigning(), repo);
        assertThatThrownBy(() -> new RepositoryPublisher(TestKeys.signing()).publish(repo))
                .isInstanceOf(SignatureException.class).hasMessageContaining("not trusted");
    }

    @Test
    void duplicatePackageVersionIsRefused() throws Exception {
        Path repo = copy("dupe");
        Files.createDirectories(repo.resolve("sub"));
        Files.copy(packages.resolve("kernel-livepatch-5_14_21-150500_55_49-default-2-1.x86_64.rpm"),
                repo.resolve("sub/copy.rpm"));
        assertThatThrownBy(() -> new RepositoryPublisher(TestKeys.signing()).publish(repo))
                .hasMessageContaining("Duplicate package kernel-livepatch-5_14_21-150500_55_49-default-2-1.x86_64");
    }

    @Test
    void unsignedPublishRemovesAStaleSignature() throws Exception {
        Path repo = copy("unsigned");
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        assertThat(repo.resolve("repodata/repomd.xml.asc")).exists();
        new RepositoryPublisher(null).publish(repo);
        assertThat(repo.resolve("repodata/repomd.xml.asc")).doesNotExist();
        assertThat(repo.resolve("repodata/repomd.xml.key")).doesNotExist();
    }
}
