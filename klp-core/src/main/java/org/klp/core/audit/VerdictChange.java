package org.klp.core.audit;

/** Under a what-if, {@code hosts} hosts would move from one verdict to another for one CVE. */
public record VerdictChange(String cveId, Verdict from, Verdict to, int hosts) {

    /** Whether the change closes an exposure (at risk before, not after). */
    public boolean closes() {
        return from.atRisk() && !to.atRisk();
    }

    /** Whether the change opens one (not at risk before, at risk after), as a downgrade can. */
    public boolean opens() {
        return !from.atRisk() && to.atRisk();
    }
}
