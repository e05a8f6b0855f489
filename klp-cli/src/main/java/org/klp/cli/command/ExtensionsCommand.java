package org.klp.cli.command;

import java.util.List;
import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.connect.ConnectClient;
import org.klp.cli.connect.Credentials;
import picocli.CommandLine.Command;

@Command(name = "extensions", description = {
        "Lists the extensions of this host's registered product, the activated ones marked, each with the",
        "command that activates it (as SUSEConnect --list-extensions does)."})
public final class ExtensionsCommand extends KlpCommand {

    @Override
    public Integer call() {
        Credentials c = Credentials.require(klp().root());
        ConnectClient client = new ConnectClient(c.server());
        List<ConnectClient.Activation> activations = client.activations(c);
        ConnectClient.ProductNode base = activations.stream().map(ConnectClient.Activation::service)
                .filter(s -> s != null && s.product() != null && "base".equals(s.product().productType())).map(ConnectClient.Service::product)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no base product is activated on this host; register it: klp register --server URL -r CODE"));
        ConnectClient.ProductNode product = client.product(c, base.identifier(), base.version(), base.arch());
        if (json()) {
            Json j = Json.object().field("product", product.triplet()).field("name", product.friendlyName()).startArray("extensions");
            write(j, product.extensions());
            out().print(j.endArray().end());
            return ExitCode.OK;
        }
        out().println("AVAILABLE EXTENSIONS AND MODULES");
        out().println();
        print(product.extensions(), "    ");
        out().println("REMARKS");
        out().println();
        out().println("(Activated) The extension is activated on this host.");
        out().println("Each command's ADDITIONAL REGCODE is the registration code of that extension's subscription.");
        return ExitCode.OK;
    }

    private void print(List<ConnectClient.ProductNode> nodes, String indent) {
        for (ConnectClient.ProductNode e : nodes == null ? List.<ConnectClient.ProductNode>of() : nodes) {
            String name = e.friendlyName() != null ? e.friendlyName() : e.name();
            out().println(indent + name + (e.activated() ? " (Activated)" : ""));
            if (e.activated()) {
                out().println(indent + "Deactivate with: klp deregister -p " + e.triplet());
            } else {
                out().println(indent + "Activate with: klp register -p " + e.triplet() + (e.free() ? "" : " -r ADDITIONAL REGCODE"));
            }
            out().println();
            print(e.extensions(), indent + "    ");
        }
    }

    private static void write(Json j, List<ConnectClient.ProductNode> nodes) {
        for (ConnectClient.ProductNode e : nodes == null ? List.<ConnectClient.ProductNode>of() : nodes) {
            j.startObject().field("product", e.triplet()).field("name", e.friendlyName()).field("free", e.free()).field("activated", e.activated())
                    .field("activateWith", "klp register -p " + e.triplet() + (e.free() ? "" : " -r ADDITIONAL REGCODE")).startArray("extensions");
            write(j, e.extensions());
            j.endArray().endObject();
        }
    }
}
