package org.klp.packaging.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.client.AvailableLivePatch;
import org.klp.packaging.client.LivePatchRepository;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.pgp.TrustedKeys;
import org.klp.packaging.repo.RepositoryPublisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "repo", mixinStandardHelpOptions = true, description = "rpm-md repositories of live patches.",
        subcommands = {RepoCommand.Publish.class, RepoCommand.ListCommand.class})
final class RepoCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: publish or list");
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Writes rpm-md metadata for the packages in DIR: repodata/repomd.xml, primary, filelists, other"
                    + " (as createrepo_c writes them), updateinfo (one security update per live patch release), lifecycle"
                    + " (name, version, end of support: the kernel's release date + 1 year) and klp-patches (every package's patch"
                    + " record); with --key also repomd.xml.asc and repomd.xml.key.",
                    "Incremental: packages unchanged since the last publish (same size and mtime) are not read again.",
                    "Every package read is checked (digests; with --key its signature too): a corrupt package stops the publish"
                            + " before anything is written."},
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:published", "2:usage error", "3:refused or failed"})
    static final class Publish implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "The repository folder")
        Path dir;

        @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign repomd.xml with")
        Path key;

        @Option(names = "--lifecycle-package", paramLabel = "IDENTIFIER",
                description = "Also keep lifecycle-data-IDENTIFIER (/usr/share/lifecycle/data/IDENTIFIER.lifecycle, a row per live patch"
                        + " package, what zypper lifecycle reads) in DIR, rebuilt when its rows change; e.g. sle-module-live-patching")
        String lifecyclePackage;

        @Option(names = "--json", description = "Print the result as JSON")
        boolean json;

        @Override
        public Integer call() {
            SigningKey used = key == null ? null : SigningKey.read(key);
            RepositoryPublisher publisher = new RepositoryPublisher(used);
            if (lifecyclePackage != null) {
                publisher = publisher.withLifecyclePackage(lifecyclePackage);
            }
            RepositoryPublisher.Result r = publisher.publish(dir);
            var out = spec.commandLine().getOut();
            if (json) {
                out.print(Json.of(g -> {
                    g.writeStartObject();
                    g.writeStringField("repomd", r.repomd().toString());
                    g.writeNumberField("packages", r.packages());
                    g.writeNumberField("read", r.read());
                    g.writeNumberField("livePatches", r.livePatches());
                    g.writeBooleanField("signed", used != null);
                    g.writeArrayFieldStart("warnings");
                    for (String w : r.warnings()) {
                        g.writeString(w);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }));
            } else {
                out.println("Published " + dir + ": " + r.packages() + " packages (" + r.livePatches() + " live patches), "
                        + r.read() + " read, " + (r.packages() - r.read()) + " from cache"
                        + (used == null ? "; unsigned" : "; signed with key " + used.keyId()));
            }
            for (String w : r.warnings()) {
                spec.commandLine().getErr().println("klp-pack: warning: " + w);
            }
            return KlpPack.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Lists the live patches a repository offers, verified as a host verifies them"
                    + " (signed repomd.xml, checksums).", "REPO is a URL (http://, https://, file://) or a folder."},
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:listed", "2:usage error", "3:unreachable, unsigned or damaged repository"})
    static final class ListCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "REPO", description = "Repository URL or folder")
        String repo;

        @Option(names = "--trusted", required = true, paramLabel = "KEY.asc", description = "Armored public key(s) to trust")
        Path trusted;

        @Option(names = "--kernel", paramLabel = "RELEASE", description = "Only this kernel release")
        String kernel;

        @Option(names = "--json", description = "Print as JSON")
        boolean json;

        @Override
        public Integer call() {
            LivePatchRepository r = LivePatchRepository.open(repo, TrustedKeys.read(trusted));
            List<AvailableLivePatch> list = kernel == null ? r.livePatches() : r.forKernel(KernelRelease.parseAny(kernel));
            var out = spec.commandLine().getOut();
            if (json) {
                out.print(Json.of(g -> {
                    g.writeStartArray();
                    for (AvailableLivePatch p : list) {
                        g.writeStartObject();
                        g.writeStringField("package", p.name());
                        g.writeStringField("kernel", p.kernel().uname());
                        g.writeNumberField("version", p.patchVersion());
                        g.writeStringField("rpm", p.nevra());
                        g.writeStringField("endOfSupport", String.valueOf(p.endOfSupport()));
                        g.writeArrayFieldStart("fixes");
                        for (Fix f : p.fixes()) {
                            g.writeString(f.id());
                        }
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                }));
            } else {
                out.printf("%-55s %-8s %-12s %s%n", "Package", "Version", "Support end", "Fixes");
                for (AvailableLivePatch p : list) {
                    out.printf("%-55s %-8s %-12s %s%n", p.name(), p.patchVersion(), p.endOfSupport() == null ? "-" : p.endOfSupport(),
                            p.fixes().isEmpty() ? "(initial patch)" : String.join(" ", p.fixes().stream().map(Fix::id).toList()));
                }
            }
            return KlpPack.OK;
        }
    }
}
