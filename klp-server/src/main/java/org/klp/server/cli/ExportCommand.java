package org.klp.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code klp-server export …}: the catalog in the formats scanners read, from a running server's
 * export API (see {@link ServerClient} for why over HTTP). Writes the document to standard output or
 * to a file (replaced atomically, so a scanner reading it never sees half a document).
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = {
        "The catalog's CVEs in the formats scanners read, from a running server:",
        "  oval  OVAL 5.11 definitions for oscap oval eval and other OVAL scanners",
        "  csaf  CSAF 2.0 VEX documents, one per CVE, in a folder as a CSAF provider serves them",
        "Talks to the server's API: --server URL (default $KLP_SERVER or http://127.0.0.1:8080), admin token in $KLP_ADMIN_TOKEN or --token."},
        subcommands = {ExportCommand.Oval.class, ExportCommand.Csaf.class})
public final class ExportCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Which part of the catalog: a product or a kernel stream (not both), optionally one CVE. */
    static final class Scope {
        @ArgGroup(exclusive = true)
        Of of = new Of();

        @Option(names = "--cve", paramLabel = "CVE", description = "Only this CVE.")
        String cve;

        static final class Of {
            @Option(names = "--product", paramLabel = "ID/VERSION/ARCH", description = "A product's kernels and its extensions', e.g. SLES/15.5/x86_64.")
            String product;

            @Option(names = "--stream", paramLabel = "STREAM", description = "One kernel stream, e.g. 5.14.21-150500-default.")
            String stream;
        }

        Map<String, Object> params() {
            return ServerClient.params("product", of.product, "stream", of.stream, "cve", cve);
        }
    }

    @Command(name = "oval", mixinStandardHelpOptions = true, description = {
            "OVAL 5.11 vulnerability definitions, one per CVE: true (vulnerable) while the running kernel is affected and no live patch",
            "carrying the fix is loaded from its installed package with every transition complete and none forced; false once the",
            "running kernel has the fix. For example: oscap oval eval klp.oval.xml (as root on the host)."},
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:server unreachable or refusing, file not writable"})
    static final class Oval implements Callable<Integer> {
        @Mixin
        ServerClient.Options remote = new ServerClient.Options();

        @Mixin
        Scope scope = new Scope();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the document here (default: standard output).")
        Path output;

        @Option(names = "--json", description = "With --output: print what was written as JSON (file, bytes, definitions).")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            if (json && output == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--json describes the file --output writes; give --output FILE");
            }
            ServerClient client = remote.client();
            String xml = client.get("/api/v1/export/oval", scope.params()).body();
            PrintWriter out = spec.commandLine().getOut();
            if (output == null) {
                out.print(xml);
                out.flush();
                return 0;
            }
            byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
            writeAtomically(output, bytes);
            int definitions = xml.split("<definition ", -1).length - 1;
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("file", output.toString());
                m.put("format", "oval");
                m.put("bytes", bytes.length);
                m.put("definitions", definitions);
                out.println(JSON.writeValueAsString(m));
            } else {
                out.println("wrote " + output + ": " + definitions + " OVAL definitions (" + bytes.length + " bytes)");
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "csaf", mixinStandardHelpOptions = true, description = {
            "CSAF 2.0 VEX documents, one per CVE: every kernel release of the CVE's streams, with and without each live patch version",
            "(as KERNEL+lpN, what 'klp uname -r' prints), known affected, fixed or known not affected, with what to do.",
            "With --cve: that document on standard output (or --output FILE). Without: every document into --output DIR,",
            "named as CSAF names them (klp-cve-2024-1086.json), with index.txt listing them, as a CSAF provider's folder."},
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:server unreachable or refusing, file not writable"})
    static final class Csaf implements Callable<Integer> {
        @Mixin
        ServerClient.Options remote = new ServerClient.Options();

        @Option(names = "--cve", paramLabel = "CVE", description = "Only this CVE's document.")
        String cve;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE|DIR", description = "With --cve: the file (default: standard output); without: the folder.")
        Path output;

        @Option(names = "--json", description = "Print what was written as JSON (files, bytes).")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            if (cve == null && output == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --output DIR for every document, or --cve ID for one");
            }
            if (json && output == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--json describes the files --output writes; give --output");
            }
            ServerClient client = remote.client();
            Map<String, String> documents = new java.util.TreeMap<>();
            if (cve != null) {
                documents.put(cve, null);
            } else {
                client.json(client.get("/api/v1/export/csaf", Map.of())).path("documents").forEach(d -> documents.put(d.path("cve").asText(),
                        d.path("file").asText()));
            }
            long bytes = 0;
            java.util.List<String> files = new java.util.ArrayList<>();
            if (cve == null) {
                Files.createDirectories(output);
            }
            for (String id : documents.keySet()) {
                String doc = client.get("/api/v1/export/csaf", ServerClient.params("cve", id)).body();
                byte[] b = doc.getBytes(StandardCharsets.UTF_8);
                bytes += b.length;
                if (output == null) {
                    out.print(doc);
                    out.flush();
                    return 0;
                }
                Path file = cve != null ? output : output.resolve(documents.get(id));
                writeAtomically(file, b);
                files.add(file.getFileName().toString());
            }
            if (cve == null) {
                writeAtomically(output.resolve("index.txt"), (String.join("\n", files) + (files.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
            }
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("output", output.toString());
                m.put("format", "csaf_vex");
                m.put("documents", files.size());
                m.put("bytes", bytes);
                m.put("files", files);
                out.println(JSON.writeValueAsString(m));
            } else {
                out.println("wrote " + files.size() + " CSAF VEX document" + (files.size() == 1 ? "" : "s") + " (" + bytes + " bytes) to " + output
                        + (cve == null ? ", listed in index.txt" : ""));
            }
            out.flush();
            return 0;
        }
    }

    static void writeAtomically(Path file, byte[] bytes) {
        Path dir = file.toAbsolutePath().getParent();
        try {
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ServerClient.Failure("cannot write " + file + ": " + e.getMessage());
        }
    }
}
