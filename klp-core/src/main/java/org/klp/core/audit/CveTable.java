package org.klp.core.audit;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.klp.core.scope.ScopePolicy;

/**
 * The CVE records by ordinal: a CVE keeps its ordinal for the life of the audit (a replaced
 * record reuses it), so per-class verdict arrays can be indexed by it. Also indexes CVEs by the
 * kernel streams they affect, so a kernel's verdicts need look only at its stream's CVEs.
 */
final class CveTable {

    private final ScopePolicy policy;
    private final List<CveRecord> records = new ArrayList<>();
    private final List<RebootReason> intrinsic = new ArrayList<>();
    private final Map<String, Integer> ordinals = new HashMap<>();
    private final Map<String, BitSet> byStream = new HashMap<>();

    CveTable(ScopePolicy policy) {
        this.policy = policy;
    }

    int size() {
        return records.size();
    }

    /** The ordinal of the CVE, or -1 when unknown. */
    int ordinal(String id) {
        Integer o = ordinals.get(id);
        return o == null ? -1 : o;
    }

    CveRecord get(int ordinal) {
        return records.get(ordinal);
    }

    /** Why no live patch will ever carry the CVE (out of scope, not live patchable), or null. */
    RebootReason intrinsicRebootReason(int ordinal) {
        return intrinsic.get(ordinal);
    }

    ScopePolicy policy() {
        return policy;
    }

    /** The ordinals of the CVEs that list {@code stream}; do not modify. */
    BitSet ofStream(String stream) {
        return byStream.getOrDefault(stream, EMPTY);
    }

    /** The streams CVEs name. */
    java.util.Set<String> streams() {
        return java.util.Collections.unmodifiableSet(byStream.keySet());
    }

    /** Adds or replaces a record; returns its ordinal. */
    int put(CveRecord record) {
        Integer known = ordinals.get(record.id());
        int ordinal;
        if (known == null) {
            ordinal = records.size();
            records.add(record);
            intrinsic.add(null);
            ordinals.put(record.id(), ordinal);
        } else {
            ordinal = known;
            for (AffectedStream a : records.get(ordinal).affected()) {
                byStream.get(a.stream()).clear(ordinal);
            }
            records.set(ordinal, record);
        }
        intrinsic.set(ordinal, record.intrinsicRebootReason(policy).orElse(null));
        for (AffectedStream a : record.affected()) {
            byStream.computeIfAbsent(a.stream(), s -> new BitSet()).set(ordinal);
        }
        return ordinal;
    }

    private static final BitSet EMPTY = new BitSet(0);
}
