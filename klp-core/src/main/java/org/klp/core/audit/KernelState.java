package org.klp.core.audit;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;

/**
 * What the audit knows of one kernel release: its catalog entry (null for a kernel only seen on
 * hosts), its published live patch versions, the first version carrying each fix, and its
 * <em>base</em> verdicts: per CVE ordinal, the verdict ordinal of a host running it with no live
 * patch (not affected, patched by kernel, reboot required or no fix yet). Posture classes start
 * from the base and overlay the few CVEs a live patch carries.
 */
final class KernelState {

    final KernelRelease release;
    CatalogKernel entry;
    byte[] base;
    final TreeMap<Integer, LivePatchPackage> packages = new TreeMap<>();
    /** Fix id to the first version carrying it; cumulative versions carry it from there on. */
    final Map<String, Integer> firstCarrying = new HashMap<>();

    KernelState(KernelRelease release, byte[] base) {
        this.release = release;
        this.base = base;
    }

    int latestVersion() {
        return packages.isEmpty() ? 0 : packages.lastKey();
    }

    /** The first version carrying {@code fixId}, 0 when none does. */
    int firstVersionCarrying(String fixId) {
        Integer v = firstCarrying.get(fixId);
        return v == null ? 0 : v;
    }

    void addPackage(LivePatchPackage p) {
        packages.put(p.version(), p);
        for (Fix f : p.fixes()) {
            firstCarrying.merge(f.id(), p.version(), Math::min);
        }
    }

    @Override
    public String toString() {
        return release.toString();
    }
}
