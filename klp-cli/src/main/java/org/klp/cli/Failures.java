package org.klp.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import org.klp.core.module.ModuleFormatException;
import org.klp.kernel.KernelOperationException;
import org.klp.kernel.KernelStateException;
import picocli.CommandLine;

/** Turns every failure into one clear line on standard error (and a JSON error with --json) and an exit code. */
final class Failures {

    private Failures() {
    }

    static int handle(Klp klp, PrintWriter out, PrintWriter err, Exception ex) {
        if (ex instanceof UsageException || ex instanceof CommandLine.ParameterException) {
            report(klp, out, err, "klp: " + ex.getMessage(), ExitCode.USAGE);
            return ExitCode.USAGE;
        }
        String message;
        if (ex instanceof KernelStateException || ex instanceof KernelOperationException || ex instanceof ModuleFormatException
                || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            message = ex.getMessage();
        } else if (ex instanceof UncheckedIOException || ex.getClass().getName().startsWith("org.klp.")) {
            message = ex.getMessage();
        } else {
            message = ex.getClass().getSimpleName() + ": " + ex.getMessage();
        }
        report(klp, out, err, "klp: " + message, ExitCode.FAILURE);
        if (System.getenv("KLP_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        return ExitCode.FAILURE;
    }

    static void report(Klp klp, PrintWriter out, PrintWriter err, String message, int code) {
        err.println(message);
        if (klp.json()) {
            out.print(Json.object().startObject("error").field("message", message.replaceFirst("^klp: ", ""))
                    .field("exitCode", code).endObject().end());
        }
        out.flush();
        err.flush();
    }
}
