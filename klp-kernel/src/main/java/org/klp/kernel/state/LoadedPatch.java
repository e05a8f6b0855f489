package org.klp.kernel.state;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.klp.core.patch.PatchedFunction;

/**
 * A live patch as {@code /sys/kernel/livepatch/<name>} shows it. {@code replace} (kernel 6.12+)
 * and {@code stackOrder} (6.14+) are empty on kernels without those files. The list of patches
 * in a {@link LivepatchSnapshot} is in load order; the last enabled one is the active patch.
 */
public record LoadedPatch(String name, boolean enabled, boolean transition, Optional<Boolean> replace,
                          OptionalInt stackOrder, List<PatchedObject> objects) {

    public LoadedPatch {
        objects = List.copyOf(objects);
    }

    public List<PatchedFunction> functions() {
        return objects.stream().flatMap(o -> o.functions().stream()).toList();
    }
}
