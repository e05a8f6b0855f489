package org.klp.cli.command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.klp.cli.Host;
import org.klp.cli.Klp;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What every klp command shares: the global options, the host, and where to write. */
abstract class KlpCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandSpec spec;

    /** Declared once here so that every command and subcommand answers {@code --help}. */
    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private Host host;

    Klp klp() {
        return (Klp) spec.root().userObject();
    }

    Host host() {
        if (host == null) {
            host = Host.open(klp().root(), klp().clock());
        }
        return host;
    }

    int verbosity() {
        return klp().verbosity();
    }

    boolean json() {
        return klp().json();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Progress for people, on standard error, shown with -v. */
    void progress(String line) {
        if (verbosity() > 0 && !json()) {
            err().println("klp: " + line);
            err().flush();
        }
    }
}
