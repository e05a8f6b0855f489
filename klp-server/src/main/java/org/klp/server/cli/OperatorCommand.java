package org.klp.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * One operator's command over the API of a running server (see {@link ServerClient} for why over
 * HTTP): it sends one request, then prints the answer in words, or with {@code --json} the API's
 * JSON document — on failure too, as {@code {"type": "error", "error": "…"}}, with exit code 3.
 */
public abstract class OperatorCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Mixin
    ServerClient.Options remote = new ServerClient.Options();

    @Option(names = "--json", description = "Print the API's JSON document (on failure: {\"type\": \"error\", \"error\": …}).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Sends the request; the answer's JSON, or null when the server answered 204 (done, nothing to show). */
    abstract JsonNode send(ServerClient client);

    /** The answer in words. */
    abstract void text(JsonNode answer, PrintWriter out);

    /** What a 204 means, in words and as JSON (e.g. "revoked admin token 3"). */
    String done() {
        return "done";
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try {
            JsonNode answer = send(remote.client());
            if (json) {
                out.println(PRETTY.writeValueAsString(answer == null ? object().put("type", "done").put("done", done()) : answer));
            } else if (answer == null) {
                out.println(done());
            } else {
                text(answer, out);
            }
            out.flush();
            return 0;
        } catch (ServerClient.Failure e) {
            if (!json) {
                throw e;
            }
            out.println(PRETTY.writeValueAsString(object().put("type", "error").put("error", e.getMessage())));
            out.flush();
            return 3;
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** The answer of a request: its JSON, or null for 204. */
    static JsonNode answer(ServerClient client, ServerClient.Answer a) {
        return a.status() == 204 || a.body().isEmpty() ? null : client.json(a);
    }

    static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "-" : n.asText();
    }
}
