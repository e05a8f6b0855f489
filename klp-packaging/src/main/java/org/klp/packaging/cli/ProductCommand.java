package org.klp.packaging.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.product.HostToolRpm;
import org.klp.packaging.product.LivePatchingPattern;
import org.klp.packaging.product.ProductRelease;
import org.klp.packaging.product.ProductReleaseRpm;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "product", mixinStandardHelpOptions = true,
        description = {"The packages SUSE's tools expect beside live patches in a product's repository:",
                "  release   IDENTIFIER-release (/etc/products.d/IDENTIFIER.prod): zypper install -t product IDENTIFIER",
                "  pattern   patterns-lp-lp_sles: zypper install -t pattern lp_sles (the host tool, and so every installed kernel's live patch)",
                "  tools     kernel-livepatch-tools: the host tool klp from klp.jar (launcher, boot hooks, systemd unit, man page)",
                "The lifecycle data package is kept by 'klp-pack repo publish --lifecycle-package IDENTIFIER'."},
        subcommands = {ProductCommand.Release.class, ProductCommand.PatternCommand.class, ProductCommand.Tools.class})
final class ProductCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: release, pattern or tools");
    }

    /** What names a product: the options of release and pattern. */
    static final class ProductOptions {
        @Option(names = "--identifier", required = true, paramLabel = "ID", description = "e.g. sle-module-live-patching")
        String identifier;

        @Option(names = "--version", required = true, paramLabel = "VERSION", description = "e.g. 15.5")
        String version;

        @Option(names = "--arch", defaultValue = "x86_64", paramLabel = "ARCH", description = "default ${DEFAULT-VALUE}")
        String arch;

        @Option(names = "--summary", paramLabel = "TEXT", description = "e.g. 'SUSE Linux Enterprise Live Patching 15 SP5 x86_64'")
        String summary;

        @Option(names = "--kind", defaultValue = "extension", paramLabel = "KIND",
                description = "base (the operating system), module (a free extension) or extension (a subscription of its own); default ${DEFAULT-VALUE}")
        String kind;

        ProductRelease release() {
            ProductRelease.Kind k;
            try {
                k = ProductRelease.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--kind must be base, module or extension, not '" + kind + "'");
            }
            return new ProductRelease(identifier, version, arch, summary != null ? summary : identifier + " " + version + " " + arch, k);
        }
    }

    static int wrote(CommandLine.Model.CommandSpec spec, boolean json, Path file) {
        var out = spec.commandLine().getOut();
        if (json) {
            out.print(Json.of(g -> {
                g.writeStartObject();
                g.writeStringField("file", file.toString());
                g.writeEndObject();
            }));
        } else {
            out.println("Wrote " + file);
        }
        return KlpPack.OK;
    }

    @Command(name = "release", mixinStandardHelpOptions = true, sortOptions = false,
            description = "IDENTIFIER-release-VERSION-0.ARCH.rpm: /etc/products.d/IDENTIFIER.prod (and baseproduct for --kind base),"
                    + " product() = IDENTIFIER, product(IDENTIFIER) = VERSION-0.",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:failure"})
    static final class Release implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        ProductOptions product = new ProductOptions();

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign with")
        Path key;

        @Option(names = "--json", description = "Print the file written as JSON")
        boolean json;

        @Override
        public Integer call() {
            return wrote(spec, json, ProductReleaseRpm.build(product.release(), key == null ? null : SigningKey.read(key), output));
        }
    }

    @Command(name = "pattern", mixinStandardHelpOptions = true, sortOptions = false,
            description = "patterns-lp-lp_sles-VERSION-0.ARCH.rpm: pattern() = lp_sles, visible; requires kernel-livepatch-tools,"
                    + " recommends lifecycle-data-IDENTIFIER.",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:failure"})
    static final class PatternCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        ProductOptions product = new ProductOptions();

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign with")
        Path key;

        @Option(names = "--json", description = "Print the file written as JSON")
        boolean json;

        @Override
        public Integer call() {
            return wrote(spec, json, LivePatchingPattern.build(product.release(), key == null ? null : SigningKey.read(key), output));
        }
    }

    @Command(name = "tools", mixinStandardHelpOptions = true, sortOptions = false,
            description = "kernel-livepatch-tools-VERSION-RELEASE.noarch.rpm from klp.jar: the jar at /usr/lib/klp/klp.jar and what it"
                    + " carries under META-INF/klp-dist/ (/usr/bin/klp, boot hooks, klp-restore.service, the man page).",
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:failure"})
    static final class Tools implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--jar", required = true, paramLabel = "klp.jar", description = "The host tool's jar (klp-cli/target/klp.jar)")
        Path jar;

        @Option(names = "--version", paramLabel = "VERSION", description = "Default: the jar's Implementation-Version")
        String version;

        @Option(names = "--release", defaultValue = "1", paramLabel = "RELEASE", description = "default ${DEFAULT-VALUE}")
        String release;

        @Option(names = "--output", defaultValue = ".", paramLabel = "DIR")
        Path output;

        @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign with")
        Path key;

        @Option(names = "--json", description = "Print the file written as JSON")
        boolean json;

        @Override
        public Integer call() {
            String v = version != null ? version : HostToolRpm.versionOf(jar);
            return wrote(spec, json, HostToolRpm.build(jar, v, release, key == null ? null : SigningKey.read(key), output));
        }
    }
}
