package org.klp.core.patch;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What moving from one set of fixes to another gains and drops, by fix id. An upgrade of a
 * cumulative live patch only gains; a downgrade drops, and the user must be told which fixes.
 */
public record FixChange(List<Fix> gained, List<Fix> dropped) {

    public FixChange {
        gained = List.copyOf(gained);
        dropped = List.copyOf(dropped);
    }

    public static FixChange between(Collection<Fix> before, Collection<Fix> after) {
        Map<String, Fix> was = index(before);
        Map<String, Fix> now = index(after);
        List<Fix> gained = now.values().stream().filter(f -> !was.containsKey(f.id())).toList();
        List<Fix> dropped = was.values().stream().filter(f -> !now.containsKey(f.id())).toList();
        return new FixChange(gained, dropped);
    }

    public boolean isEmpty() {
        return gained.isEmpty() && dropped.isEmpty();
    }

    private static Map<String, Fix> index(Collection<Fix> fixes) {
        Map<String, Fix> byId = new LinkedHashMap<>();
        for (Fix f : fixes) {
            byId.putIfAbsent(f.id(), f);
        }
        return byId;
    }
}
