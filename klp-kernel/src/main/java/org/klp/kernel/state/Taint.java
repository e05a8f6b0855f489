package org.klp.kernel.state;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's taint mask ({@code /proc/sys/kernel/tainted}) decoded into the letters the kernel
 * prints in oops messages: {@code K} for a live patch, {@code O} for an out-of-tree module,
 * {@code E} for an unsigned one, and so on. Bit order and letters follow
 * {@code Documentation/admin-guide/tainted-kernels.rst}.
 */
public record Taint(long mask) {

    /** One taint bit: its letter and what it means. */
    public record Flag(int bit, char letter, String meaning) {
    }

    public static final List<Flag> FLAGS = List.of(
            new Flag(0, 'P', "proprietary module was loaded"),
            new Flag(1, 'F', "module was force loaded"),
            new Flag(2, 'S', "kernel running on an out of specification system"),
            new Flag(3, 'R', "module was force unloaded"),
            new Flag(4, 'M', "processor reported a Machine Check Exception"),
            new Flag(5, 'B', "bad page referenced or some unexpected page flags"),
            new Flag(6, 'U', "taint requested by userspace application"),
            new Flag(7, 'D', "kernel died recently, i.e. there was an OOPS or BUG"),
            new Flag(8, 'A', "an ACPI table was overridden by user"),
            new Flag(9, 'W', "kernel issued warning"),
            new Flag(10, 'C', "staging driver was loaded"),
            new Flag(11, 'I', "workaround for bug in platform firmware applied"),
            new Flag(12, 'O', "externally-built (out-of-tree) module was loaded"),
            new Flag(13, 'E', "unsigned module was loaded"),
            new Flag(14, 'L', "soft lockup occurred"),
            new Flag(15, 'K', "kernel has been live patched"),
            new Flag(16, 'X', "auxiliary taint, defined for and used by distros"),
            new Flag(17, 'T', "kernel was built with the struct randomization plugin"),
            new Flag(18, 'N', "an in-kernel test has been run"));

    public static final Taint NONE = new Taint(0);
    public static final long LIVEPATCH = 1L << 15;
    public static final long OUT_OF_TREE = 1L << 12;
    public static final long UNSIGNED = 1L << 13;

    public Taint {
        if (mask < 0) {
            throw new IllegalArgumentException("Taint mask must not be negative: " + mask);
        }
    }

    /** Parses the decimal content of {@code /proc/sys/kernel/tainted}. */
    public static Taint parse(String text) {
        String t = text == null ? "" : text.strip();
        try {
            return new Taint(Long.parseUnsignedLong(t));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a taint mask: '" + t + "' (expected a decimal number such as 45056)");
        }
    }

    public boolean has(char letter) {
        return flags().stream().anyMatch(f -> f.letter() == letter);
    }

    public List<Flag> flags() {
        List<Flag> out = new ArrayList<>();
        for (Flag f : FLAGS) {
            if ((mask & (1L << f.bit())) != 0) {
                out.add(f);
            }
        }
        return out;
    }

    /** Bits set beyond the ones this tool knows (newer kernels add flags). */
    public long unknownBits() {
        long known = 0;
        for (Flag f : FLAGS) {
            known |= 1L << f.bit();
        }
        return mask & ~known;
    }

    /** The letters of the set flags, e.g. {@code OEK}; empty for an untainted kernel. */
    public String letters() {
        StringBuilder sb = new StringBuilder();
        flags().forEach(f -> sb.append(f.letter()));
        return sb.toString();
    }

    public Taint with(long bits) {
        return new Taint(mask | bits);
    }

    public boolean isLivePatched() {
        return (mask & LIVEPATCH) != 0;
    }
}
