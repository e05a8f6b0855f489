package org.klp.packaging.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.StandInPackages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stand-in", mixinStandardHelpOptions = true,
        description = "Stand-in packages that let live patches install into an empty root (zypper --root) for tests and demos.",
        subcommands = {StandInCommand.Kernel.class, StandInCommand.Shell.class, StandInCommand.Java.class})
final class StandInCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: kernel, shell or java");
    }

    @Command(name = "kernel", mixinStandardHelpOptions = true,
            description = "kernel-<flavor>-<version>-<release>.1.<arch>.rpm providing kernel-uname-r = RELEASE (no kernel inside).")
    static final class Kernel implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--kernel", required = true, paramLabel = "RELEASE")
        String kernel;

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY")
        Path key;

        @Option(names = "--arch", defaultValue = "x86_64")
        String arch;

        @Override
        public Integer call() {
            Path p = StandInPackages.kernel(KernelRelease.parseAny(kernel), arch, key == null ? null : SigningKey.read(key), output);
            spec.commandLine().getOut().println("Wrote " + p);
            return KlpPack.OK;
        }
    }

    @Command(name = "shell", mixinStandardHelpOptions = true,
            description = "klp-stand-in-shell-1-1.<arch>.rpm: a static busybox as /bin/sh and /bin/uname, so scriptlets run in a chroot.")
    static final class Shell implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--busybox", defaultValue = "/bin/busybox", paramLabel = "FILE",
                description = "A statically linked busybox (Debian: busybox-static); default ${DEFAULT-VALUE}")
        Path busybox;

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY")
        Path key;

        @Option(names = "--arch", defaultValue = "x86_64")
        String arch;

        @Override
        public Integer call() {
            Path p = StandInPackages.shell(busybox, arch, key == null ? null : SigningKey.read(key), output);
            spec.commandLine().getOut().println("Wrote " + p);
            return KlpPack.OK;
        }
    }

    @Command(name = "java", mixinStandardHelpOptions = true,
            description = "klp-stand-in-java-17-1.noarch.rpm providing java-headless = 17, which kernel-livepatch-tools requires (no Java inside).")
    static final class Java implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY")
        Path key;

        @Override
        public Integer call() {
            Path p = StandInPackages.javaRuntime(key == null ? null : SigningKey.read(key), output);
            spec.commandLine().getOut().println("Wrote " + p);
            return KlpPack.OK;
        }
    }
}
