package org.klp.cli.command;

import java.nio.file.Path;
import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.UsageException;
import org.klp.cli.connect.ConnectClient;
import org.klp.cli.connect.Credentials;
import org.klp.cli.connect.Registration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "register", description = {
        "Registers this host with a klp server, as SUSEConnect registers with SCC:",
        "  klp register --server URL -r CODE          registers the host and activates the product of CODE",
        "  klp register -p IDENTIFIER/VERSION/ARCH -r CODE   activates an extension, e.g. sle-module-live-patching/15.5/x86_64",
        "Laid out as SUSEConnect lays it, so either tool reads the other's registration: the credentials in",
        "etc/zypp/credentials.d/SCCcredentials (readable by root only), the server as 'url:' in etc/SUSEConnect, a zypper",
        "service per activated product (etc/zypp/services.d/NAME.service with etc/zypp/credentials.d/NAME). klp update reads",
        "the services' repositories from etc/klp/repositories. On a zypper-managed host, activating an extension also",
        "installs its release package (zypper install -t product), as SUSEConnect does."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:registered or activated", "2:usage error", "3:the server refused (the message says why) or could not be reached"})
public final class RegisterCommand extends KlpCommand {

    @Option(names = "--server", paramLabel = "URL", description = "The klp server, e.g. http://klp.example.com:8080 (default: url: of etc/SUSEConnect).")
    String server;

    @Option(names = {"-r", "--regcode"}, paramLabel = "CODE", description = "The registration code.")
    String code;

    @Option(names = {"-p", "--product"}, paramLabel = "IDENTIFIER/VERSION/ARCH", description = "The product or extension to activate.")
    String product;

    @Option(names = "--hostname", paramLabel = "NAME", description = "The name to register under (default: this host's name).")
    String hostname;

    @Override
    public Integer call() {
        Path root = klp().root();
        if (!java.nio.file.Files.isDirectory(root)) {
            throw new UsageException("--root " + root + ": no such directory");
        }
        var existing = Credentials.read(root);
        if (product == null) {
            String url = server != null ? server : Credentials.serverUrl(root).orElse(null);
            if (url == null || code == null) {
                throw new UsageException("give --server URL and -r CODE to register, or -p IDENTIFIER/VERSION/ARCH -r CODE to activate an extension");
            }
            if (existing.isPresent()) {
                throw new IllegalStateException("this host is already registered with " + existing.get().server() + " as " + existing.get().login()
                        + "; run klp deregister first");
            }
            ConnectClient client = new ConnectClient(url);
            ConnectClient.Announced a = client.announce(code, hostname != null ? hostname : defaultHostname(root));
            Credentials c = new Credentials(client.server(), a.login(), a.password(), a.id());
            c.write(root);
            Registration.Activated activated = null;
            if (a.product() != null) {
                activated = Registration.activate(root, client, c, split(a.product()), code, false);
            }
            if (json()) {
                out().print(Json.object().field("registered", true).field("server", client.server()).field("login", a.login())
                        .field("systemId", a.id()).field("activated", activated == null ? null : a.product())
                        .field("service", activated == null ? null : activated.service().name()).end());
            } else {
                out().println("Registered system " + a.login() + " (id " + a.id() + ") with " + client.server());
                if (activated != null) {
                    out().println("Activated " + a.product() + " (service " + activated.service().name() + ")");
                }
                out().println("Credentials are in " + Credentials.file(root) + " (readable by root only)");
            }
            return ExitCode.OK;
        }
        Credentials c = existing.orElseThrow(() -> new IllegalStateException(
                "this host is not registered; register the base product first: klp register --server URL -r CODE"));
        if (server != null && !new ConnectClient(server).server().equals(c.server())) {
            throw new UsageException("this host is registered with " + c.server() + ", not " + server);
        }
        ConnectClient client = new ConnectClient(c.server());
        Registration.Activated a = Registration.activate(root, client, c, split(product), code, true);
        a.releasePackageProblem().ifPresent(p -> err().println("klp: warning: " + p));
        if (json()) {
            Json j = Json.object().field("activated", product).field("service", a.service().name()).startArray("repositories");
            a.repositories().forEach(j::value);
            out().print(j.endArray().field("releasePackage", a.releasePackageProblem().orElse("ok")).end());
        } else {
            out().println("Activated " + product + " (service " + a.service().name() + ")");
            for (String r : a.repositories()) {
                out().println("Repository: " + r);
            }
        }
        return ExitCode.OK;
    }

    static String[] split(String triplet) {
        String[] p = triplet.split("/");
        if (p.length != 3 || p[0].isBlank() || p[1].isBlank() || p[2].isBlank()) {
            throw new UsageException("not a product: '" + triplet + "' (expected IDENTIFIER/VERSION/ARCH such as sle-module-live-patching/15.5/x86_64)");
        }
        return p;
    }

    private static String defaultHostname(Path root) {
        try {
            Path f = root.resolve("etc/hostname");
            if (java.nio.file.Files.isRegularFile(f)) {
                return java.nio.file.Files.readString(f).strip();
            }
            if (root.toAbsolutePath().normalize().toString().equals("/")) {
                return java.net.InetAddress.getLocalHost().getHostName();
            }
            return root.toAbsolutePath().normalize().getFileName().toString();
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
