package org.klp.kernel.sim;

import java.util.ArrayList;
import java.util.List;
import org.klp.core.patch.PatchedFunction;

/** A live patch registered with the simulated kernel (it has a folder in {@code sys/kernel/livepatch}). */
final class SimPatch {

    /** A klp system state: the kernel refuses a replacing patch whose version of a state is lower. */
    record State(int id, int version) {
    }

    final String name;
    final boolean replace;
    final List<PatchedFunction> functions;
    final List<State> states;
    boolean enabled = true;

    SimPatch(String name, boolean replace, List<PatchedFunction> functions, List<State> states) {
        this.name = name;
        this.replace = replace;
        this.functions = new ArrayList<>(functions);
        this.states = new ArrayList<>(states);
    }

    List<String> objects() {
        return functions.stream().map(PatchedFunction::object).distinct().sorted().toList();
    }
}
