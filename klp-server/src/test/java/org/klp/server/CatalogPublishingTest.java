package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.client.LivePatchRepository;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.server.catalog.CatalogService;

/** Publishing: a kernel comes with its initial patch; RPMs built by klp-pack are uploaded and land in the product's signed repository. */
class CatalogPublishingTest {

    static TestServer t;
    static final KernelRelease KERNEL = KernelRelease.parse(TestServer.KERNEL);
    static byte[] rpm3;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("catalog")).withCatalog();
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    private static byte[] rpm(int version, boolean signed, List<Fix> fixes) throws Exception {
        Path repo = t.dir.resolve("repos").resolve("sle-module-live-patching/15.5/x86_64");
        Path out = Files.createTempDirectory("klp-upload-");
        LivePatchRpm.Result r = LivePatchRpm.build(new LivePatchRpm.Spec(KERNEL, version,
                        CatalogService.simulatedModule(KERNEL, version, List.of("vmlinux:pipe_read,0")), "upload", fixes, LocalDate.of(2025, 5, 1), null, null),
                LivePatchRpm.previousIn(repo, KERNEL, version), signed ? TestServer.signingKey() : null, out);
        return Files.readAllBytes(r.file());
    }

    @Test
    void aNewKernelReleaseIsPublishedWithItsInitialPatch() {
        t.admin("POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"5.14.21-150500.55.88-default\",\"released\":\"2025-05-20\"}", 201);
        TestServer.Response versions = t.admin("GET", "/api/v1/kernels/5.14.21-150500.55.88-default/live-patches", null, 200);
        assertThat(versions.body()).hasSize(1);
        assertThat(versions.body().get(0).path("version").asInt()).isEqualTo(1);
        assertThat(versions.body().get(0).path("fixes")).isEmpty();
        assertThat(t.admin("GET", "/api/v1/kernels", null, 200).text()).contains("\"endOfSupport\":\"2026-05-20\"");
        TestServer.Response again = t.send("POST", "/api/v1/kernels", "Bearer " + t.token,
                "{\"product\":\"" + TestServer.LP + "\",\"release\":\"5.14.21-150500.55.88-default\",\"released\":\"2025-05-20\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error()).contains("published already");
    }

    @Test
    void anUploadedRpmSignedWithTheServersKeyLandsInTheRepositoryAndBadOnesAreRefused() throws Exception {
        List<Fix> fixes = List.of(Fix.security("CVE-2024-1086", 7.8, "nf_tables"), Fix.security("CVE-2024-50115", 7.8, "KVM nSVM"));
        TestServer.Response unsigned = t.send("POST", "/api/v1/packages", "Bearer " + t.token, rpm(3, false, fixes), "application/x-rpm");
        assertThat(unsigned.status()).as(unsigned.text()).isEqualTo(400);
        assertThat(unsigned.error()).contains("server's key");

        TestServer.Response garbage = t.send("POST", "/api/v1/packages", "Bearer " + t.token, new byte[] {1, 2, 3}, "application/x-rpm");
        assertThat(garbage.status()).isEqualTo(400);

        rpm3 = rpm(3, true, fixes);
        TestServer.Response ok = t.send("POST", "/api/v1/packages", "Bearer " + t.token, rpm3, "application/x-rpm");
        assertThat(ok.status()).as(ok.text()).isEqualTo(201);
        assertThat(ok.body().path("version").asInt()).isEqualTo(3);
        LivePatchRepository repo = LivePatchRepository.open(t.url() + "/repo/" + TestServer.LP + "/", TestServer.signingKey().trusted());
        assertThat(repo.newest(KERNEL).orElseThrow().patchVersion()).isEqualTo(3);
        assertThat(repo.newest(KERNEL).orElseThrow().fixes()).extracting(Fix::id).contains("CVE-2024-50115");

        byte[] v4 = rpm(4, true, fixes);
        TestServer.Response twice = t.send("POST", "/api/v1/packages", "Bearer " + t.token, rpm3, "application/x-rpm");
        assertThat(twice.status()).as(twice.text()).isEqualTo(409);
        assertThat(twice.error()).contains("the next version to publish is 4");
        TestServer.Response next = t.send("POST", "/api/v1/packages", "Bearer " + t.token, v4, "application/x-rpm");
        assertThat(next.status()).isEqualTo(201);
        TestServer.Response stale = t.send("POST", "/api/v1/packages", "Bearer " + t.token, ok.text().getBytes(), "application/x-rpm");
        assertThat(stale.status()).isEqualTo(400);
    }
}
