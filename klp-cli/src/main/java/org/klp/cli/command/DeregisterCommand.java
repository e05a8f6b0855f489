package org.klp.cli.command;

import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.connect.ConnectClient;
import org.klp.cli.connect.Credentials;
import org.klp.cli.connect.Registration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "deregister", description = {
        "Removes this host from its klp server, as SUSEConnect -d does: its activations go (their registration codes' seats",
        "are free again), then its zypper services, credentials and repositories. The loaded live patch stays.",
        "  klp deregister -p IDENTIFIER/VERSION/ARCH   deactivates one extension only (SUSEConnect -d -p), e.g. Live Patching"},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:deregistered or deactivated", "2:usage error", "3:not registered, or the server refused (the message says why)"})
public final class DeregisterCommand extends KlpCommand {

    @Option(names = {"-p", "--product"}, paramLabel = "IDENTIFIER/VERSION/ARCH", description = "Deactivate this extension only.")
    String product;

    @Override
    public Integer call() {
        Credentials c = Credentials.require(klp().root());
        ConnectClient client = new ConnectClient(c.server());
        if (product != null) {
            ConnectClient.Service s = Registration.deactivate(klp().root(), client, c, RegisterCommand.split(product));
            if (json()) {
                out().print(Json.object().field("deactivated", product).field("service", s.name()).end());
            } else {
                out().println("Deactivated " + product + " (service " + s.name() + " removed); the loaded live patch stays as it is");
            }
            return ExitCode.OK;
        }
        Registration.deregister(klp().root(), client, c);
        if (json()) {
            out().print(Json.object().field("deregistered", true).field("server", c.server()).field("login", c.login()).end());
        } else {
            out().println("Deregistered system " + c.login() + " from " + c.server() + "; the loaded live patch stays as it is");
        }
        return ExitCode.OK;
    }
}
