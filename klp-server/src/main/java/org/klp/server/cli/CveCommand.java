package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code klp-server cve import FILE}: sends a CVE feed to a running server (see {@link ServerClient} for why over HTTP). */
@Command(name = "cve", mixinStandardHelpOptions = true, description = "CVE records.", subcommands = CveCommand.Import.class)
public final class CveCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** The API's limit for a feed upload. */
    static final long MAX_FEED = 64L * 1024 * 1024;

    @Command(name = "import", mixinStandardHelpOptions = true, description = {
            "Imports a CVE feed (JSON Lines, one record per line; see README) into a running server.",
            "Bad lines are refused with their number and reason and the rest imported; exit code 1 when any was refused.",
            "Importing the same feed again changes nothing; a changed record replaces the stored one."})
    static final class Import implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The feed, or - for standard input.")
        String file;

        @Mixin
        ServerClient.Options remote = new ServerClient.Options();

        @Option(names = "--json", description = "Print the server's import report as JSON.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            java.net.http.HttpRequest.BodyPublisher feed;
            if (file.equals("-")) {
                feed = java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> System.in);
            } else {
                Path p = Path.of(file);
                if (!Files.isRegularFile(p)) {
                    throw new ServerClient.Failure("no such file: " + file);
                }
                if (Files.size(p) > MAX_FEED) {
                    throw new ServerClient.Failure(file + " is larger than the server takes in one import (64 MiB); split it (each line is a record)");
                }
                feed = java.net.http.HttpRequest.BodyPublishers.ofFile(p);
            }
            ServerClient client = remote.client();
            JsonNode r = client.json(client.post("/api/v1/cves", feed, "application/x-ndjson"));
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (json) {
                out.println(r.toPrettyString());
            } else {
                int listed = r.path("refused").size();
                int refused = r.path("refusedTotal").asInt(listed);
                out.printf("%d lines: %d CVE records added, %d updated, %d unchanged, %d refused%s%n", r.path("lines").asInt(), r.path("added").asInt(),
                        r.path("updated").asInt(), r.path("unchanged").asInt(), refused, refused > listed ? " (the first " + listed + " listed)" : "");
            }
            for (JsonNode x : r.path("refused")) {
                err.printf("klp-server: %s line %d%s: %s%n", file, x.path("line").asInt(), x.path("id").isTextual() ? " (" + x.path("id").asText() + ")" : "",
                        x.path("error").asText());
            }
            out.flush();
            err.flush();
            return r.path("refusedTotal").asInt(r.path("refused").size()) > 0 ? 1 : 0;
        }
    }
}
