package org.klp.core.fleet;

/**
 * The kernel's taint flags ({@code /proc/sys/kernel/tainted}, one bit each, lettered as in
 * {@code Documentation/admin-guide/tainted-kernels.rst}).
 */
public final class TaintFlags {

    private static final String LETTERS = "PFSRMBUDAWCIOELKXTN";

    /**
     * Flags loading any live patch sets: K (live patch), O (out-of-tree module) and E (unsigned
     * module). They are expected after an apply and are not "new taint" that would halt a
     * rollout; anything else appearing (a warning W, a machine check M, a bad page B, …) is.
     */
    public static final long EXPECTED_WITH_LIVE_PATCH = (1L << 15) | (1L << 12) | (1L << 13);

    private TaintFlags() {
    }

    /** {@code 0x200 (W)}: the mask in hex with the letters of its known bits. */
    public static String describe(long flags) {
        StringBuilder letters = new StringBuilder();
        for (int bit = 0; bit < LETTERS.length(); bit++) {
            if ((flags & (1L << bit)) != 0) {
                letters.append(LETTERS.charAt(bit));
            }
        }
        return "0x" + Long.toHexString(flags) + (letters.length() == 0 ? "" : " (" + letters + ")");
    }
}
