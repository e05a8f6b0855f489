package org.klp.cli.command;

import org.klp.cli.ExitCode;
import org.klp.cli.Json;
import org.klp.cli.connect.ConnectClient;
import org.klp.cli.connect.Credentials;
import org.klp.cli.connect.KernelLock;
import picocli.CommandLine.Command;

@Command(name = "deregister", description = "Removes this host from its klp server and deletes its credentials; the loaded live patch stays.")
public final class DeregisterCommand extends KlpCommand {

    @Override
    public Integer call() {
        Credentials c = Credentials.require(klp().root());
        new ConnectClient(c.server()).deregister(c);
        Credentials.delete(klp().root());
        KernelLock.set(klp().root(), false, "default");
        org.klp.cli.connect.Agent.forgetRepositories(klp().root());
        if (json()) {
            out().print(Json.object().field("deregistered", true).field("server", c.server()).field("login", c.login()).end());
        } else {
            out().println("Deregistered system " + c.login() + " from " + c.server() + "; the loaded live patch stays as it is");
        }
        return ExitCode.OK;
    }
}
