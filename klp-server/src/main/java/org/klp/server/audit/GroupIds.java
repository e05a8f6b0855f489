package org.klp.server.audit;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The audit numbers groups densely (its cohorts and filters test ints, not names): numbers are
 * given by the {@code klp-audit} thread in first-seen order and never reused; queries look them up
 * from any thread.
 */
final class GroupIds {

    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private volatile String[] names = new String[0];

    /** The number of a group, given on first sight. */
    synchronized int id(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            String[] grown = Arrays.copyOf(names, names.length + 1);
            grown[names.length] = name;
            names = grown;
            id = names.length - 1;
            ids.put(name, id);
        }
        return id;
    }

    /** The number of a group, or -1 when never seen. */
    int find(String name) {
        Integer id = ids.get(name);
        return id == null ? -1 : id;
    }

    String name(int id) {
        String[] n = names;
        return id >= 0 && id < n.length ? n[id] : null;
    }
}
