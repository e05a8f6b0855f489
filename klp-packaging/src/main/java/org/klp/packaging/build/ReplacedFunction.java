package org.klp.packaging.build;

import java.util.Objects;
import org.klp.core.patch.PatchedFunction;

/**
 * One line of a fix's {@code patched_funcs.csv}: the kernel function replaced ({@code target}),
 * the fix's function that replaces it, and where the line is ({@code file:line}, for messages).
 */
public record ReplacedFunction(PatchedFunction target, String replacement, String where) {

    public ReplacedFunction {
        Objects.requireNonNull(target, "target");
        if (replacement == null || !FixSourceParser.C_IDENTIFIER.matcher(replacement).matches()) {
            throw new IllegalArgumentException("Not a C function name: '" + replacement + "'");
        }
    }
}
