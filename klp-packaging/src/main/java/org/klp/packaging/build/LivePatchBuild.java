package org.klp.packaging.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.rpm.LivePatchRpm;

/**
 * {@code klp-pack build}: fix sources to a signed live patch package in one step.
 *
 * <ol>
 * <li>read the fix tree ({@link FixTree}), every folder checked with file and line;</li>
 * <li>check it is cumulative over version N-1: every fix N-1 carries is in the tree, or named in
 *     {@code dropped} (which the changelog then records);</li>
 * <li>generate the module ({@link ModuleGenerator}) into a build folder and build it with the
 *     kernel's build system against the kernel's build folder ({@link Kbuild});</li>
 * <li>turn the module's references to declared non-exported kernel symbols into livepatch
 *     relocations ({@link KlpRelocations});</li>
 * <li>package it ({@link LivePatchRpm}: module checks, cumulative check, signing).</li>
 * </ol>
 */
public final class LivePatchBuild {

    /** What to build. {@code moduleName}, {@code workDir}, {@code symbolTable} may be null. */
    public record Request(KernelRelease kernel, int version, Path fixTree, Path buildFolder, String moduleName,
                          Set<String> dropped, LocalDate released, LocalDate kernelReleased, String arch,
                          Path workDir, Path symbolTable, int jobs) {
        public Request {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(fixTree, "fixTree");
            Objects.requireNonNull(buildFolder, "buildFolder");
            dropped = dropped == null ? Set.of() : Set.copyOf(dropped.stream().map(Fix::normalizeId).toList());
        }
    }

    /** A built module and its package. */
    public record Result(LivePatchRpm.Result rpm, List<FixSource> fixes, ModuleGenerator.GeneratedModule module, Path workDir,
                         int klpRelocations, long buildMillis) {
    }

    private static final long BUILD_TIMEOUT_SECONDS = 1800;

    private LivePatchBuild() {
    }

    /** The default module name: {@code livepatch_<kernel>_<N>}, letters, digits and underscores, at most 55. */
    public static String defaultModuleName(KernelRelease kernel, int version) {
        String suffix = "_" + version;
        String k = kernel.uname().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        String name = "livepatch_" + k;
        if (name.length() + suffix.length() > 55) {
            name = name.substring(0, 55 - suffix.length());
        }
        return name + suffix;
    }

    public static Result build(Request request, LivePatchRpm.Previous previous, SigningKey key, Path outputDir) {
        List<FixSource> fixes = FixTree.read(request.fixTree());
        if (request.version() == LivePatchPackage.INITIAL_VERSION && !fixes.isEmpty()) {
            throw new IllegalArgumentException("Version 1 is the initial patch and carries no fixes, but " + request.fixTree() + " has "
                    + fixes.size() + "; build version 2 or later from these fixes");
        }
        if (request.version() > LivePatchPackage.INITIAL_VERSION && fixes.isEmpty()) {
            throw new FixSourceException(request.fixTree() + " holds no fix folder (each with " + FixSourceParser.PROPERTIES + " and "
                    + FixSourceParser.FUNCTIONS + ")");
        }
        if (previous != null) {
            requireStatesKept(previous, fixes);
        }
        Kbuild.requireBuildFolderFor(request.buildFolder(), request.kernel().uname());
        String moduleName = request.moduleName() != null ? request.moduleName() : defaultModuleName(request.kernel(), request.version());
        ModuleGenerator.GeneratedModule module = ModuleGenerator.generate(moduleName, fixes);
        List<KernelSymbol> symbols = fixes.stream().flatMap(f -> f.kernelSymbols().stream()).toList();
        KernelSymbolTable table = request.symbolTable() == null ? null : KernelSymbolTable.read(request.symbolTable());
        if (table != null) {
            symbols.forEach(table::resolve); // refuse unknown and ambiguous symbols before building
        }
        requireOneObjectPerSymbol(symbols);

        boolean temporary = request.workDir() == null;
        Path work = request.workDir();
        try {
            if (temporary) {
                work = Files.createTempDirectory("klp-pack-build-");
            } else {
                Files.createDirectories(work);
                try (Stream<Path> s = Files.list(work)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException("Build folder " + work + " is not empty; give an empty or new folder");
                    }
                }
            }
            List<String[]> shown = write(module, fixes, work);
            long start = System.nanoTime();
            byte[] ko = Kbuild.build(request.buildFolder(), work, moduleName, shown, request.jobs() <= 0
                    ? Runtime.getRuntime().availableProcessors() : request.jobs(), BUILD_TIMEOUT_SECONDS,
                    new java.util.HashSet<>(symbols.stream().map(KernelSymbol::name).toList()));
            long buildMillis = (System.nanoTime() - start) / 1_000_000;
            int relocations = 0;
            if (!symbols.isEmpty()) {
                KlpRelocations.Rewrite rewrite = KlpRelocations.rewrite(ko, symbols, table, moduleName + ".ko");
                ko = rewrite.module();
                relocations = rewrite.relocations();
                Files.write(work.resolve(moduleName + ".ko"), ko);
            }
            List<Fix> fixList = fixes.stream().map(FixSource::fix).toList();
            LivePatchRpm.Spec spec = new LivePatchRpm.Spec(request.kernel(), request.version(), ko, work.resolve(moduleName + ".ko").toString(),
                    fixList, request.released(), request.kernelReleased(), request.arch(), request.dropped());
            LivePatchRpm.Result rpm = LivePatchRpm.build(spec, previous, key, outputDir);
            return new Result(rpm, fixes, module, temporary ? null : work, relocations, buildMillis);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the build folder " + work + ": " + e.getMessage(), e);
        } finally {
            if (temporary && work != null) {
                deleteTree(work);
            }
        }
    }

    /**
     * The module links as one object: one name is one symbol, so two fixes may declare the same
     * kernel symbol only identically.
     */
    static void requireOneObjectPerSymbol(List<KernelSymbol> symbols) {
        Map<String, KernelSymbol> seen = new java.util.HashMap<>();
        for (KernelSymbol s : symbols) {
            KernelSymbol before = seen.putIfAbsent(s.name(), s);
            if (before != null && (!before.object().equals(s.object()) || before.sympos() != s.sympos())) {
                throw new FixSourceException(s.where() + ": kernel symbol " + s.name() + " is declared as " + s.object() + ":" + s.name()
                        + "," + s.sympos() + " but " + before.where() + " declares " + before.object() + ":" + before.name() + ","
                        + before.sympos() + "; the module has one symbol of that name");
            }
        }
    }

    /**
     * A fix's system states may not go below those of version N-1: the kernel would refuse to
     * load version N over it. Checked before anything is built.
     */
    static void requireStatesKept(LivePatchRpm.Previous previous, List<FixSource> fixes) {
        var states = org.klp.core.patch.SystemState.merge(fixes.stream().flatMap(f -> f.states().stream()).toList());
        List<String> problems = org.klp.core.patch.SystemState.incompatibilities(previous.record().states(), states);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("The kernel would refuse to replace version " + previous.record().livePatch().version()
                    + " (" + previous.source() + ") by this one: " + String.join("; ", problems)
                    + ". Declare the state at the same or a higher version in a fix's " + FixSourceParser.PROPERTIES + " (states = ID:VERSION)");
        }
    }

    /** Writes the generated tree; returns (build path, source path) pairs for the compiler's messages. */
    static List<String[]> write(ModuleGenerator.GeneratedModule module, List<FixSource> fixes, Path work) throws IOException {
        List<String> folders = ModuleGenerator.folders(fixes);
        List<String[]> shown = new ArrayList<>();
        for (int i = 0; i < fixes.size(); i++) {
            shown.add(new String[] {folders.get(i) + "/", Path.of(fixes.get(i).folder()).toAbsolutePath() + "/"});
        }
        for (Map.Entry<String, String> e : module.files().entrySet()) {
            Path target = work.resolve(e.getKey()).normalize();
            if (!target.startsWith(work)) {
                throw new IllegalArgumentException("Refusing to write outside the build folder: " + e.getKey());
            }
            Files.createDirectories(target.getParent());
            Files.writeString(target, e.getValue(), StandardCharsets.UTF_8);
        }
        return shown;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("klp-pack: could not remove the temporary build folder " + root + ": " + e.getMessage());
        }
    }
}
