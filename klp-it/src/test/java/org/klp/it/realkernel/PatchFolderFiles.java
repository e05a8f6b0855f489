package org.klp.it.realkernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The files of a patch's folder {@code /sys/kernel/livepatch/<patch>/} by kernel version, as
 * Documentation/ABI/testing/sysfs-kernel-livepatch dates them: {@code enabled}, {@code transition}
 * and {@code force} on every kernel klp supports, {@code replace} from 6.11 on, {@code stack_order}
 * from 6.14 on. So Debian's 6.1 shows three files and its 6.12 four: absent on one is as expected
 * as present on the other.
 */
final class PatchFolderFiles {

    static final KernelVersion REPLACE_SINCE = new KernelVersion(6, 11);
    static final KernelVersion STACK_ORDER_SINCE = new KernelVersion(6, 14);

    private PatchFolderFiles() {
    }

    /** The file names, sorted. */
    static List<String> of(KernelVersion version) {
        List<String> files = new ArrayList<>(List.of("enabled", "force", "transition"));
        if (version.isAtLeast(REPLACE_SINCE)) {
            files.add("replace");
        }
        if (version.isAtLeast(STACK_ORDER_SINCE)) {
            files.add("stack_order");
        }
        files.sort(null);
        return List.copyOf(files);
    }
}
