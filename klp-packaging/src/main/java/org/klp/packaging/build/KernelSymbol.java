package org.klp.packaging.build;

import java.util.Objects;

/**
 * A kernel symbol a fix's code refers to that the module cannot link against (not exported):
 * the object holding it ({@code vmlinux} or a module), its name, and its position among local
 * symbols of that name (0 when the name is unique). {@code klp-pack build} turns the module's
 * relocations against it into livepatch relocations the kernel resolves when the patch loads.
 */
public record KernelSymbol(String object, String name, int sympos, String where) {

    public KernelSymbol {
        if (object == null || !object.matches("[A-Za-z0-9_-]{1,55}")) {
            throw new IllegalArgumentException("Not an object name: '" + object + "' (expected vmlinux or a module name)");
        }
        if (name == null || !FixSourceParser.C_IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a symbol name: '" + name + "'");
        }
        if (sympos < 0) {
            throw new IllegalArgumentException("Symbol position of " + name + " must not be negative: " + sympos);
        }
        Objects.requireNonNull(where, "where");
    }
}
