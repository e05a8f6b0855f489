package org.klp.packaging.cli;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.build.FixSource;
import org.klp.packaging.build.LivePatchBuild;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "build", sortOptions = false,
        description = {"Builds a cumulative live patch module from fix sources and packages it, as 'klp-pack rpm' does.", "",
                "FIXES is a folder with one folder per fix: fix.properties (id, cvss, summary, references, category,"
                        + " changes-data-structures, init, cleanup, states, kernel-symbols), patched_funcs.csv"
                        + " ('object old_function[,sympos] new_function' per line) and the fix's *.c and *.h files.",
                "The module main (one klp_patch with atomic replace, functions grouped by object, system states, each fix's"
                        + " init and cleanup with rollback) is generated, built with the kernel's build system"
                        + " (make -C <build-dir> M=…), its references to declared kernel symbols turned into livepatch relocations,"
                        + " and packaged and signed.",
                "Version N carries every fix of version N-1 (from --repo or --previous): a fix left out is refused unless"
                        + " named with --drop, which the changelog records."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:package written", "2:usage error",
                "3:refused or failed (fix sources with file and line, build folder, compiler output, cumulative or state check, signing)"})
final class BuildCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--kernel", required = true, paramLabel = "RELEASE", description = "Kernel release (uname -r), e.g. 6.1.0-57-amd64")
    String kernel;

    @Option(names = "--version", required = true, paramLabel = "N", description = "Live patch version (2, 3, …; version 1 is the initial patch, from an empty FIXES folder)")
    int version;

    @Option(names = "--fixes", required = true, paramLabel = "FIXES", description = "The fix source tree: one folder per fix")
    Path fixes;

    @Option(names = "--build-dir", paramLabel = "DIR", description = "The kernel's build folder (default: /lib/modules/<kernel>/build, from the kernel headers package)")
    Path buildDir;

    @Option(names = "--module-name", paramLabel = "NAME", description = "Module name (default: livepatch_<kernel>_<N>)")
    String moduleName;

    @Option(names = "--drop", paramLabel = "ID", description = "A fix of version N-1 this version no longer carries (repeatable; written in the changelog)")
    List<String> drop = List.of();

    @Option(names = "--symbols", paramLabel = "FILE", description = "The kernel's symbol table: a /proc/kallsyms dump of a host running it, or its real System.map"
            + " (needed to place kernel-symbols that are not unique)")
    Path symbols;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Keep the generated sources and the build there (an empty or new folder; default: a temporary folder, removed)")
    Path workDir;

    @Option(names = "--jobs", paramLabel = "N", defaultValue = "0", description = "Parallel compiler jobs (default: the number of processors)")
    int jobs;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write the package (default: --repo, else the current folder)")
    Path output;

    @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign with")
    Path key;

    @CommandLine.ArgGroup(exclusive = true)
    RpmCommand.PreviousSource previous;

    @Option(names = "--released", paramLabel = "DATE", description = "Release date of this live patch (default: today, UTC)")
    String released;

    @Option(names = "--kernel-released", paramLabel = "DATE", description = "Release date of the kernel (default: carried over from version N-1)")
    String kernelReleased;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "x86_64", description = "Package architecture (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--json", description = "Print what was built as JSON")
    boolean json;

    @Override
    public Integer call() {
        KernelRelease k = KernelRelease.parseAny(kernel);
        LocalDate day = released == null ? LocalDate.now(ZoneOffset.UTC) : date(released, "--released");
        LocalDate kernelDay = kernelReleased == null ? null : date(kernelReleased, "--kernel-released");
        LivePatchRpm.Previous prev = null;
        Path out = output;
        if (previous != null && previous.previous != null) {
            prev = LivePatchRpm.previousOf(RpmPackage.read(previous.previous));
        } else if (previous != null && previous.repo != null) {
            prev = LivePatchRpm.previousIn(previous.repo, k, version);
            if (out == null) {
                out = previous.repo;
            }
        }
        if (out == null) {
            out = Path.of(".");
        }
        Path build = buildDir != null ? buildDir : Path.of("/lib/modules", k.uname(), "build");
        SigningKey signing = key == null ? null : SigningKey.read(key);
        LivePatchBuild.Request request = new LivePatchBuild.Request(k, version, fixes, build, moduleName, new LinkedHashSet<>(drop),
                day, kernelDay, arch, workDir, symbols, jobs);
        LivePatchBuild.Result r = LivePatchBuild.build(request, prev, signing, out);
        var o = spec.commandLine().getOut();
        var rec = r.rpm().record();
        r.rpm().warnings().forEach(w -> spec.commandLine().getErr().println("klp-pack: warning: " + w));
        if (json) {
            o.print(Json.of(g -> {
                g.writeStartObject();
                g.writeStringField("file", r.rpm().file().toString());
                g.writeStringField("rpm", rec.rpm());
                g.writeStringField("package", rec.livePatch().name());
                g.writeStringField("kernel", k.uname());
                g.writeNumberField("version", version);
                g.writeStringField("module", rec.moduleName());
                g.writeBooleanField("signed", signing != null);
                g.writeNumberField("buildMillis", r.buildMillis());
                g.writeNumberField("klpRelocations", r.klpRelocations());
                g.writeArrayFieldStart("fixes");
                for (FixSource f : r.fixes()) {
                    g.writeStartObject();
                    g.writeStringField("id", f.fix().id());
                    g.writeStringField("folder", f.folder());
                    g.writeArrayFieldStart("functions");
                    for (var fn : f.functions()) {
                        g.writeString(fn.target().toString());
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("dropped");
                for (String d : request.dropped()) {
                    g.writeString(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("states");
                for (var s : rec.states()) {
                    g.writeString(s.toString());
                }
                g.writeEndArray();
                if (r.workDir() != null) {
                    g.writeStringField("workDir", r.workDir().toString());
                }
                g.writeEndObject();
            }));
        } else {
            o.println("Built module " + rec.moduleName() + ".ko from " + r.fixes().size() + " fix(es) in "
                    + String.format(java.util.Locale.ROOT, "%.1f s", r.buildMillis() / 1000.0)
                    + (r.klpRelocations() > 0 ? ", " + r.klpRelocations() + " livepatch relocation(s)" : ""));
            for (FixSource f : r.fixes()) {
                o.println("  " + f.fix().id() + ": " + String.join(", ", f.functions().stream().map(fn -> fn.target().toString()).toList()));
            }
            for (String d : request.dropped()) {
                o.println("  dropped " + d);
            }
            o.println("Wrote " + r.rpm().file() + (signing == null ? " (unsigned)" : " (signed with key " + signing.keyId() + ")"));
            if (r.workDir() != null) {
                o.println("  sources and build kept in " + r.workDir());
            }
        }
        return KlpPack.OK;
    }

    private LocalDate date(String text, String option) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be a date such as 2024-11-05, not '" + text + "'");
        }
    }
}
