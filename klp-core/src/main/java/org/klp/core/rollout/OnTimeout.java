package org.klp.core.rollout;

import java.util.Locale;

/**
 * What happens to a live patch transition that has not completed by its group's deadline: the
 * kernel reverses it ({@link #REVERT}: the previous patch stays active), it is forced
 * ({@link #FORCE}: every task is marked switched; tasks that were blocked may still run old code,
 * and the replaced module can never be unloaded, so a reboot should follow), or it is left to the
 * kernel ({@link #WAIT}: it completes whenever the blocking tasks leave the patched functions).
 *
 * <p>Its {@link #toString()} is the word operators and hosts use ({@code revert}, {@code force},
 * {@code wait}), which is also its JSON form.
 */
public enum OnTimeout {

    REVERT("revert"),
    FORCE("force"),
    WAIT("wait");

    private final String word;

    OnTimeout(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    /** Parses {@code revert}, {@code force} or {@code wait} (any case). */
    public static OnTimeout parse(String text) {
        if (text != null) {
            String t = text.strip().toLowerCase(Locale.ROOT);
            for (OnTimeout o : values()) {
                if (o.word.equals(t)) {
                    return o;
                }
            }
        }
        throw new IllegalArgumentException("onTimeout must be revert, force or wait, was '" + text + "'");
    }

    @Override
    public String toString() {
        return word;
    }
}
