package org.klp.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.klp.cli.command.ApplyCommand;
import org.klp.cli.command.BlockingCommand;
import org.klp.cli.command.CheckCommand;
import org.klp.cli.command.DisableCommand;
import org.klp.cli.command.DowngradeCommand;
import org.klp.cli.command.ForceCommand;
import org.klp.cli.command.HistoryCommand;
import org.klp.cli.command.LifecycleCommand;
import org.klp.cli.command.UpdateCommand;
import org.klp.cli.command.PatchesCommand;
import org.klp.cli.command.RestoreCommand;
import org.klp.cli.command.RevertCommand;
import org.klp.cli.command.SimCommand;
import org.klp.cli.command.StatusCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code klp}: the live patching state of this host's kernel, and safe changes to it. */
@Command(name = "klp",
        mixinStandardHelpOptions = true,
        versionProvider = Klp.Version.class,
        sortOptions = false,
        description = {
                "Shows the live patching state of the running Linux kernel and applies, replaces,",
                "disables and reverts live patches safely. Global options go before or after the command."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:ok (for check: ready)",
                "1:a transition is in progress, not ready (check), or an operation left one running",
                "2:usage error: unknown option, bad value, conflicting options, no such --root",
                "3:failure: the kernel refused, a transition was reverted (other than by 'klp revert'), a file is missing or malformed (a kernel value it never writes, a host record of an unknown format), or a write would follow a symbolic link out of the root"},
        footerHeading = "%nExamples:%n",
        footer = {
                "  klp status                 ready | in_progress",
                "  klp -v patches             loaded patches with their package, CVEs and bug fixes",
                "  klp blocking -vv           tasks holding a transition back, with stacks and advice",
                "  klp uname -r               the effective kernel release, e.g. 5.14.21-150500.55.49-default+lp4",
                "  klp apply /lib/modules/$(uname -r)/livepatch/X.ko --timeout 60 --on-timeout=revert",
                "  klp --root /tmp/host sim create /tmp/host --kernel 6.1.0-56-amd64   a simulated host"})
public final class Klp implements Callable<Integer> {

    @Option(names = "--root", scope = ScopeType.INHERIT, paramLabel = "DIR",
            description = "Act on the host whose files are under DIR (default: /). A simulated host is a folder made by 'klp sim create'.")
    Path root = Path.of("/");

    private int verbosity;

    /** Counted by hand: picocli resets an inherited array option when the subcommand sees it again. */
    @Option(names = "-v", scope = ScopeType.INHERIT, description = "More detail; repeat (-vv) for even more.")
    void verbose(boolean[] flags) {
        verbosity += flags.length;
    }

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "One JSON document on standard output.")
    boolean json;

    /** Tests replace the clock; the tool uses the system's. */
    static Clock clock = Clock.systemUTC();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public Path root() {
        return root;
    }

    public int verbosity() {
        return verbosity;
    }

    public boolean json() {
        return json;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCode.USAGE;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The commands, in the order help lists them. Built lazily: picocli spends most of klp's start
     * on reflecting over command classes, so a run registers only the command it was asked for.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("status", StatusCommand::new);
        COMMANDS.put("check", CheckCommand::new);
        COMMANDS.put("patches", PatchesCommand::new);
        COMMANDS.put("blocking", BlockingCommand::new);
        COMMANDS.put("apply", ApplyCommand::new);
        COMMANDS.put("disable", DisableCommand::new);
        COMMANDS.put("update", UpdateCommand::new);
        COMMANDS.put("downgrade", DowngradeCommand::new);
        COMMANDS.put("revert", RevertCommand::new);
        COMMANDS.put("force", ForceCommand::new);
        COMMANDS.put("restore", RestoreCommand::new);
        COMMANDS.put("lifecycle", LifecycleCommand::new);
        COMMANDS.put("history", HistoryCommand::new);
        COMMANDS.put("uname", org.klp.cli.command.UnameCommand::new);
        COMMANDS.put("sim", SimCommand::new);
        COMMANDS.put("register", org.klp.cli.command.RegisterCommand::new);
        COMMANDS.put("extensions", org.klp.cli.command.ExtensionsCommand::new);
        COMMANDS.put("deregister", org.klp.cli.command.DeregisterCommand::new);
        COMMANDS.put("agent", org.klp.cli.command.AgentCommand::new);
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    /** The command named in {@code args}: the first word that is neither an option nor the value of --root. */
    static String commandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--root")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return "";
    }

    /** Every command and subcommand, as the words that name it after {@code klp} ({@code [sim, task, sleep]}). */
    static java.util.List<java.util.List<String>> commandPaths() {
        CommandLine cl = new CommandLine(new Klp());
        COMMANDS.forEach((n, command) -> cl.addSubcommand(n, command.get()));
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        collect(cl, java.util.List.of(), paths);
        return paths;
    }

    private static void collect(CommandLine command, java.util.List<String> path, java.util.List<java.util.List<String>> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            if (sub.getCommandName().equals(name)) {
                java.util.List<String> next = new java.util.ArrayList<>(path);
                next.add(name);
                paths.add(next);
                collect(sub, next, paths);
            }
        });
    }

    /** Runs klp with these arguments, writing to {@code out} and {@code err}; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Klp klp = new Klp();
        CommandLine cl = new CommandLine(klp);
        String name = commandName(args);
        if (name.equals("uname")) {
            args = unameFlags(args);
        }
        if (COMMANDS.containsKey(name) && !name.equals("help")) {
            cl.addSubcommand(name, COMMANDS.get(name).get());
        } else {
            COMMANDS.forEach((n, command) -> cl.addSubcommand(n, command.get()));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String message = "klp: " + ex.getMessage() + " (see '" + c.getCommandSpec().qualifiedName() + " --help')";
            Failures.report(klp, c.getOut(), c.getErr(), message, ExitCode.USAGE);
            return ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> Failures.handle(klp, c.getOut(), c.getErr(), ex));
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * uname's one-letter flags after the command word spelled out as {@code klp uname}'s long
     * options, clusters included ({@code -srv}): there {@code -v} is uname's kernel version, while
     * klp's own {@code -v} (more detail) goes before the command.
     */
    static String[] unameFlags(String[] args) {
        java.util.List<String> out = new java.util.ArrayList<>();
        boolean after = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!after) {
                out.add(a);
                if (a.equals("--root") && i + 1 < args.length) {
                    out.add(args[++i]);
                } else if (a.equals("uname")) {
                    after = true;
                }
                continue;
            }
            if (a.length() > 1 && a.charAt(0) == '-' && a.charAt(1) != '-'
                    && a.substring(1).chars().allMatch(c -> org.klp.cli.command.UnameCommand.LETTERS.indexOf(c) >= 0)) {
                a.substring(1).chars().forEach(c -> out.add(org.klp.cli.command.UnameCommand.longOption((char) c).orElseThrow()));
            } else {
                out.add(a);
            }
        }
        return out.toArray(String[]::new);
    }

    /** The version from the jar's manifest, or the build's. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Klp.class.getPackage().getImplementationVersion();
            return new String[] {"klp " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
