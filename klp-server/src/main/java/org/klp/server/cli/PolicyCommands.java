package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Groups and their policies, pins and staged rollouts on the command line. */
public final class PolicyCommands {

    private PolicyCommands() {
    }

    static void group(JsonNode g, PrintWriter out) {
        out.printf("%-20s %-7s%s%s, on timeout %s after %s s%s%n", g.path("name").asText(), g.path("policy").asText(),
                g.path("canaryGroup").isNull() ? "" : " (canaries: " + g.path("canaryGroup").asText() + ", soak " + g.path("soak").asLong() + " s)",
                g.path("kernelLock").asBoolean() ? ", kernel locked" : "", g.path("onTimeout").asText(), g.path("transitionTimeout").asLong(), "");
    }

    @Command(name = "group", mixinStandardHelpOptions = true, description = "Groups of systems and their policy.",
            subcommands = {GroupList.class, GroupShow.class, GroupSet.class, GroupDelete.class})
    public static final class Group extends CatalogCommands.Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Groups with a policy of their own (the others follow latest).")
    static final class GroupList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/groups", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            n.forEach(g -> group(g, out));
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A group's policy, its systems and its pins.")
    static final class GroupShow extends OperatorCommand {
        @Parameters(paramLabel = "GROUP")
        String name;

        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/groups/" + ServerClient.segment(name), ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            group(n.path("group"), out);
            out.printf("  %d systems%n", n.path("systems").asLong());
            n.path("pins").forEach(p -> out.printf("  pinned: %s to version %s%n", p.path("kernel").asText(), p.path("version").asText()));
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Sets a group's policy (the whole policy: what is left out takes its default).")
    static final class GroupSet extends OperatorCommand {
        @Parameters(paramLabel = "GROUP")
        String name;

        @Option(names = "--policy", description = "latest (default), pin or staged.")
        String policy = "latest";

        @Option(names = "--canary-group", paramLabel = "GROUP", description = "For staged: the group that gets new versions first.")
        String canaryGroup;

        @Option(names = "--soak-seconds", paramLabel = "SECONDS", description = "For staged: how long canaries run a version before promotion (default 86400).")
        Long soakSeconds;

        @Option(names = "--kernel-lock", description = "Hosts must not install kernel updates while live patches go on.")
        boolean kernelLock;

        @Option(names = "--on-timeout", description = "revert (default) or force, when a transition misses its deadline.")
        String onTimeout;

        @Option(names = "--transition-timeout-seconds", paramLabel = "SECONDS", description = "The transition's deadline on hosts (1 to 86400; default 60).")
        Long transitionTimeoutSeconds;

        JsonNode send(ServerClient c) {
            ObjectNode body = OperatorCommand.object().put("policy", policy).put("kernelLock", kernelLock);
            if (canaryGroup != null) {
                body.put("canaryGroup", canaryGroup);
            }
            if (soakSeconds != null) {
                body.put("soakSeconds", soakSeconds);
            }
            if (onTimeout != null) {
                body.put("onTimeout", onTimeout);
            }
            if (transitionTimeoutSeconds != null) {
                body.put("transitionTimeoutSeconds", transitionTimeoutSeconds);
            }
            return c.json(c.put("/api/v1/groups/" + ServerClient.segment(name), body));
        }

        void text(JsonNode n, PrintWriter out) {
            group(n, out);
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a group's policy, pins and rollouts; its systems follow latest.")
    static final class GroupDelete extends OperatorCommand {
        @Parameters(paramLabel = "GROUP")
        String name;

        JsonNode send(ServerClient c) {
            return OperatorCommand.answer(c, c.delete("/api/v1/groups/" + ServerClient.segment(name)));
        }

        void text(JsonNode n, PrintWriter out) {
        }

        @Override
        String done() {
            return "deleted the policy of group " + name;
        }
    }

    @Command(name = "pin", mixinStandardHelpOptions = true, description = "Pins: a kernel's live patch held at a version, for a group or the fleet.",
            subcommands = {PinList.class, PinSet.class, PinRemove.class})
    public static final class Pin extends CatalogCommands.Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every pin ('*' is the whole fleet).")
    static final class PinList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/pins", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            n.forEach(p -> out.printf("%-20s %-40s version %s%n", p.path("group").asText(), p.path("kernel").asText(), p.path("version").asText()));
        }
    }

    static final class Target {
        @Option(names = "--to", required = true, paramLabel = "N", description = "Pin to version N.")
        Integer version;

        @Option(names = "--back", required = true, paramLabel = "N", description = "Pin N versions below the newest (1: N-1, a downgrade).")
        Integer back;
    }

    @Command(name = "set", mixinStandardHelpOptions = true, description = "Pins a kernel's live patch for a group, or for the whole fleet.")
    static final class PinSet extends OperatorCommand {
        @Parameters(paramLabel = "KERNEL")
        String kernel;

        @Option(names = "--group", paramLabel = "GROUP", description = "Default: the whole fleet (groups with a pin of their own keep it).")
        String group;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        JsonNode send(ServerClient c) {
            ObjectNode body = target.version != null ? OperatorCommand.object().put("version", target.version)
                    : OperatorCommand.object().put("back", target.back);
            String path = group == null ? "/api/v1/pins/" + ServerClient.segment(kernel)
                    : "/api/v1/groups/" + ServerClient.segment(group) + "/pins/" + ServerClient.segment(kernel);
            return c.json(c.put(path, body));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("pinned %s to version %s for %s%n", n.path("kernel").asText(), n.path("version").asText(),
                    n.path("group").asText().equals("*") ? "the whole fleet" : "group " + n.path("group").asText());
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes a pin of a group, or of the whole fleet.")
    static final class PinRemove extends OperatorCommand {
        @Parameters(paramLabel = "KERNEL")
        String kernel;

        @Option(names = "--group", paramLabel = "GROUP", description = "Default: the whole fleet's pin.")
        String group;

        JsonNode send(ServerClient c) {
            String path = group == null ? "/api/v1/pins/" + ServerClient.segment(kernel)
                    : "/api/v1/groups/" + ServerClient.segment(group) + "/pins/" + ServerClient.segment(kernel);
            return OperatorCommand.answer(c, c.delete(path));
        }

        void text(JsonNode n, PrintWriter out) {
        }

        @Override
        String done() {
            return "removed the pin of " + kernel + " for " + (group == null ? "the whole fleet" : "group " + group);
        }
    }

    @Command(name = "rollout", mixinStandardHelpOptions = true, description = "Staged rollouts: listed, promoted, halted or resumed by an operator.",
            subcommands = {RolloutList.class, RolloutPromote.class, RolloutHalt.class, RolloutResume.class})
    public static final class Rollout extends CatalogCommands.Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every rollout with its status and reason.")
    static final class RolloutList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/rollouts", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            n.forEach(r -> out.printf("%-16s %-40s version %-4s %-9s %s%n", r.path("group").asText(), r.path("kernel").asText(), r.path("version").asText(),
                    r.path("status").asText(), r.path("reason").asText()));
        }
    }

    abstract static class RolloutChange extends OperatorCommand {
        @Parameters(index = "0", paramLabel = "GROUP")
        String group;

        @Parameters(index = "1", paramLabel = "KERNEL")
        String kernel;

        @Parameters(index = "2", paramLabel = "VERSION")
        int version;

        String path(String verb) {
            return "/api/v1/rollouts/" + ServerClient.segment(group) + "/" + ServerClient.segment(kernel) + "/" + version + "/" + verb;
        }

        void text(JsonNode r, PrintWriter out) {
            out.printf("version %s of %s to %s: %s (%s)%n", r.path("version").asText(), r.path("kernel").asText(), r.path("group").asText(),
                    r.path("status").asText(), r.path("reason").asText());
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Promotes a version to the whole staged group now.")
    static final class RolloutPromote extends RolloutChange {
        JsonNode send(ServerClient c) {
            return c.json(c.post(path("promote"), (JsonNode) null));
        }
    }

    @Command(name = "halt", mixinStandardHelpOptions = true, description = "Halts a rollout: nobody new gets the version (a pin takes it back).")
    static final class RolloutHalt extends RolloutChange {
        @Option(names = "--reason", description = "Why, for the rollout's record and the dashboard.")
        String reason;

        JsonNode send(ServerClient c) {
            return c.json(c.post(path("halt"), reason == null ? null : OperatorCommand.object().put("reason", reason)));
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true,
            description = "Resumes a halted rollout: back to its canaries, which must settle on the version again before it promotes.")
    static final class RolloutResume extends RolloutChange {
        JsonNode send(ServerClient c) {
            return c.json(c.post(path("resume"), (JsonNode) null));
        }
    }
}
