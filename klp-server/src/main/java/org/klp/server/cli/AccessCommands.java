package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Registration codes and admin tokens on the command line (over the API; 'admin token create' also works on the data folder). */
public final class AccessCommands {

    private AccessCommands() {
    }

    @Command(name = "code", mixinStandardHelpOptions = true, description = "Registration codes: made per product (shown once), listed, revoked.",
            subcommands = {CodeList.class, CodeCreate.class, CodeRevoke.class})
    public static final class Code extends CatalogCommands.Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every code with its product, seats, group, expiry and revocation (never the code).")
    static final class CodeList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/registration-codes", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            n.forEach(k -> out.printf("%-5s %-20s product %-5s %s/%s used, group %s%s%s%n", k.path("id").asText(), k.path("label").asText(),
                    k.path("productId").asText(), k.path("used").asText(), k.path("maxSystems").asText(), k.path("group").asText(),
                    k.path("expiresAt").isNull() ? "" : ", expires " + k.path("expiresAt").asText(),
                    k.path("revokedAt").isNull() ? "" : ", REVOKED " + k.path("revokedAt").asText()));
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Makes a registration code for a product and prints it (once).")
    static final class CodeCreate extends OperatorCommand {
        @Option(names = "--product", required = true, paramLabel = "IDENTIFIER/VERSION/ARCH")
        String product;

        @Option(names = "--max-systems", paramLabel = "N", description = "Systems it may register (default 1).")
        Integer maxSystems;

        @Option(names = "--expires-at", paramLabel = "INSTANT", description = "When it stops working, e.g. 2026-12-31T00:00:00Z (in the future).")
        String expiresAt;

        @Option(names = "--label", description = "What it is for (default: its last four characters).")
        String label;

        @Option(names = "--group", paramLabel = "GROUP", description = "The group its systems join (default: default).")
        String group;

        JsonNode send(ServerClient c) {
            ObjectNode body = OperatorCommand.object().put("product", product);
            if (maxSystems != null) {
                body.put("maxSystems", maxSystems);
            }
            if (expiresAt != null) {
                body.put("expiresAt", expiresAt);
            }
            if (label != null) {
                body.put("label", label);
            }
            if (group != null) {
                body.put("group", group);
            }
            return c.json(c.post("/api/v1/registration-codes", body));
        }

        void text(JsonNode n, PrintWriter out) {
            out.println(n.path("code").asText());
            spec.commandLine().getErr().printf("code %s for %s: %s systems, group %s%s; shown only now%n", n.path("id").asText(), n.path("product").asText(),
                    n.path("maxSystems").asText(), n.path("group").asText(), n.path("expiresAt").isNull() ? "" : ", until " + n.path("expiresAt").asText());
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revokes a code: it registers nothing from now on (its systems stay).")
    static final class CodeRevoke extends OperatorCommand {
        @Parameters(paramLabel = "ID")
        long id;

        JsonNode send(ServerClient c) {
            return OperatorCommand.answer(c, c.delete("/api/v1/registration-codes/" + id));
        }

        void text(JsonNode n, PrintWriter out) {
        }

        @Override
        String done() {
            return "revoked registration code " + id;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Admin tokens: id, label, dates, state (never the secret); '*' marks yours.")
    public static final class TokenList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/admin-tokens", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            n.forEach(t -> out.printf("%s%-5s %-20s %-8s created %s%s%n", t.path("yours").asBoolean() ? "*" : " ", t.path("id").asText(),
                    t.path("label").asText(), t.path("state").asText(), t.path("createdAt").asText(),
                    t.path("expiresAt").isNull() ? "" : ", expires " + t.path("expiresAt").asText()));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = {"Revokes an admin token, at once on every server instance.",
            "The last token that works cannot be revoked: create another first."})
    public static final class TokenRevoke extends OperatorCommand {
        @Parameters(paramLabel = "ID")
        long id;

        JsonNode send(ServerClient c) {
            return OperatorCommand.answer(c, c.delete("/api/v1/admin-tokens/" + id));
        }

        void text(JsonNode n, PrintWriter out) {
        }

        @Override
        String done() {
            return "revoked admin token " + id;
        }
    }
}
