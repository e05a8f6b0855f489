package org.klp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** One run of klp in this JVM: its exit code and what it printed. */
public record KlpRun(int exitCode, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static KlpRun run(Clock clock, String... args) {
        Klp.clock = clock;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Klp.run(args, new PrintWriter(out), new PrintWriter(err));
        return new KlpRun(code, out.toString(), err.toString());
    }

    public JsonNode json() {
        try {
            return JSON.readTree(out);
        } catch (Exception e) {
            throw new AssertionError("stdout is not one JSON document: " + e.getMessage() + "\n" + out, e);
        }
    }

    public List<String> lines() {
        return new ArrayList<>(out.lines().toList());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
