package org.klp.core.patch;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A klp system state: the kernel's {@code struct klp_state} ({@code id}, {@code version}) by which
 * a live patch says it has changed something that outlives the patch (a data structure's layout,
 * a shadow variable, a tunable). The kernel refuses to load a cumulative patch unless, for every
 * state of the patch it replaces, the new patch has a state of the same id with a version at least
 * as high ({@code klp_is_patch_compatible} in {@code kernel/livepatch/state.c}).
 *
 * <p>Written {@code ID:VERSION}, as {@code MODULE_INFO(state, …)} and simulated modules do.
 */
public record SystemState(long id, int version) implements Comparable<SystemState> {

    public SystemState {
        if (id <= 0) {
            throw new IllegalArgumentException("System state id must be 1 or more, not " + id + " (0 ends the kernel's list of states)");
        }
        if (version < 0) {
            throw new IllegalArgumentException("System state " + id + " has a negative version: " + version);
        }
    }

    /** Parses {@code ID:VERSION}. */
    public static SystemState parse(String text) {
        String t = text == null ? "" : text.strip();
        int colon = t.indexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("Not a system state: '" + text + "' (expected ID:VERSION such as 1:2)");
        }
        try {
            return new SystemState(Long.parseLong(t.substring(0, colon).strip()), Integer.parseInt(t.substring(colon + 1).strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a system state: '" + text + "' (expected ID:VERSION with decimal numbers, such as 1:2)");
        }
    }

    /**
     * The states of a patch made of several parts (fixes) declaring states: one per id, at the
     * highest version any part asks for, ordered by id.
     */
    public static List<SystemState> merge(Collection<SystemState> states) {
        Map<Long, SystemState> byId = new TreeMap<>();
        for (SystemState s : states) {
            byId.merge(s.id, s, (a, b) -> a.version >= b.version ? a : b);
        }
        return List.copyOf(byId.values());
    }

    /**
     * Why the kernel would refuse to replace a patch holding {@code loaded} by one holding
     * {@code replacement}: one line per state that is missing or would go down, empty when
     * compatible.
     */
    public static List<String> incompatibilities(Collection<SystemState> loaded, Collection<SystemState> replacement) {
        Map<Long, SystemState> next = new TreeMap<>();
        replacement.forEach(s -> next.put(s.id, s));
        List<String> problems = new ArrayList<>();
        for (SystemState old : merge(loaded)) {
            SystemState now = next.get(old.id);
            if (now == null) {
                problems.add("system state " + old.id + " (version " + old.version + ") is not carried on");
            } else if (now.version < old.version) {
                problems.add("system state " + old.id + " would go down from version " + old.version + " to " + now.version);
            }
        }
        return problems;
    }

    @Override
    public int compareTo(SystemState o) {
        return id != o.id ? Long.compare(id, o.id) : Integer.compare(version, o.version);
    }

    @Override
    public String toString() {
        return id + ":" + version;
    }
}
