package org.klp.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A training run for the class-data sharing archive the build makes ({@code klp.jsa}): the
 * commands a host runs most, on a throw-away simulated host, so the archive holds every class they
 * load and {@code bin/klp} starts without loading and verifying them again.
 */
public final class CdsTraining {

    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("klp-cds-training");
        try {
            PrintWriter sink = new PrintWriter(Writer.nullWriter());
            String root = dir.resolve("host").toString();
            Path v1 = dir.resolve("v1.ko");
            Path v2 = dir.resolve("v2.ko");
            run(sink, "sim", "create", root, "--kernel", "6.1.0-56-amd64", "--clock", "manual", "--tasks", "20", "--module", "target");
            run(sink, "--root", root, "sim", "make-module", v1.toString(), "--name", "p1", "--kernel", "6.1.0-56-amd64", "--function", "target:f");
            run(sink, "--root", root, "sim", "make-module", v2.toString(), "--name", "p2", "--kernel", "6.1.0-56-amd64", "--function", "target:f",
                    "--function", "target:g");
            run(sink, "--root", root, "apply", v1.toString());
            run(sink, "--root", root, "sim", "task", "sleep", "--in", "target:g");
            run(sink, "--root", root, "apply", v2.toString(), "--timeout", "1", "--on-timeout=wait");
            for (String json : new String[] {"--json", "-v"}) {
                run(sink, "--root", root, "status", json);
                run(sink, "--root", root, "status", "-v", json);
                run(sink, "--root", root, "patches", "-vv", json);
                run(sink, "--root", root, "blocking", "-vv", json);
                run(sink, "--root", root, "check", json);
            }
            run(sink, "--root", root, "status");
            run(sink, "--root", root, "bogus");
            // past the fake signal the transition completes; once the full path has settled the
            // record, the start-up fast path answers these
            run(sink, "--root", root, "sim", "advance", "20s");
            run(sink, "--root", root, "status");
            run(sink, "--root", root, "status");
            run(sink, "--root", root, "check");
            run(sink, "--root", root, "check", "--json");
            run(sink, "--help");
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** As {@link Main} runs a command: the fast path first, then the full path, so the archive holds both. */
    private static void run(PrintWriter sink, String... args) {
        Main.class.getName();
        FastPath.answer(args);
        Klp.run(args, sink, sink);
    }
}
