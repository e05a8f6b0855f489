package org.klp.core.scope;

import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;

/**
 * Which fixes become live patches. As in SLE Live Patching: security fixes scored CVSS 7.0 or
 * higher, and fixes for system stability or data corruption, qualify; a qualifying fix that
 * changes data structures cannot be converted to a live patch (the data stay in place and cannot
 * be extended or reinterpreted), so it needs a reboot into a fixed kernel.
 */
public record ScopePolicy(double cvssThreshold) {

    public static final ScopePolicy DEFAULT = new ScopePolicy(7.0);

    public ScopePolicy {
        if (Double.isNaN(cvssThreshold) || cvssThreshold < 0.0 || cvssThreshold > 10.0) {
            throw new IllegalArgumentException("CVSS threshold out of range: " + cvssThreshold + " (expected 0.0 to 10.0)");
        }
    }

    public boolean qualifies(Fix fix) {
        return fix.cvss() >= cvssThreshold
                || fix.category() == FixCategory.STABILITY
                || fix.category() == FixCategory.DATA_CORRUPTION;
    }

    public ScopeDecision decide(Fix fix) {
        if (!qualifies(fix)) {
            return new ScopeDecision.OutOfScope(fix.id() + " scores CVSS " + fix.cvss() + ", below " + cvssThreshold
                    + ", and is not a stability or data-corruption fix");
        }
        if (fix.changesDataStructures()) {
            return new ScopeDecision.RebootRequired(fix.id() + " changes kernel data structures, which a live patch cannot do");
        }
        return new ScopeDecision.LivePatch();
    }
}
