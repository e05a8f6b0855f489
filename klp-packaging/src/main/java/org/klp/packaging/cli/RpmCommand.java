package org.klp.packaging.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.record.FixesJson;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "rpm", sortOptions = false,
        description = {"Builds the live patch package kernel-livepatch-<kernel>-N-1.<arch>.rpm.", "",
                "The module is checked first: an ELF kernel module marked livepatch=Y whose vermagic names --kernel,"
                        + " or a simulated module (a text file starting '#klp-simulated-module 1', which klp's simulated kernels load)"
                        + " with the same fields.",
                "The package holds the module at /lib/modules/<kernel>/livepatch/<module>.ko and the patch record at"
                        + " /usr/share/klp/patches/<package>-<N>.json, requires kernel-uname-r = <kernel>, provides"
                        + " kernel-livepatch(<kernel>) = N, and loads the module with 'klp apply' after installation when that kernel runs.",
                "The module's klp system states (read from its klp_patch, or its state= modinfo) are recorded; a version whose states"
                        + " would lower a state version of N-1 is refused, as the kernel would refuse to load it; states that cannot be read are said so.",
                "Version 1 is the initial patch (no fixes). Version N > 1 must carry every fix of version N-1, given with --previous"
                        + " or found in --repo; a missing fix, a version gap or a duplicate version is refused."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:package written", "2:usage error", "3:refused or failed (module, fixes, cumulative check, signing)"})
final class RpmCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--kernel", required = true, paramLabel = "RELEASE", description = "Kernel release (uname -r), e.g. 5.14.21-150500.55.49-default")
    String kernel;

    @Option(names = "--version", required = true, paramLabel = "N", description = "Live patch version: 1 for the initial patch, then 2, 3, …")
    int version;

    @Option(names = "--module", required = true, paramLabel = "FILE.ko", description = "The live patch kernel module (or a simulated module)")
    Path module;

    @Option(names = "--fixes", paramLabel = "FIXES.json",
            description = {"The fixes this version carries, cumulative: a JSON array of",
                    "{\"id\": \"CVE-2024-50115\", \"cvss\": 7.8, \"summary\": \"…\", \"references\": [\"bsc#1233019\"]}",
                    "(optional fields: category security|stability|data-corruption|other, changesDataStructures). Not for version 1."})
    Path fixes;

    @Option(names = "--output", paramLabel = "DIR", description = "Where to write the package (default: --repo, else the current folder)")
    Path output;

    @Option(names = "--key", paramLabel = "KEY", description = "Armored OpenPGP secret key to sign with (klp-pack key generate makes one)")
    Path key;

    @CommandLine.ArgGroup(exclusive = true)
    PreviousSource previous;

    static final class PreviousSource {
        @Option(names = "--previous", paramLabel = "PKG.rpm", description = "Version N-1's package, for the cumulative check")
        Path previous;

        @Option(names = "--repo", paramLabel = "DIR", description = "A repository folder holding version N-1 (duplicates and gaps are refused)")
        Path repo;
    }

    @Option(names = "--released", paramLabel = "DATE", description = "Release date of this live patch (default: today, UTC)")
    String released;

    @Option(names = "--kernel-released", paramLabel = "DATE",
            description = {"Release date of the kernel; its live patches are supported one year from it.",
                    "Default: carried over from version N-1; for version 1, --released (the initial patch ships with the kernel)."})
    String kernelReleased;

    @Option(names = "--arch", paramLabel = "ARCH", defaultValue = "x86_64", description = "Package architecture (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--json", description = "Print what was built as JSON")
    boolean json;

    @Override
    public Integer call() throws IOException {
        KernelRelease k = KernelRelease.parseAny(kernel);
        byte[] moduleBytes;
        try {
            moduleBytes = Files.readAllBytes(module);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Module " + module + " does not exist");
        }
        List<Fix> fixList = List.of();
        if (fixes != null) {
            try {
                fixList = FixesJson.read(Files.readString(fixes, StandardCharsets.UTF_8), fixes.toString());
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("Fixes file " + fixes + " does not exist");
            }
        } else if (version > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Version " + version + " needs --fixes FIXES.json (only version 1, the initial patch, has none)");
        }
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
        SigningKey signing = key == null ? null : SigningKey.read(key);
        LivePatchRpm.Spec s = new LivePatchRpm.Spec(k, version, moduleBytes, module.getFileName().toString(), fixList, day, kernelDay, arch);
        LivePatchRpm.Result r = LivePatchRpm.build(s, prev, signing, out);
        var out2 = spec.commandLine().getOut();
        r.warnings().forEach(w -> spec.commandLine().getErr().println("klp-pack: warning: " + w));
        if (json) {
            out2.print(Json.of(g -> {
                g.writeStartObject();
                g.writeStringField("file", r.file().toString());
                g.writeStringField("rpm", r.record().rpm());
                g.writeStringField("package", r.record().livePatch().name());
                g.writeStringField("kernel", k.uname());
                g.writeNumberField("version", version);
                g.writeStringField("module", r.record().moduleName());
                g.writeStringField("kernelReleased", String.valueOf(r.record().kernelReleased()));
                g.writeBooleanField("signed", signing != null);
                if (r.record().systemStates().isPresent()) {
                    g.writeArrayFieldStart("states");
                    for (var st : r.record().states()) {
                        g.writeString(st.toString());
                    }
                    g.writeEndArray();
                } else {
                    g.writeNullField("states");
                }
                g.writeArrayFieldStart("warnings");
                for (String w : r.warnings()) {
                    g.writeString(w);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("fixes");
                for (Fix f : r.record().livePatch().fixes()) {
                    g.writeString(f.id());
                }
                g.writeEndArray();
                g.writeEndObject();
            }));
        } else {
            out2.println("Wrote " + r.file() + (signing == null ? " (unsigned)" : " (signed with key " + signing.keyId() + ")"));
            out2.println("  " + r.record().rpm() + ": module " + r.record().moduleName() + ", "
                    + (version == 1 ? "initial patch, no fixes" : r.record().livePatch().fixes().size() + " fixes"));
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
