package org.klp.server.export;

import java.util.Objects;
import java.util.regex.Pattern;
import org.klp.core.patch.LivePatchPackage;

/**
 * A published live patch version and the name its module has in the kernel: the folder
 * {@code /sys/kernel/livepatch/<moduleName>} that shows whether it is loaded. Exports write the
 * name into file paths a scanner reads, so it is held to what a kernel module name can be.
 */
public record ShippedLivePatch(LivePatchPackage livePatch, String moduleName) {

    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public ShippedLivePatch {
        Objects.requireNonNull(livePatch, "livePatch");
        if (moduleName == null || !MODULE_NAME.matcher(moduleName).matches()) {
            throw new IllegalArgumentException("Module name of " + livePatch.nameVersion() + " is not a kernel module name: '" + moduleName
                    + "' (expected 1 to 64 letters, digits, '_' or '-')");
        }
    }

    public int version() {
        return livePatch.version();
    }
}
