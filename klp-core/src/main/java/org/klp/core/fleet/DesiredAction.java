package org.klp.core.fleet;

import java.util.Locale;

/**
 * What the server asks a host to do after a check-in: a closed set. Its {@link #toString()} is the
 * word on the wire ({@code update}, {@code wait}, …).
 */
public enum DesiredAction {

    /** The host runs the version its policy wants: nothing to do. */
    NONE,
    /** Move to a newer version. */
    UPDATE,
    /** Move back to an older version (a pin below the loaded one). */
    DOWNGRADE,
    /** No live patch for this host: kernel not in the catalog, product not activated. */
    UNAVAILABLE,
    /** A transition is under way and within its deadline, or its group waits for stuck ones: leave it to the kernel. */
    WAIT,
    /** The transition passed its group's deadline and the group reverts: reverse it ({@code klp revert}). */
    REVERT,
    /** The transition passed its group's deadline and the group forces: force it ({@code klp force}). */
    FORCE;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DesiredAction parse(String word) {
        for (DesiredAction a : values()) {
            if (a.word().equals(word)) {
                return a;
            }
        }
        throw new IllegalArgumentException("Not a desired action: '" + word + "'");
    }

    /** The action that moves a host from {@code loadedVersion} to {@code target}. */
    public static DesiredAction moving(int loadedVersion, int target) {
        if (target == loadedVersion) {
            return NONE;
        }
        return target > loadedVersion ? UPDATE : DOWNGRADE;
    }

    /** Whether the action changes the loaded live patch version. */
    public boolean changesVersion() {
        return this == UPDATE || this == DOWNGRADE;
    }

    @Override
    public String toString() {
        return word();
    }
}
