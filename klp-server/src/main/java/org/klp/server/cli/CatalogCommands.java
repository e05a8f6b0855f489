package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The catalog on the command line: products, kernels and their live patches, as the API has them. */
public final class CatalogCommands {

    private CatalogCommands() {
    }

    /** A command that only lists its subcommands. */
    public abstract static class Group implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().usage(spec.commandLine().getOut());
            return 2;
        }
    }

    static byte[] file(Path p, String what) {
        try {
            if (!Files.isRegularFile(p)) {
                throw new ServerClient.Failure("no such file: " + p + " (" + what + ")");
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    @Command(name = "product", mixinStandardHelpOptions = true, description = "Products and extensions (IDENTIFIER/VERSION/ARCH), each with its repository.",
            subcommands = {ProductList.class, ProductAdd.class})
    public static final class Product extends Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every product and extension.")
    static final class ProductList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/products", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode p : n) {
                out.printf("%-5s %-45s %s%s%s%n", p.path("id").asText(), p.path("identifier").asText() + "/" + p.path("version").asText() + "/"
                        + p.path("arch").asText(), p.path("name").asText(), p.path("baseId").isNull() ? " (base)" : " (extends " + p.path("baseId").asText() + ")",
                        p.path("free").asBoolean() ? ", free" : "");
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Adds a product, or an extension of a base product; its repository is made empty.")
    static final class ProductAdd extends OperatorCommand {
        @Parameters(paramLabel = "IDENTIFIER/VERSION/ARCH", description = "e.g. sle-module-live-patching/15.5/x86_64")
        String triplet;

        @Option(names = "--name", required = true, description = "What people call it, e.g. 'SUSE Linux Enterprise Live Patching 15 SP5 x86_64'.")
        String name;

        @Option(names = "--base", paramLabel = "IDENTIFIER/VERSION/ARCH", description = "The base product it extends (an extension needs one).")
        String base;

        @Option(names = "--free", description = "An extension that activates without a registration code of its own.")
        boolean free;

        JsonNode send(ServerClient c) {
            String[] p = triplet.split("/", -1);
            if (p.length != 3) {
                throw new CommandLine.ParameterException(spec.commandLine(), "expected IDENTIFIER/VERSION/ARCH, was '" + triplet + "'");
            }
            ObjectNode body = OperatorCommand.object().put("identifier", p[0]).put("version", p[1]).put("arch", p[2]).put("name", name)
                    .put("free", free);
            if (base != null) {
                body.put("base", base);
            }
            return c.json(c.post("/api/v1/products", body));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("added product %s %s/%s/%s%n", n.path("id").asText(), n.path("identifier").asText(), n.path("version").asText(),
                    n.path("arch").asText());
        }
    }

    @Command(name = "kernel", mixinStandardHelpOptions = true, description = "Kernel releases of the catalog; publishing one publishes its initial patch.",
            subcommands = {KernelList.class, KernelAdd.class})
    public static final class Kernel extends Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every kernel with its product, dates and live patch versions.")
    static final class KernelList extends OperatorCommand {
        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/kernels", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode k : n) {
                out.printf("%-40s %-40s released %s, end of support %s, versions %s%n", k.path("release").asText(), k.path("product").asText(),
                        k.path("released").asText(), k.path("endOfSupport").asText(), k.path("versions").toString());
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Publishes a kernel release with its initial patch (version 1).")
    static final class KernelAdd extends OperatorCommand {
        @Parameters(paramLabel = "RELEASE", description = "As uname -r says it, e.g. 5.14.21-150500.55.83-default.")
        String release;

        @Option(names = "--product", required = true, paramLabel = "IDENTIFIER/VERSION/ARCH", description = "The live patching product covering it.")
        String product;

        @Option(names = "--released", required = true, paramLabel = "DATE", description = "Its release date, e.g. 2025-02-01.")
        String released;

        @Option(names = "--end-of-support", paramLabel = "DATE", description = "Default: a year after the release.")
        String endOfSupport;

        @Option(names = "--initial-module", paramLabel = "FILE", description = "The initial live patch module (.ko) built for it; default: a simulated one.")
        Path initialModule;

        JsonNode send(ServerClient c) {
            ObjectNode body = OperatorCommand.object().put("product", product).put("release", release).put("released", released);
            if (endOfSupport != null) {
                body.put("endOfSupport", endOfSupport);
            }
            if (initialModule != null) {
                body.put("initialModule", Base64.getEncoder().encodeToString(file(initialModule, "the initial module")));
            }
            return c.json(c.post("/api/v1/kernels", body));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("published kernel %s (%s), end of support %s, with its initial patch%n", n.path("release").asText(), n.path("product").asText(),
                    n.path("endOfSupport").asText());
        }
    }

    @Command(name = "live-patch", mixinStandardHelpOptions = true, description = "Live patch versions of a kernel.",
            subcommands = {LivePatchList.class, LivePatchAdd.class, LivePatchUpload.class})
    public static final class LivePatch extends Group {
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The versions of a kernel's live patch with their fixes.")
    static final class LivePatchList extends OperatorCommand {
        @Parameters(paramLabel = "KERNEL")
        String kernel;

        JsonNode send(ServerClient c) {
            return c.json(c.get("/api/v1/kernels/" + ServerClient.segment(kernel) + "/live-patches", ServerClient.params()));
        }

        void text(JsonNode n, PrintWriter out) {
            for (JsonNode v : n) {
                StringBuilder fixes = new StringBuilder();
                v.path("fixes").forEach(f -> fixes.append(fixes.length() == 0 ? "" : ", ").append(f.path("id").asText()));
                out.printf("%s-%s  released %s  module %s  %s%n", v.path("packageName").asText(), v.path("version").asText(), v.path("released").asText(),
                        v.path("moduleName").asText(), fixes.length() == 0 ? "(no fixes)" : fixes);
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = {"Builds and publishes the next version of a kernel's live patch from its module",
            "and its fixes (cumulative: every fix of the previous version and the new ones)."})
    static final class LivePatchAdd extends OperatorCommand {
        @Parameters(paramLabel = "KERNEL")
        String kernel;

        @Option(names = "--module", required = true, paramLabel = "FILE", description = "The live patch module (.ko).")
        Path module;

        @Option(names = "--fixes", paramLabel = "FILE", description = "A JSON array of fixes: [{\"id\": \"CVE-2024-1086\", \"cvss\": 7.8, \"summary\": \"…\"}, …].")
        Path fixes;

        @Option(names = "--released", paramLabel = "DATE", description = "Default: today.")
        String released;

        JsonNode send(ServerClient c) {
            ObjectNode body = OperatorCommand.object().put("module", Base64.getEncoder().encodeToString(file(module, "the module")));
            if (fixes != null) {
                try {
                    JsonNode list = OperatorCommand.JSON.readTree(file(fixes, "the fixes"));
                    if (!list.isArray()) {
                        throw new ServerClient.Failure(fixes + " must hold a JSON array of fixes");
                    }
                    body.set("fixes", (ArrayNode) list);
                } catch (IOException e) {
                    throw new ServerClient.Failure(fixes + " is not JSON: " + e.getMessage());
                }
            }
            if (released != null) {
                body.put("released", released);
            }
            return c.json(c.post("/api/v1/kernels/" + ServerClient.segment(kernel) + "/live-patches", body));
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("published version %s of %s (%d fix%s) in the repository of its product%n", n.path("version").asText(),
                    n.path("packageName").asText(), n.path("fixes").size(), n.path("fixes").size() == 1 ? "" : "es");
        }
    }

    @Command(name = "upload", mixinStandardHelpOptions = true, description = {"Publishes a live patch RPM built by 'klp-pack rpm' and signed with the",
            "server's key (DATA/keys/signing-key.asc) as the next version of its kernel's live patch."})
    static final class LivePatchUpload extends OperatorCommand {
        @Parameters(paramLabel = "RPM")
        Path rpm;

        JsonNode send(ServerClient c) {
            if (!Files.isRegularFile(rpm)) {
                throw new ServerClient.Failure("no such file: " + rpm);
            }
            try {
                return c.json(c.post("/api/v1/packages", HttpRequest.BodyPublishers.ofFile(rpm), "application/x-rpm"));
            } catch (java.io.FileNotFoundException e) {
                throw new ServerClient.Failure("no such file: " + rpm);
            }
        }

        void text(JsonNode n, PrintWriter out) {
            out.printf("published version %s of %s%n", n.path("version").asText(), n.path("packageName").asText());
        }
    }
}
