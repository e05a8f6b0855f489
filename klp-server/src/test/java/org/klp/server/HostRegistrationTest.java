package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** klp register, klp extensions and klp deregister against a real server, as SUSEConnect does with SCC. */
class HostRegistrationTest {

    static TestServer t;
    static Path hosts;

    @BeforeAll
    static void start() {
        t = TestServer.h2(TestServer.tempDir("registration")).withCatalog();
        hosts = TestServer.tempDir("registration-hosts");
    }

    @AfterAll
    static void stop() {
        t.close();
    }

    @Test
    void registerListExtensionsActivateAndDeregister() throws Exception {
        Path root = HostRun.simulatedHost(hosts.resolve("h1"), TestServer.KERNEL);
        HostRun reg = HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode);
        assertThat(reg.code()).as(reg.err()).isZero();
        assertThat(reg.out()).contains("Registered system SCC_").contains("Activated " + TestServer.BASE);
        // SUSEConnect's layout: either tool reads the other's registration
        Path credentials = root.resolve("etc/zypp/credentials.d/SCCcredentials");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials))).isEqualTo("rw-------");
        assertThat(Files.readString(credentials)).startsWith("username=SCC_").contains("\npassword=");
        assertThat(Files.readString(root.resolve("etc/SUSEConnect"))).contains("url: " + t.url() + "\n");
        Path baseService = root.resolve("etc/zypp/services.d/SUSE_Linux_Enterprise_Server_15_SP5_x86_64.service");
        assertThat(Files.readString(baseService)).contains("url = " + t.url() + "/services/").contains("?credentials=SUSE_Linux_Enterprise_Server_15_SP5_x86_64");
        assertThat(Files.readString(root.resolve("etc/zypp/credentials.d/SUSE_Linux_Enterprise_Server_15_SP5_x86_64")))
                .isEqualTo(Files.readString(credentials));

        HostRun list = HostRun.klp(root, "extensions");
        assertThat(list.code()).as(list.err()).isZero();
        assertThat(list.out()).contains("AVAILABLE EXTENSIONS AND MODULES")
                .contains("    SUSE Linux Enterprise Live Patching 15 SP5 x86_64\n")
                .contains("    Activate with: klp register -p sle-module-live-patching/15.5/x86_64 -r ADDITIONAL REGCODE");

        HostRun noCode = HostRun.klp(root, "register", "-p", TestServer.LP);
        assertThat(noCode.code()).isEqualTo(3);
        assertThat(noCode.err()).contains("needs a registration code");

        HostRun wrongCode = HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.baseCode);
        assertThat(wrongCode.code()).isEqualTo(3);
        assertThat(wrongCode.err()).contains("is for " + TestServer.BASE + ", not for " + TestServer.LP);

        HostRun act = HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode);
        assertThat(act.code()).as(act.err()).isZero();
        assertThat(act.out()).contains("Activated " + TestServer.LP + " (service SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64)");
        Path lpService = root.resolve("etc/zypp/services.d/SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64.service");
        assertThat(lpService).exists();
        assertThat(Files.readString(root.resolve("etc/klp/trusted.asc"))).contains("BEGIN PGP PUBLIC KEY BLOCK");
        assertThat(Files.readAllLines(root.resolve("etc/klp/repositories"))).contains(t.url() + "/repo/" + TestServer.LP + "/");
        assertThat(HostRun.klp(root, "update", "--dry-run").out()).contains("would update kernel-livepatch-5_14_21-150500_55_83-default from version 0 to 2");
        assertThat(HostRun.klp(root, "extensions").out()).contains("Live Patching 15 SP5 x86_64 (Activated)");
        assertThat(HostRun.klp(root, "--json", "extensions").json().at("/extensions/0/activated").asBoolean()).isTrue();

        // SUSEConnect -d -p: the extension goes, its service and repository with it, the base stays
        HostRun off = HostRun.klp(root, "deregister", "-p", TestServer.LP);
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.out()).contains("Deactivated " + TestServer.LP);
        assertThat(lpService).doesNotExist();
        assertThat(Files.readAllLines(root.resolve("etc/klp/repositories"))).doesNotContain(t.url() + "/repo/" + TestServer.LP + "/")
                .contains(t.url() + "/repo/" + TestServer.BASE + "/");
        assertThat(HostRun.klp(root, "extensions").out()).contains("Activate with: klp register -p " + TestServer.LP);
        assertThat(HostRun.klp(root, "register", "-p", TestServer.LP, "-r", t.lpCode).code()).isZero();

        HostRun again = HostRun.klp(root, "register", "--server", t.url(), "-r", t.baseCode);
        assertThat(again.code()).isEqualTo(3);
        assertThat(again.err()).contains("already registered");

        HostRun dereg = HostRun.klp(root, "deregister");
        assertThat(dereg.code()).as(dereg.err()).isZero();
        assertThat(credentials).doesNotExist();
        assertThat(baseService).doesNotExist();
        assertThat(lpService).doesNotExist();
        assertThat(HostRun.klp(root, "extensions").err()).contains("not registered");
    }

    @Test
    void codesAreRefusedWhenUsedUpOrExpiredWithTheReason() {
        String one = t.code(TestServer.BASE, 1, null, "2025-06-02T00:00:00Z");
        Path first = HostRun.simulatedHost(hosts.resolve("c1"), TestServer.KERNEL);
        assertThat(HostRun.klp(first, "register", "--server", t.url(), "-r", one).code()).isZero();
        Path second = HostRun.simulatedHost(hosts.resolve("c2"), TestServer.KERNEL);
        HostRun full = HostRun.klp(second, "register", "--server", t.url(), "-r", one);
        assertThat(full.code()).isEqualTo(3);
        assertThat(full.err()).contains("is used up: it registers at most 1 system").contains("HTTP 403");
        assertThat(second.resolve("etc/zypp/credentials.d/SCCcredentials")).doesNotExist();

        String soon = t.code(TestServer.BASE, 5, null, "2025-06-02T00:00:00Z");
        t.clock.advance(Duration.ofDays(1));
        HostRun expired = HostRun.klp(second, "register", "--server", t.url(), "-r", soon);
        assertThat(expired.code()).isEqualTo(3);
        assertThat(expired.err()).contains("expired on 2025-06-02T00:00:00Z");

        HostRun unknown = HostRun.klp(second, "register", "--server", t.url(), "-r", "KLP-AAAA-BBBB");
        assertThat(unknown.err()).contains("Unknown Registration Code").contains("HTTP 401");

        HostRun down = HostRun.klp(second, "register", "--server", "http://127.0.0.1:1", "-r", soon);
        assertThat(down.code()).isEqualTo(3);
        assertThat(down.err()).contains("cannot reach the klp server at http://127.0.0.1:1");
    }
}
