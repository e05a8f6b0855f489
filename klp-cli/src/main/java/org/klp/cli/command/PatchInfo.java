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

    /**
     * Whether the installed package of a kernel's live patch differs from the loaded version: the
     * newest version installed (the rpm database where the host has one, else the module files klp's
     * records name), or none installed at all. Empty when they agree or the loaded version is unknown.
     */
    static Optional<String> drift(Host host, String kernel, Optional<PatchRecord> loaded) {
        if (loaded.isEmpty()) {
            return Optional.empty();
        }
        List<PatchRecord> installed = host.patchRecords().hasPackageDatabase()
                ? host.patchRecords().packaged(kernel) : host.patchRecords().installed(kernel);
        int version = loaded.get().livePatch().version();
        if (installed.isEmpty()) {
            return host.patchRecords().hasPackageDatabase()
                    ? Optional.of("no package of " + loaded.get().livePatch().name() + " is installed, version " + version + " loaded")
                    : Optional.empty();
        }
        PatchRecord newest = installed.get(installed.size() - 1);
        if (installed.stream().anyMatch(r -> r.livePatch().version() == version) && newest.livePatch().version() == version) {
            return Optional.empty();
        }
        String name = newest.rpm().isEmpty() ? newest.livePatch().nameVersion() : newest.rpm();
        return Optional.of(name + " installed, version " + version + " loaded");
    }

    static String installedNames(Host host, String kernel) {
        List<PatchRecord> installed = host.patchRecords().hasPackageDatabase()
                ? host.patchRecords().packaged(kernel) : host.patchRecords().installed(kernel);
        return String.join(", ", installed.stream().map(r -> r.rpm().isEmpty() ? r.livePatch().nameVersion() : r.rpm()).toList());
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
