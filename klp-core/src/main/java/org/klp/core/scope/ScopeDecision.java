package org.klp.core.scope;

/** What the scope policy says of one fix. */
public sealed interface ScopeDecision {

    /** The fix qualifies and can be delivered as a live patch. */
    record LivePatch() implements ScopeDecision {
    }

    /** The fix qualifies but cannot be live patched; only a reboot into a fixed kernel applies it. */
    record RebootRequired(String reason) implements ScopeDecision {
    }

    /** The fix does not qualify for a live patch; it arrives with the next kernel update. */
    record OutOfScope(String reason) implements ScopeDecision {
    }
}
