package org.klp.kernel.apply;

import java.util.Locale;

/** What to do when a transition has not completed by its deadline. */
public enum OnTimeout {
    /** Leave the transition to the kernel (it keeps trying and signalling) and report it in progress. */
    WAIT,
    /** Reverse the transition: the previous patch stays active. The safe default. */
    REVERT,
    /** Switch every task at once. Last resort: the replaced module can never be unloaded; plan a reboot. */
    FORCE;

    public static OnTimeout parse(String text) {
        for (OnTimeout o : values()) {
            if (o.name().equalsIgnoreCase(text == null ? "" : text.strip())) {
                return o;
            }
        }
        throw new IllegalArgumentException("Not an --on-timeout action: '" + text + "' (expected wait, revert or force)");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
