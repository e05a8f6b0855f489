package org.klp.core.patch;

import java.util.regex.Pattern;

/**
 * A function a live patch replaces: the object that holds it ({@code vmlinux} or a module name),
 * its symbol name and its position among symbols of that name, as the kernel names the folder
 * {@code /sys/kernel/livepatch/<patch>/<object>/<function>,<sympos>}. A patch's source says 0 for a
 * unique symbol; sysfs shows such a function with sympos 1.
 */
public record PatchedFunction(String object, String name, int sympos) {

    public static final String VMLINUX = "vmlinux";
    private static final Pattern SYMBOL = Pattern.compile("[A-Za-z_][A-Za-z0-9_.$]{0,127}");
    private static final Pattern OBJECT = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public PatchedFunction {
        if (object == null || !OBJECT.matcher(object).matches()) {
            throw new IllegalArgumentException("Not an object name: '" + object + "' (expected vmlinux or a module name)");
        }
        if (name == null || !SYMBOL.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a function name: '" + name + "' (expected a C symbol such as cmdline_proc_show)");
        }
        if (sympos < 0) {
            throw new IllegalArgumentException("Symbol position of " + name + " must not be negative: " + sympos);
        }
    }

    /** Parses the sysfs folder name {@code <function>,<sympos>} under the given object. */
    public static PatchedFunction fromSysfs(String object, String folderName) {
        int comma = folderName.lastIndexOf(',');
        if (comma <= 0) {
            throw new IllegalArgumentException("Not a livepatch function folder: '" + folderName + "' (expected <function>,<sympos>)");
        }
        int sympos;
        try {
            sympos = Integer.parseInt(folderName.substring(comma + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a livepatch function folder: '" + folderName + "' (sympos is not a number)");
        }
        return new PatchedFunction(object, folderName.substring(0, comma), sympos);
    }

    /** The sysfs folder name of this function. */
    public String sysfsName() {
        return name + "," + sympos;
    }

    @Override
    public String toString() {
        return object + ":" + name + (sympos == 0 ? "" : "," + sympos);
    }
}
