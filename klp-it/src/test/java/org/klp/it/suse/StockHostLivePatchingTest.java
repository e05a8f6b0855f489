package org.klp.it.suse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.cli.Klp;
import org.klp.packaging.client.LivePatchRepository;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.pgp.TrustedKeys;

/**
 * The seeds' activation path on a stock SLES root, with real zypper against a real klp server:
 * registration as SUSEConnect does it (its calls, then {@code zypper addservice -t ris URL NAME},
 * the service's credentials, {@code zypper refs}), {@code zypper install -t product},
 * {@code zypper install -t pattern lp_sles} bringing the host tool built from the real klp.jar and
 * the running kernel's live patch, a second kernel bringing its initial live patch, the lifecycle
 * data where zypper-lifecycle reads it, and the removal of the live patching packages.
 */
class StockHostLivePatchingTest {

    @TempDir
    static Path dir;
    static LivePatchingServer s;

    @BeforeAll
    static void start() {
        s = new LivePatchingServer(dir.resolve("server"));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    record Klp_(int code, String out, String err) {
    }

    static Klp_ klp(Path root, String... args) {
        List<String> a = new ArrayList<>(List.of("--root", root.toString()));
        a.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(a.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
        return new Klp_(code, out.toString(), err.toString());
    }

    /** SUSEConnect's calls for {@code SUSEConnect -r CODE} then {@code -p LP -r CODE}: the services it adds. */
    static Map<String, String> registerAsSuseConnectDoes(Path root) throws Exception {
        String info = "{\"hostname\":\"sles\",\"distro_target\":\"sle-15-x86_64\",\"hwinfo\":{\"hostname\":\"sles\",\"cpus\":2,\"arch\":\"x86_64\"}}";
        HttpResponse<String> announced = s.connect("POST", "/connect/subscriptions/systems", "Token token=" + s.baseCode, info);
        assertThat(announced.statusCode()).isEqualTo(201);
        JsonNode creds = LivePatchingServer.read(announced.body());
        String login = creds.get("login").asText();
        String password = creds.get("password").asText();
        Files.createDirectories(root.resolve("etc/zypp/credentials.d"));
        Files.writeString(root.resolve("etc/zypp/credentials.d/SCCcredentials"), "username=" + login + "\npassword=" + password + "\n");
        String basic = "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
        Map<String, String> services = new java.util.LinkedHashMap<>();
        for (String[] p : List.of(new String[] {"SLES", s.baseCode}, new String[] {"sle-module-live-patching", s.lpCode})) {
            HttpResponse<String> service = s.connect("POST", "/connect/systems/products", basic, "{\"identifier\":\"" + p[0]
                    + "\",\"version\":\"15.5\",\"arch\":\"x86_64\",\"release_type\":\"\",\"token\":\"" + p[1] + "\",\"email\":\"\"}");
            assertThat(service.statusCode()).as(service.body()).isEqualTo(201);
            JsonNode sv = LivePatchingServer.read(service.body());
            String name = sv.get("name").asText();
            String url = sv.get("url").asText();
            // what SUSEConnect then does with zypper (addService)
            Commands.zypper(root, "removeservice", name);
            Commands.zypper(root, "addservice", "-t", "ris", url, name).ok();
            Commands.zypper(root, "modifyservice", "-r", name).ok();
            Files.writeString(root.resolve("etc/zypp/credentials.d").resolve(name), "username=" + login + "\npassword=" + password + "\n");
            Commands.zypper(root, "refs", name).ok();
            services.put(name, url);
        }
        return services;
    }

    @Test
    void aStockHostRegistersActivatesLivePatchingAndTheLpSlesPatternLivePatchesItsKernelsThenRemovalLeavesTheKernels() throws Exception {
        Path root = s.stockHost(dir.resolve("sles"));

        // SUSEConnect -r CODE; SUSEConnect -p sle-module-live-patching/15.5/x86_64 -r CODE
        Map<String, String> services = registerAsSuseConnectDoes(root);
        assertThat(services).containsOnlyKeys(LivePatchingServer.BASE_SERVICE, LivePatchingServer.LP_SERVICE);
        String list = Commands.zypper(root, "services").ok().out();
        assertThat(list).contains(LivePatchingServer.BASE_SERVICE, LivePatchingServer.LP_SERVICE);
        String repos = Commands.zypper(root, "repos", "-u").ok().out();
        assertThat(repos).contains(s.url() + "/repo/" + LivePatchingServer.LP + "/", s.url() + "/repo/" + LivePatchingServer.BASE + "/");
        Commands.zypper(root, "refresh").ok();

        // SUSEConnect then installs the extension's release package
        assertThat(Commands.zypper(root, "search", "-t", "product", "sle-module-live-patching").ok().out())
                .contains("SUSE Linux Enterprise Live Patching 15 SP5 x86_64");
        Commands.zypper(root, "--no-refresh", "install", "--no-recommends", "--auto-agree-with-product-licenses", "-t", "product",
                "sle-module-live-patching").ok();
        assertThat(Commands.zypper(root, "--xmlout", "--disable-repositories", "products", "-i").ok().out())
                .containsPattern("<product name=\"sle-module-live-patching\" version=\"15.5\"[^>]*installed=\"true\"")
                .containsPattern("<product name=\"SLES\" version=\"15.5\"[^>]*isbase=\"true\"");

        // the seed's one line: zypper install -t pattern lp_sles
        assertThat(Commands.zypper(root, "search", "kernel-livepatch-*").ok().out()).contains("kernel-livepatch-5_14_21-150500_55_83-default",
                "kernel-livepatch-tools");
        Commands.zypper(root, "install", "klp-stand-in-java").ok();
        Commands.Run pattern = Commands.zypper(root, "install", "-t", "pattern", "lp_sles").ok();
        assertThat(pattern.all()).doesNotContain("scriptlet failed");
        List<String> installed = Commands.installed(root);
        assertThat(installed).contains("kernel-livepatch-5_14_21-150500_55_83-default-2-1", "patterns-lp-lp_sles-15.5-0")
                .anyMatch(p -> p.startsWith("kernel-livepatch-tools-0.1.0~SNAPSHOT-"))
                .anyMatch(p -> p.startsWith("lifecycle-data-sle-module-live-patching-1-"))
                .noneMatch(p -> p.startsWith("kernel-livepatch-5_14_21-150500_55_88-default"));

        // the host tool as the package installed it: the real klp.jar, its launcher, boot hooks, unit and man page
        assertThat(Files.readAllBytes(root.resolve("usr/lib/klp/klp.jar"))).isEqualTo(Files.readAllBytes(LivePatchingServer.klpJar()));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/bin/klp")))).isEqualTo("rwxr-xr-x");
        assertThat(root.resolve("usr/lib/klp/klp-restore-early")).isExecutable();
        assertThat(root.resolve("usr/lib/systemd/system/klp-restore.service")).exists();
        assertThat(root.resolve("usr/lib/dracut/modules.d/90klp/module-setup.sh")).exists();
        assertThat(root.resolve("usr/share/initramfs-tools/hooks/klp")).exists();
        assertThat(root.resolve("usr/share/man/man8/klp.8")).exists();
        Path restoreEarly = dir.resolve("klp-restore-early");
        Files.copy(root.resolve("usr/lib/klp/klp-restore-early"), restoreEarly);

        // what the package's %post does on the host whose kernel it is (inside zypper's chroot the running kernel is never the package's)
        Path module;
        try (var m = Files.list(root.resolve("lib/modules/" + LivePatchingServer.RUNNING + "/livepatch"))) {
            module = m.filter(f -> f.toString().endsWith(".ko")).findFirst().orElseThrow();
        }
        Klp_ apply = klp(root, "apply", "--quiet", module.toString());
        assertThat(apply.code()).as(apply.err()).isZero();
        assertThat(klp(root, "-v", "patches").out()).contains("kernel-livepatch-5_14_21-150500_55_83-default", "CVE-2024-1086");

        // live patching is active: a newly installed kernel brings its initial live patch
        Commands.zypper(root, "install", "kernel-default-" + LivePatchingServer.SECOND.version() + "-" + LivePatchingServer.SECOND.release() + ".1").ok();
        assertThat(Commands.installed(root)).contains("kernel-livepatch-5_14_21-150500_55_88-default-1-1");

        // the lifecycle data where zypper-lifecycle reads it, in its format, as the repository's own
        String lifecycle = Files.readString(root.resolve("usr/share/lifecycle/data/sle-module-live-patching.lifecycle"));
        LifecycleData repo = LivePatchRepository.open(s.url() + "/repo/" + LivePatchingServer.LP + "/",
                TrustedKeys.read(s.publicKey())).lifecycle();
        List<String[]> rows = lifecycle.lines().filter(l -> !l.isBlank() && !l.matches("^\\s*#.*")).map(l -> l.split(",", -1)).toList();
        assertThat(rows).hasSize(2).allSatisfy(r -> assertThat(r).hasSizeBetween(3, 4));
        for (String[] r : rows) {
            assertThat(r[1].strip()).isEqualTo("*");
            assertThat(repo.endOfSupport(r[0].strip(), "1-1")).contains(java.time.LocalDate.parse(r[2].strip()));
        }

        // as the seeds remove the tools: no reboot, the kernels and the loaded patch stay, the next boot loads nothing
        Commands.Run removal = Commands.zypper(root, "remove", "patterns-lp-lp_sles", "kernel-livepatch-tools",
                "kernel-livepatch-5_14_21-150500_55_83-default", "kernel-livepatch-5_14_21-150500_55_88-default",
                "lifecycle-data-sle-module-live-patching").ok();
        assertThat(removal.all()).doesNotContain("scriptlet failed").doesNotContainIgnoringCase("reboot");
        assertThat(Commands.installed(root)).contains("kernel-default-5.14.21-150500.55.83.1", "kernel-default-5.14.21-150500.55.88.1")
                .noneMatch(p -> p.startsWith("kernel-livepatch-"));
        assertThat(klp(root, "patches").out()).as("the running kernel keeps its live patch").contains("klp_5_14_21_150500_55_83_default_2");
        assertThat(root.resolve("var/lib/klp/modules")).doesNotExist();
        assertThat(root.resolve("usr/lib/klp")).doesNotExist();
        assertThat(root.resolve("usr/lib/systemd/system/klp-restore.service")).doesNotExist();
        assertThat(root.resolve("usr/lib/dracut/modules.d/90klp")).doesNotExist();
        Path fakeInsmod = dir.resolve("bin/insmod");
        Files.createDirectories(fakeInsmod.getParent());
        Files.writeString(fakeInsmod, "#!/bin/sh\necho \"insmod $*\" >> " + dir.resolve("insmod.log") + "\n");
        fakeInsmod.toFile().setExecutable(true);
        Path fakeUname = fakeInsmod.resolveSibling("uname");
        Files.writeString(fakeUname, "#!/bin/sh\necho " + LivePatchingServer.RUNNING + "\n");
        fakeUname.toFile().setExecutable(true);
        Commands.Run boot = Commands.run(Map.of("PATH", fakeInsmod.getParent() + ":/usr/bin:/bin"), List.of("sh", restoreEarly.toString(), root.toString()));
        assertThat(boot.all()).contains("module of klp_5_14_21_150500_55_83_default_2 missing");
        assertThat(dir.resolve("insmod.log")).doesNotExist();
    }

    @Test
    void klpRegistersAZypperManagedHostAsSuseConnectDoesAndDeregistersItAgain() throws Exception {
        Path root = s.stockHost(dir.resolve("klp-host"));
        Klp_ base = klp(root, "register", "--server", s.url(), "-r", s.baseCode);
        assertThat(base.code()).as(base.err()).isZero();
        Klp_ lp = klp(root, "register", "-p", LivePatchingServer.LP, "-r", s.lpCode);
        assertThat(lp.code()).as(lp.err()).isZero();
        assertThat(lp.err()).doesNotContain("warning");

        // zypper reads what klp wrote: the services, their repositories, the installed product
        assertThat(Commands.zypper(root, "services").ok().out()).contains(LivePatchingServer.BASE_SERVICE, LivePatchingServer.LP_SERVICE);
        assertThat(Commands.zypper(root, "repos", "-u").ok().out()).contains(s.url() + "/repo/" + LivePatchingServer.LP + "/");
        assertThat(Commands.installed(root)).contains("sle-module-live-patching-release-15.5-0");
        assertThat(Files.readString(root.resolve("etc/SUSEConnect"))).contains("url: " + s.url());

        Klp_ off = klp(root, "deregister", "-p", LivePatchingServer.LP);
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(Commands.installed(root)).noneMatch(p -> p.startsWith("sle-module-live-patching-release"));
        assertThat(Commands.zypper(root, "services").ok().out()).doesNotContain(LivePatchingServer.LP_SERVICE);

        Klp_ gone = klp(root, "deregister");
        assertThat(gone.code()).as(gone.err()).isZero();
        assertThat(Commands.zypper(root, "services").all()).doesNotContain(LivePatchingServer.BASE_SERVICE);
        assertThat(root.resolve("etc/zypp/credentials.d/SCCcredentials")).doesNotExist();
        assertThat(Commands.installed(root)).contains("SLES-release-15.5-0", "kernel-default-5.14.21-150500.55.83.1");
    }
}
