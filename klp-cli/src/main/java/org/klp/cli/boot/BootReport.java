package org.klp.cli.boot;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.core.boot.CrashedPatch;

/** What {@code klp status -v} and {@code --json} say about boots: the last boot's live patch and the patches boots skip. */
public final class BootReport {

    private final Optional<BootRecord.LastBoot> lastBoot;
    private final List<CrashedPatch> crashed;

    private BootReport(Optional<BootRecord.LastBoot> lastBoot, List<CrashedPatch> crashed) {
        this.lastBoot = lastBoot;
        this.crashed = crashed;
    }

    /** The report of this boot (an outcome of another boot is not shown as this one's); empty if the record cannot be read. */
    public static BootReport of(Host host) {
        try {
            BootRecord r = new BootRecordStore(host.root().path()).read();
            Optional<String> boot = host.reader().bootId();
            return new BootReport(r.lastBoot().filter(b -> boot.isEmpty() || b.bootId().isEmpty() || b.bootId().equals(boot.get())), r.crashed());
        } catch (RuntimeException e) {
            return new BootReport(Optional.empty(), List.of());
        }
    }

    public void print(PrintWriter out) {
        lastBoot.ifPresent(b -> out.println("at boot: " + switch (b.result()) {
            case "loaded" -> "restored " + b.message();
            case "skipped" -> "skipped " + b.message();
            case "failed" -> "failed to restore " + b.message();
            default -> b.message();
        }));
        crashed.forEach(c -> out.println("not loaded at boot: " + c.patch() + " on " + c.kernel() + ": " + c.reason()));
    }

    public void json(Json j) {
        if (lastBoot.isPresent()) {
            BootRecord.LastBoot b = lastBoot.get();
            j.startObject("boot").field("kernel", b.kernel()).field("result", b.result()).field("patch", b.patch().isEmpty() ? null : b.patch())
                    .field("message", b.message()).field("at", b.at().toString()).endObject();
        } else {
            j.nullField("boot");
        }
        j.startArray("skippedAtBoot");
        for (CrashedPatch c : crashed) {
            j.startObject().field("patch", c.patch()).field("kernel", c.kernel()).field("phase", c.phase()).field("loaded", c.loaded().toString())
                    .field("found", c.found().toString()).field("reason", c.reason()).endObject();
        }
        j.endArray();
    }
}
