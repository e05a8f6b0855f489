package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Registered systems and the fleet's summary on the command line. */
public final class FleetCommands {

    private FleetCommands() {
    }

    @Command(name = "summary", mixinStandardHelpOptions = true, description = "The fleet by posture class: patched, behind, in progress, forced, needing a reboot.")
    public static final class Summary extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/summary", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("%d systems, %d checked in: %d patched, %d behind, %d in progress, %d forced, %d need a reboot; %d end support within 30 days,"
                            + " %d past it, %d on kernels not in the catalog%n", n.path("systems").asLong(), n.path("checkedIn").asLong(),
                    n.path("patched").asLong(), n.path("behind").asLong(), n.path("inProgress").asLong(), n.path("forced").asLong(),
                    n.path("needingReboot").asLong(), n.path("expiringWithin30Days").asLong(), n.path("expired").asLong(),
                    n.path("unsupportedKernel").asLong());
            for (JsonNode p : n.path("postures")) {
                out.printf("  %-40s version %-4s newest %-4s %-12s %s hosts%n", p.path("kernel").asText(), p.path("version").asText(),
                        OperatorCommand.text(p.path("newest")), p.path("status").asText(), p.path("hosts").asText());
            }
            for (JsonNode h : n.path("haltedRollouts")) {
                out.printf("  halted: version %s of %s to %s: %s%n", h.path("version").asText(), h.path("kernel").asText(), h.path("group").asText(),
                        h.path("reason").asText());
            }
        }
    }

    @Command(name = "system", mixinStandardHelpOptions = true, description = "Registered systems.",
            subcommands = {SystemList.class, SystemShow.class, SystemHistory.class, SystemMove.class, SystemDelete.class})
    public static final class System extends CatalogCommands.Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Systems, filtered; a page at a time.")
    static final class SystemList extends OperatorCommand {
        @Option(names = "--kernel", paramLabel = "RELEASE")
        String kernel;

        @Option(names = "--live-patch-version", paramLabel = "N", description = "Loaded live patch version.")
        Integer version;

        @Option(names = "--group", paramLabel = "GROUP")
        String group;

        @Option(names = "--product", paramLabel = "IDENTIFIER/VERSION/ARCH")
        String product;

        @Option(names = "--state", description = "ready, in_progress, forced, failed or new.")
        String state;

        @Option(names = "--limit", description = "Systems listed (default 100).")
        Integer limit;

        @Option(names = "--offset", description = "Systems skipped first.")
        Integer offset;

        JsonNode send(ServerClient c) {
            Map<String, Object> q = ServerClient.params("kernel", kernel, "version", version, "group", group, "product", product, "state", state,
                    "limit", limit, "offset", offset);
            return c.json(c.get("/api/v1/systems", q));
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode s : n.path("systems")) {
                JsonNode p = s.path("posture");
                out.printf("%-8s %-30s %-12s %s%n", s.path("id").asText(), s.path("hostname").asText(), s.path("group").asText(),
                        p.isNull() ? "never checked in" : p.path("kernel").asText() + " v" + p.path("loadedVersion").asText() + " " + p.path("transition").asText()
                                + (p.path("forced").asBoolean() ? " forced" : ""));
            }
            out.printf("%d of %d (offset %d)%n", n.path("systems").size(), n.path("total").asLong(), n.path("offset").asLong());
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One system: posture, activations, what the server asks of it.")
    static final class SystemShow extends OperatorCommand {
        @Parameters(paramLabel = "ID")
        long id;

        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/systems/" + id, ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            JsonNode s = n.path("system");
            JsonNode p = s.path("posture");
            out.printf("system %s %s [%s], registered %s, last seen %s, %s check-ins%n", s.path("id").asText(), s.path("hostname").asText(),
                    s.path("group").asText(), s.path("registeredAt").asText(), OperatorCommand.text(s.path("lastSeen")), s.path("checkins").asText());
            out.println("  activations: " + n.path("activations"));
            if (!p.isNull()) {
                out.printf("  kernel %s, live patch version %s (%s), transition %s%s%n", p.path("kernel").asText(), p.path("loadedVersion").asText(),
                        OperatorCommand.text(p.path("loadedPackage")), p.path("transition").asText(), p.path("forced").asBoolean() ? ", forced" : "");
            }
            JsonNode d = n.path("desired");
            if (!d.isNull() && !d.isMissingNode()) {
                out.printf("  desired: %s to version %s (%s)%n", d.path("action").asText(), d.path("targetVersion").asText(), d.path("reason").asText());
            }
        }
    }

    @Command(name = "history", mixinStandardHelpOptions = true, description = "What happened to a system, newest first.")
    static final class SystemHistory extends OperatorCommand {
        @Parameters(paramLabel = "ID")
        long id;

        @Option(names = "--limit", description = "Events listed (default 100).")
        Integer limit;

        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/systems/" + id + "/history", ServerClient.params("limit", limit)));
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode e : n) {
                out.printf("%s  %-16s %s%n", e.path("at").asText(), e.path("kind").asText(), e.path("message").asText());
            }
        }
    }

    @Command(name = "move", mixinStandardHelpOptions = true, description = "Moves a system to a group.")
    static final class SystemMove extends OperatorCommand {
        @Parameters(index = "0", paramLabel = "ID")
        long id;

        @Parameters(index = "1", paramLabel = "GROUP")
        String group;

        JsonNode send(ServerClient c) {
            return c.json(c.put("/api/v1/systems/" + id + "/group", OperatorCommand.object().put("group", group)));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("system %s is in group %s%n", n.path("id").asText(), n.path("group").asText());
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a system and its history; its credentials stop working at once.")
    static final class SystemDelete extends OperatorCommand {
        @Parameters(paramLabel = "ID")
        long id;

        JsonNode send(ServerClient c) {
            return OperatorCommand.answer(c, c.delete("/api/v1/systems/" + id));
        }

        void text(JsonNode n, PrintWriter out) {
        }

        @Override
        String done() {
            return "deleted system " + id;
        }
    }
}
