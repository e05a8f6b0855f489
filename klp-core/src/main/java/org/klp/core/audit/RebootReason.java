package org.klp.core.audit;

/**
 * Why a fix that exists in a newer kernel will not reach the running kernel as a live patch.
 * When several hold, the first in this order is given: the CVE's own properties (as
 * {@link org.klp.core.scope.ScopePolicy} decides them) before the kernel's lifecycle, and a live
 * patch that may still come last.
 */
public enum RebootReason {

    OUT_OF_SCOPE("the fix does not qualify for a live patch (CVSS below the threshold, not a stability or data-corruption fix)"),
    NOT_LIVE_PATCHABLE("the fix changes kernel data structures, which a live patch cannot do"),
    KERNEL_PAST_END_OF_SUPPORT("the running kernel is past the end of its live patch support"),
    NO_LIVE_PATCH_PUBLISHED("no live patch for the running kernel carries the fix yet");

    private final String description;

    RebootReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
