package org.klp.packaging.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code klp-pack}: the publisher's tool. Builds live patch packages, makes signing keys,
 * publishes signed rpm-md repositories, and lists what a repository offers as a host sees it.
 */
@Command(name = "klp-pack", mixinStandardHelpOptions = true, version = "klp-pack 0.1.0",
        description = "Builds kernel live patch packages and publishes signed rpm-md repositories.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "2:usage error (unknown option, missing argument)", "3:failure (the message says what and why)"},
        footer = {"", "Examples:",
                "  klp-pack key generate --name 'klp repository <klp@example.org>' --output keys",
                "  klp-pack rpm --kernel 5.14.21-150500.55.49-default --version 1 --module livepatch_1.ko --kernel-released 2024-03-01 --output repo --key keys/klp.secret.asc",
                "  klp-pack rpm --kernel 5.14.21-150500.55.49-default --version 2 --module livepatch_2.ko --fixes fixes.json --repo repo --key keys/klp.secret.asc",
                "  klp-pack build --kernel 6.1.0-57-amd64 --version 3 --fixes fixes/ --repo repo --key keys/klp.secret.asc",
                "  klp-pack repo publish repo --key keys/klp.secret.asc",
                "  klp-pack product release --identifier sle-module-live-patching --version 15.5 --arch x86_64 --kind extension \\",
                "           --summary 'SUSE Linux Enterprise Live Patching 15 SP5 x86_64' --output repo --key keys/klp.secret.asc",
                "  klp-pack product pattern --identifier sle-module-live-patching --version 15.5 --arch x86_64 --output repo --key keys/klp.secret.asc",
                "  klp-pack product tools --jar klp-cli/target/klp.jar --output repo --key keys/klp.secret.asc",
                "  klp-pack repo publish repo --lifecycle-package sle-module-live-patching --key keys/klp.secret.asc"})
public final class KlpPack implements Runnable {

    public static final int OK = 0;
    public static final int USAGE = 2;
    public static final int FAILURE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: build, rpm, key, repo, product or stand-in (see klp-pack --help)");
    }

    /**
     * The command line with the subcommand {@code args} asks for, or all of them (for help and
     * errors). Picocli reflects over every command it is given, which costs start-up time; a run of
     * {@code klp-pack repo publish} needs only the repo commands.
     */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new KlpPack());
        String first = args.length == 0 ? "" : args[0];
        boolean all = !(first.equals("rpm") || first.equals("build") || first.equals("key") || first.equals("repo") || first.equals("stand-in")
                || first.equals("product"));
        if (all || first.equals("rpm")) {
            cli.addSubcommand("rpm", new RpmCommand());
        }
        if (all || first.equals("build")) {
            cli.addSubcommand("build", new BuildCommand());
        }
        if (all || first.equals("key")) {
            cli.addSubcommand("key", new KeyCommand());
        }
        if (all || first.equals("repo")) {
            cli.addSubcommand("repo", new RepoCommand());
        }
        if (all || first.equals("product")) {
            cli.addSubcommand("product", new ProductCommand());
        }
        if (all || first.equals("stand-in")) {
            cli.addSubcommand("stand-in", new StandInCommand());
        }
        if (all) {
            cli.addSubcommand("help", new CommandLine.HelpCommand());
        }
        return cli;
    }

    /** Runs a command line with the given output streams; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine(args);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            commandLine.getErr().println("klp-pack: " + message);
            if (System.getenv("KLP_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return FAILURE;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("klp-pack: " + e.getMessage());
            e.getCommandLine().getErr().println("Try: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            return USAGE;
        });
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    public static void main(String[] args) {
        if (args.length >= 3 && args[0].equals("repo") && args[1].equals("publish") && !args[2].startsWith("-")
                && java.nio.file.Files.isDirectory(java.nio.file.Path.of(args[2]))) {
            // start listing and loading while picocli starts up; the publish uses it if it is for the same folder
            org.klp.packaging.repo.RepositoryPublisher.prefetch(java.nio.file.Path.of(args[2]));
        }
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(out, err, args));
    }
}
