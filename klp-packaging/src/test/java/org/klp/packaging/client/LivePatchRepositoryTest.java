package org.klp.packaging.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.pgp.SignatureException;
import org.klp.packaging.pgp.TrustedKeys;
import org.klp.packaging.record.PatchRecordJson;
import org.klp.packaging.repo.RepoMd;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.RpmFormatException;
import org.klp.packaging.testing.Builds;
import org.klp.packaging.testing.StaticHttpServer;
import org.klp.packaging.testing.TestKeys;
import org.klp.packaging.xml.XmlRefusedException;

class LivePatchRepositoryTest {

    @TempDir
    static Path dir;
    static Path repo;
    static TrustedKeys trusted;

    @BeforeAll
    static void publish() {
        repo = dir.resolve("repo");
        Builds.chain(Builds.KERNEL, 4, TestKeys.signing(), repo);
        Builds.chain(Builds.OTHER_KERNEL, 2, TestKeys.signing(), repo);
        new RepositoryPublisher(TestKeys.signing()).publish(repo);
        trusted = TrustedKeys.parse(TestKeys.repository().publicKeyArmored().getBytes(StandardCharsets.US_ASCII), "test key");
    }

    static Path copyRepo(String name) throws Exception {
        Path to = dir.resolve(name);
        try (Stream<Path> s = Files.walk(repo)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(repo.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    static Path cacheIsClean(Path cache) throws Exception {
        if (Files.exists(cache)) {
            try (Stream<Path> s = Files.list(cache)) {
                assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part") || n.endsWith(".rpm"));
            }
        }
        return cache;
    }

    @Test
    void listsLivePatchesPerKernelWithFixesAndEndOfSupport() {
        LivePatchRepository r = LivePatchRepository.open(repo.toString(), trusted);
        assertThat(r.livePatches()).hasSize(6);
        assertThat(r.forKernel(Builds.KERNEL)).extracting(AvailableLivePatch::patchVersion).containsExactly(1, 2, 3, 4);
        AvailableLivePatch newest = r.newest(Builds.KERNEL).orElseThrow();
        assertThat(newest.nevra()).isEqualTo("kernel-livepatch-5_14_21-150500_55_49-default-4-1.x86_64");
        assertThat(newest.fixes()).extracting(Fix::id).containsExactly("CVE-2024-50115", "CVE-2024-36971", "CVE-2024-53104");
        assertThat(newest.fixes().get(2).cvss()).isEqualTo(9.1);
        assertThat(newest.endOfSupportDate()).hasValue(LocalDate.of(2025, 3, 1));
        assertThat(r.version(Builds.KERNEL, 2).orElseThrow().fixes()).extracting(Fix::id).containsExactly("CVE-2024-50115");
        assertThat(r.newest(Builds.OTHER_KERNEL).orElseThrow().patchVersion()).isEqualTo(2);
        assertThat(r.newest(KernelRelease.parse("6.1.0-56-amd64"))).isEmpty();
        assertThat(r.endOfSupport(Builds.KERNEL)).hasValue(LocalDate.of(2025, 3, 1));
    }

    @Test
    void downloadsOverHttpVerifiesAndExtractsModuleAndRecord() throws Exception {
        try (StaticHttpServer http = new StaticHttpServer(repo)) {
            LivePatchRepository r = LivePatchRepository.open(http.url(), trusted);
            AvailableLivePatch three = r.version(Builds.KERNEL, 3).orElseThrow();
            Path cache = dir.resolve("cache-http");
            DownloadedLivePatch d = r.download(three, cache);
            assertThat(d.file()).isEqualTo(cache.resolve("kernel-livepatch-5_14_21-150500_55_49-default-3-1.x86_64.rpm"));
            assertThat(d.file()).hasSameBinaryContentAs(repo.resolve(three.location()));
            Path root = dir.resolve("root-http");
            DownloadedLivePatch.Extracted x = d.extractTo(root);
            assertThat(x.module()).isEqualTo(root.resolve("lib/modules/5.14.21-150500.55.49-default/livepatch/klp_150500_55_49_v3.ko"));
            assertThat(org.klp.core.module.ModuleInfo.parse(Files.readAllBytes(x.module()), "m").name()).isEqualTo("klp_150500_55_49_v3");
            assertThat(x.record()).isEqualTo(root.resolve("usr/share/klp/patches/kernel-livepatch-5_14_21-150500_55_49-default-3.json"));
            var record = PatchRecordJson.read(Files.readString(x.record()), "record");
            assertThat(record.rpm()).isEqualTo("kernel-livepatch-5_14_21-150500_55_49-default-3-1.x86_64");
            assertThat(record.livePatch().fixes()).extracting(Fix::id).containsExactly("CVE-2024-50115", "CVE-2024-36971");
            try (Stream<Path> s = Files.list(cache)) {
                assertThat(s).hasSize(1);
            }
            int before = http.requests();
            r.download(three, cache); // verified file in cache: no second transfer
            assertThat(http.requests()).isEqualTo(before);
        }
    }

    @Test
    void opensFileUrls() {
        LivePatchRepository r = LivePatchRepository.open(repo.toUri().toString(), trusted);
        assertThat(r.newest(Builds.KERNEL).orElseThrow().patchVersion()).isEqualTo(4);
        assertThat(r.location()).isEqualTo(repo.toAbsolutePath().toString());
    }

    @Test
    void repositorySignedByAnotherKeyIsRefused() {
        TrustedKeys stranger = TrustedKeys.parse(TestKeys.stranger().publicKeyArmored().getBytes(StandardCharsets.US_ASCII), "stranger");
        assertThatThrownBy(() -> LivePatchRepository.open(repo.toString(), stranger))
                .isInstanceOf(SignatureException.class).hasMessageContaining("repomd.xml").hasMessageContaining("not trusted");
    }

    @Test
    void alteredRepomdFailsItsSignature() throws Exception {
        Path r = copyRepo("altered");
        Path md = r.resolve("repodata/repomd.xml");
        Files.writeString(md, Files.readString(md).replace("<revision>", "<revision>1"));
        assertThatThrownBy(() -> LivePatchRepository.open(r.toString(), trusted))
                .isInstanceOf(SignatureException.class).hasMessageContaining("does not match its content");
    }

    @Test
    void unsignedRepositoryIsRefused() throws Exception {
        Path r = copyRepo("unsigned");
        Files.delete(r.resolve("repodata/repomd.xml.asc"));
        assertThatThrownBy(() -> LivePatchRepository.open(r.toString(), trusted))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("not signed");
    }

    @Test
    void metadataFileNotMatchingItsChecksumIsRefused() throws Exception {
        Path r = copyRepo("checksum");
        RepoMd md = RepoMd.parse(Files.readAllBytes(r.resolve("repodata/repomd.xml")), "x");
        Path primary = r.resolve(md.require("primary", "x").location());
        byte[] b = Files.readAllBytes(primary);
        b[b.length / 2] ^= 0x55;
        Files.write(primary, b);
        assertThatThrownBy(() -> LivePatchRepository.open(r.toString(), trusted))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("does not match its checksum in the signed repomd.xml");
    }

    @Test
    void halfWrittenRepositoryIsReportedAsSuch() throws Exception {
        Path r = copyRepo("half");
        RepoMd md = RepoMd.parse(Files.readAllBytes(r.resolve("repodata/repomd.xml")), "x");
        Files.delete(r.resolve(md.require("primary", "x").location()));
        assertThatThrownBy(() -> LivePatchRepository.open(r.toString(), trusted))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("half-written");
    }

    @Test
    void unreachableRepositoryIsReported() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closed = port;
        assertThatThrownBy(() -> LivePatchRepository.open("http://127.0.0.1:" + closed + "/repo", trusted))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("Cannot reach repository");
        assertThatThrownBy(() -> LivePatchRepository.open(dir.resolve("nowhere").toString(), trusted))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("has no repodata/repomd.xml");
    }

    @Test
    void packageChangedAfterPublishingIsRefusedAndNothingStaysInTheCache() throws Exception {
        Path r = copyRepo("changed");
        LivePatchRepository opened = LivePatchRepository.open(r.toString(), trusted);
        AvailableLivePatch four = opened.newest(Builds.KERNEL).orElseThrow();
        Path file = r.resolve(four.location());
        byte[] b = Files.readAllBytes(file);
        b[b.length - 10] ^= 0x01;
        Files.write(file, b);
        Path cache = dir.resolve("cache-changed");
        assertThatThrownBy(() -> opened.download(four, cache))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("does not match primary.xml");
        cacheIsClean(cache);
        Files.write(file, java.util.Arrays.copyOf(b, b.length / 2));
        assertThatThrownBy(() -> opened.download(four, cache)).isInstanceOf(RepositoryException.class);
        cacheIsClean(cache);
        Files.delete(file);
        assertThatThrownBy(() -> opened.download(four, cache))
                .isInstanceOf(RepositoryException.class).hasMessageContaining("half-written");
        cacheIsClean(cache);
    }

    @Test
    void packageWithBadSignatureIsRefusedEvenWhenTheChecksumsFit() throws Exception {
        // a repository whose metadata is signed by the trusted key but whose package is signed by another
        Path r = dir.resolve("foreign");
        Builds.chain(Builds.KERNEL, 1, TestKeys.strangerSigning(), r);
        new RepositoryPublisher(null).publish(r);
        Path md = r.resolve("repodata/repomd.xml");
        Files.writeString(r.resolve("repodata/repomd.xml.asc"), TestKeys.signing().signArmored(Files.readAllBytes(md)));
        LivePatchRepository opened = LivePatchRepository.open(r.toString(), trusted);
        Path cache = dir.resolve("cache-foreign");
        assertThatThrownBy(() -> opened.download(opened.newest(Builds.KERNEL).orElseThrow(), cache))
                .isInstanceOf(SignatureException.class).hasMessageContaining("not trusted");
        cacheIsClean(cache);
    }

    @Test
    void repomdWithExternalEntityOrEntityExpansionIsRefused() throws Exception {
        Path r = copyRepo("xxe");
        Path md = r.resolve("repodata/repomd.xml");
        String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE repomd [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                + "<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"><revision>&x;</revision></repomd>\n";
        Files.writeString(md, xxe);
        Files.writeString(r.resolve("repodata/repomd.xml.asc"), TestKeys.signing().signArmored(Files.readAllBytes(md)));
        assertThatThrownBy(() -> LivePatchRepository.open(r.toString(), trusted))
                .isInstanceOf(XmlRefusedException.class).hasMessageContaining("DOCTYPE");
    }

    @Test
    void truncatedPackageInCacheIsNotTrusted() throws Exception {
        LivePatchRepository r = LivePatchRepository.open(repo.toString(), trusted);
        AvailableLivePatch two = r.version(Builds.KERNEL, 2).orElseThrow();
        Path cache = dir.resolve("cache-trunc");
        Files.createDirectories(cache);
        byte[] b = Files.readAllBytes(repo.resolve(two.location()));
        Files.write(cache.resolve(two.fileName()), java.util.Arrays.copyOf(b, b.length - 1));
        DownloadedLivePatch d = r.download(two, cache); // replaced by a good copy
        assertThat(d.file()).hasSameBinaryContentAs(repo.resolve(two.location()));
        assertThatThrownBy(() -> org.klp.packaging.rpm.RpmPackage.parse(java.util.Arrays.copyOf(b, 200), "cut.rpm").verifyDigests())
                .isInstanceOf(RpmFormatException.class).hasMessageContaining("cut.rpm");
    }
}
