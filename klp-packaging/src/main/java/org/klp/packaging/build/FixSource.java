package org.klp.packaging.build;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.klp.core.patch.Fix;
import org.klp.core.patch.SystemState;

/**
 * One fix's folder in a fix source tree, read and checked: its metadata ({@code fix.properties}),
 * the functions it replaces ({@code patched_funcs.csv}), its C sources and headers (file name to
 * text), the optional init and cleanup functions the module calls around enabling the patch, the
 * system states it declares, and the kernel symbols (non-exported functions and variables) its
 * code refers to.
 */
public record FixSource(String folder, Fix fix, List<ReplacedFunction> functions, List<SourceFile> files,
                        Optional<String> init, Optional<String> cleanup, List<SystemState> states,
                        List<KernelSymbol> kernelSymbols) {

    /** A file of the fix: a C source ({@code .c}) or a header ({@code .h}). */
    public record SourceFile(String name, String text) {
        public SourceFile {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(text, "text");
        }

        public boolean isC() {
            return name.endsWith(".c");
        }
    }

    public FixSource {
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(fix, "fix");
        functions = List.copyOf(functions);
        files = List.copyOf(files);
        states = List.copyOf(states);
        kernelSymbols = List.copyOf(kernelSymbols);
    }
}
