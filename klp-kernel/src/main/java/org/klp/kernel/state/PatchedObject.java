package org.klp.kernel.state;

import java.util.List;
import org.klp.core.patch.PatchedFunction;

/**
 * One object a loaded live patch changes: {@code vmlinux} or a module. {@code patched} is false
 * while the object is a module that is not loaded: the kernel patches it when it arrives.
 */
public record PatchedObject(String name, boolean patched, List<PatchedFunction> functions) {

    public PatchedObject {
        functions = List.copyOf(functions);
    }
}
