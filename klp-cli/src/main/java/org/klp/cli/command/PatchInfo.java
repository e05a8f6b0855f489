package org.klp.cli.command;

import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixChange;
import org.klp.packaging.record.PatchRecord;

/** How klp names a patch and its package, and lists fixes, in text and JSON. */
final class PatchInfo {

    private PatchInfo() {
    }

    static Optional<PatchRecord> record(Host host, String patch, String kernel) {
        return host.patchRecord(patch, kernel);
    }

    /** {@code klp_patch_v2 (kernel-livepatch-6_1_0-56-amd64 version 2)}, or the bare name without a record. */
    static String label(String patch, Optional<PatchRecord> record) {
        return org.klp.cli.operation.Operations.label(patch, record);
    }

    static String label(Host host, String patch, String kernel) {
        return label(patch, record(host, patch, kernel));
    }

    static String fixLine(Fix f) {
        String score = f.cvss() > 0 ? " (CVSS " + f.cvss() + ")" : "";
        String refs = f.references().isEmpty() ? "" : " [" + String.join(", ", f.references()) + "]";
        return f.id() + score + (f.summary().isEmpty() ? "" : " " + f.summary()) + refs;
    }

    static void printChange(java.io.PrintWriter out, FixChange change) {
        for (Fix f : change.gained()) {
            out.println("  + " + fixLine(f));
        }
        for (Fix f : change.dropped()) {
            out.println("  - " + fixLine(f) + "   (dropped)");
        }
    }

    static void fixesJson(Json j, String name, List<Fix> fixes) {
        j.startArray(name);
        for (Fix f : fixes) {
            j.startObject().field("id", f.id()).field("cvss", f.cvss()).field("summary", f.summary())
                    .strings("references", f.references()).field("category", f.category().label())
                    .field("cve", f.isCve()).endObject();
        }
        j.endArray();
    }

    static void recordJson(Json j, Optional<PatchRecord> record) {
        if (record.isEmpty()) {
            j.nullField("package");
            return;
        }
        PatchRecord r = record.get();
        j.startObject("package").field("name", r.livePatch().name()).field("version", r.livePatch().version())
                .field("rpm", r.rpm().isEmpty() ? null : r.rpm()).field("released", r.livePatch().releaseDate().toString())
                .field("initial", r.livePatch().isInitial()).endObject();
    }
}
