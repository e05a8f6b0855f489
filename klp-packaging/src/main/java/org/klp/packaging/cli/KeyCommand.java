package org.klp.packaging.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import org.klp.packaging.pgp.KeyPairGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "key", mixinStandardHelpOptions = true, description = "OpenPGP signing keys.",
        subcommands = {KeyCommand.Generate.class})
final class KeyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: generate");
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Makes an RSA OpenPGP signing key pair: DIR/<file>.asc (armored public key: give it to rpm --import,"
                    + " zypper and klp hosts) and DIR/<file>.secret.asc (armored secret key, unprotected, mode 0600: give it to"
                    + " klp-pack --key)."},
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:written", "2:usage error", "3:failed (e.g. files exist)"})
    static final class Generate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, paramLabel = "USER-ID", description = "User id, e.g. 'klp repository <klp@example.org>'")
        String name;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder to write the two files into")
        Path output;

        @Option(names = "--file", paramLabel = "BASE", defaultValue = "klp", description = "Base file name (default: ${DEFAULT-VALUE})")
        String file;

        @Option(names = "--bits", defaultValue = "3072", description = "RSA key size (default: ${DEFAULT-VALUE})")
        int bits;

        @Option(names = "--force", description = "Overwrite existing key files")
        boolean force;

        @Option(names = "--json", description = "Print the file names and fingerprint as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Path pub = output.resolve(file + ".asc");
            Path sec = output.resolve(file + ".secret.asc");
            if (!force && (Files.exists(pub) || Files.exists(sec))) {
                throw new IllegalArgumentException(pub + " or " + sec + " already exists; use --force to replace the key");
            }
            KeyPairGenerator.GeneratedKey key = KeyPairGenerator.generate(name, bits);
            Files.createDirectories(output);
            Files.writeString(pub, key.publicKeyArmored(), StandardCharsets.US_ASCII);
            Files.deleteIfExists(sec);
            Files.createFile(sec, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(sec, key.secretKeyArmored(), StandardCharsets.US_ASCII);
            var out = spec.commandLine().getOut();
            if (json) {
                out.print(Json.of(g -> {
                    g.writeStartObject();
                    g.writeStringField("publicKey", pub.toString());
                    g.writeStringField("secretKey", sec.toString());
                    g.writeStringField("fingerprint", key.fingerprint());
                    g.writeEndObject();
                }));
            } else {
                out.println("Public key: " + pub + " (rpm --import " + pub + ")");
                out.println("Secret key: " + sec + " (klp-pack ... --key " + sec + "; keep it private)");
                out.println("Fingerprint: " + key.fingerprint());
            }
            return KlpPack.OK;
        }
    }
}
