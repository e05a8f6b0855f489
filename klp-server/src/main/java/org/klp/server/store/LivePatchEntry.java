package org.klp.server.store;

import java.time.LocalDate;
import java.util.List;
import org.klp.core.patch.Fix;

/** One published version of a kernel's live patch: its module, its fixes, and its RPM in the repository. */
public record LivePatchEntry(long id, String kernel, int version, LocalDate released, String moduleName, String rpmFile,
                             String rpmSha256, List<Fix> fixes) {
    public LivePatchEntry {
        fixes = List.copyOf(fixes);
    }
}
