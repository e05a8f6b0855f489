package org.klp.cli.command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.repo.Repositories;
import org.klp.cli.repo.ZyppRepositoryCache;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.core.lifecycle.SupportStatus;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedModule;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;
import picocli.CommandLine.Command;

@Command(name = "patches", description = {
        "Lists the loaded live patches: the active one and any replaced one still loaded.",
        "A replaced patch whose module is still loaded is marked so (a forced transition pins it until reboot).",
        "-v adds whether each is active, its package (RPM: … where a package database knows it),",
        "and the CVEs and bug fixes it carries; -vv adds its functions and newer versions known."})
public final class PatchesCommand extends KlpCommand {

    /**
     * One loaded live patch: registered in sysfs (active, or on its way in or out), or replaced and
     * gone from sysfs while its module stays loaded (not removed yet, or pinned by a forced transition).
     */
    private record Entry(String name, Optional<LoadedPatch> registered, Optional<LoadedModule> replacedModule) {
        boolean replaced() {
            return replacedModule.isPresent();
        }

        List<String> functions() {
            return registered.map(p -> p.functions().stream().map(PatchRecordJson::formatFunction).toList()).orElse(List.of());
        }

        String replacedNote() {
            return replacedModule.map(m -> m.refcount() > 0
                    ? "replaced; its module stays loaded until the next reboot (a forced transition pinned it)"
                    : "replaced; its module is still loaded and can be removed (rmmod " + name + ")").orElse("");
        }
    }

    @Override
    public Integer call() {
        Host host = host();
        LivepatchSnapshot snapshot = host.reader().snapshot();
        // stacked patches loaded without atomic replace are all active, not only the newest
        java.util.Set<String> active = snapshot.activePatches().stream().map(LoadedPatch::name).collect(java.util.stream.Collectors.toSet());
        String kernel = snapshot.kernelRelease();
        List<Entry> entries = new ArrayList<>();
        // live patch modules carry taint K; one without a sysfs folder is a replaced patch still loaded
        for (LoadedModule m : host.reader().modules()) {
            if (m.taint().contains("K") && snapshot.patch(m.name()).isEmpty()) {
                entries.add(new Entry(m.name(), Optional.empty(), Optional.of(m)));
            }
        }
        java.util.Collections.reverse(entries);
        snapshot.patches().forEach(p -> entries.add(new Entry(p.name(), Optional.of(p), Optional.empty())));
        PrintWriter out = out();
        if (json()) {
            Json j = Json.object().field("kernel", kernel);
            j.startArray("patches");
            for (Entry e : entries) {
                Optional<PatchRecord> record = PatchInfo.record(host, e.name(), kernel);
                j.startObject().field("name", e.name()).field("active", active.contains(e.name()))
                        .field("enabled", e.registered().map(LoadedPatch::enabled).orElse(false))
                        .field("transition", e.registered().map(LoadedPatch::transition).orElse(false))
                        .field("replaced", e.replaced())
                        .field("moduleRemovable", e.replacedModule().map(m -> (Object) (m.refcount() == 0)));
                PatchInfo.recordJson(j, record);
                boolean isActive = active.contains(e.name());
                j.field("drift", isActive ? PatchInfo.drift(host, kernel, record) : Optional.<String>empty());
                List<Fix> fixes = record.map(r -> r.livePatch().fixes()).orElse(List.of());
                PatchInfo.fixesJson(j, "fixes", fixes);
                j.strings("cves", fixes.stream().filter(Fix::isCve).map(Fix::id).toList());
                j.strings("bugs", fixes.stream().flatMap(f -> f.allIds().stream()).filter(id -> !id.startsWith("CVE-")).distinct().toList());
                j.strings("functions", e.functions());
                j.field("newerVersion", newer(host, kernel, record).map(r -> (Object) r.livePatch().version()));
                j.strings("newerInZypperRepositories", record.map(r -> ZyppRepositoryCache.offers(host.root().path(), r.livePatch().name())
                        .offers().stream().filter(o -> o.livePatchVersion() > r.livePatch().version()).map(o -> o.repository() + ":" + o.nevra())
                        .toList()).orElse(List.of()));
                Optional<SupportStatus> support = endOfSupport(host, record);
                j.field("endOfSupport", support.map(x -> x.endOfSupport().toString()))
                        .field("daysLeft", support.map(x -> (Object) x.daysLeft()))
                        .field("expired", support.map(SupportStatus::expired).orElse(false));
                j.endObject();
            }
            j.endArray();
            j.strings("recordProblems", host.patchRecords().problems());
            out.print(j.end());
            return ExitCode.OK;
        }
        if (verbosity() == 0) {
            entries.forEach(e -> out.println(e.name() + (e.replaced() ? " (replaced, module still loaded)" : "")));
            return ExitCode.OK;
        }
        if (entries.isEmpty()) {
            out.println("no live patch is loaded");
        }
        for (Entry e : entries) {
            Optional<PatchRecord> record = PatchInfo.record(host, e.name(), kernel);
            boolean transition = e.registered().map(LoadedPatch::transition).orElse(false);
            out.println("livepatch: " + e.name() + (transition ? " (in transition)" : e.replaced() ? " (replaced)" : ""));
            out.println("    active: " + (active.contains(e.name()) ? "yes" : e.replaced() ? "no (" + e.replacedNote() + ")" : "no"));
            if (record.isPresent()) {
                PatchRecord r = record.get();
                out.println(r.rpm().isEmpty()
                        ? "    package: " + r.livePatch().nameVersion() + " (klp record, not installed by a package manager)"
                        : "    RPM: " + r.rpm());
                if (active.contains(e.name())) {
                    PatchInfo.drift(host, kernel, record).ifPresent(d -> out.println("    installed: " + d));
                }
                printFixes(out, r.livePatch());
            } else {
                out.println("    package: unknown (no package record for module " + e.name() + " and kernel " + kernel + ")");
            }
            if (verbosity() > 1) {
                out.println("    kernel: " + kernel);
                out.println("    functions: " + (e.replaced() ? "(none any more: replaced)" : String.join(", ", e.functions())));
                out.println("    released: " + record.map(r -> r.livePatch().releaseDate().toString()).orElse("unknown"));
                out.println("    end of support: " + endOfSupport(host, record).map(s -> s.endOfSupport() + (s.expired()
                        ? " (EXPIRED: no more live patches for this kernel; reboot into a supported kernel)"
                        : " (" + s.daysLeft() + " days left)")).orElse("unknown (no lifecycle data; see klp lifecycle)"));
                out.println("    newer version: " + newerText(host, kernel, record));
            }
        }
        host.patchRecords().problems().forEach(problem -> err().println("klp: warning: " + problem));
        return ExitCode.OK;
    }

    private static void printFixes(PrintWriter out, LivePatchPackage p) {
        List<Fix> cves = p.fixes().stream().filter(Fix::isCve).toList();
        List<Fix> bugs = p.fixes().stream().filter(f -> !f.isCve()).toList();
        if (p.isInitial()) {
            out.println("    CVE: (none - this is an initial kernel live patch)");
            out.println("    bug fixes and enhancements: (none)");
            return;
        }
        printList(out, "    CVE: ", cves);
        List<String> bugIds = p.fixes().stream().flatMap(f -> f.allIds().stream()).filter(id -> !id.startsWith("CVE-")).distinct().toList();
        if (bugs.isEmpty()) {
            out.println("    bug fixes and enhancements: " + (bugIds.isEmpty() ? "(none)" : String.join(" ", bugIds)));
        } else {
            printList(out, "    bug fixes and enhancements: ", bugs);
        }
    }

    private static void printList(PrintWriter out, String heading, List<Fix> fixes) {
        if (fixes.isEmpty()) {
            out.println(heading + "(none)");
            return;
        }
        String indent = " ".repeat(heading.length());
        for (int i = 0; i < fixes.size(); i++) {
            out.println((i == 0 ? heading : indent) + PatchInfo.fixLine(fixes.get(i)));
        }
    }

    private static Optional<SupportStatus> endOfSupport(Host host, Optional<PatchRecord> record) {
        java.time.LocalDate today = java.time.LocalDate.ofInstant(host.now(), java.time.ZoneOffset.UTC);
        return record.flatMap(r -> r.kernelReleaseDate().map(SupportPolicy.DEFAULT::endOfSupport)
                        .or(() -> LifecycleCommand.localLifecycleData(host.root().path())
                                .endOfSupport(r.livePatch().name(), Integer.toString(r.livePatch().version()))))
                .map(end -> SupportStatus.of(end, today));
    }

    /**
     * Newer versions than the loaded one: installed and not loaded, offered by zypper's repositories
     * (their cached metadata), and offered by klp's configured repositories.
     */
    private String newerText(Host host, String kernel, Optional<PatchRecord> record) {
        if (record.isEmpty()) {
            return "unknown";
        }
        int version = record.get().livePatch().version();
        String packageName = record.get().livePatch().name();
        List<String> found = new ArrayList<>();
        newer(host, kernel, record).ifPresent(r -> found.add(r.livePatch().version() + " (installed, not loaded: klp apply "
                + host.root().show(host.root().resolve(r.moduleFile())) + ")"));
        ZyppRepositoryCache.Found zypp = ZyppRepositoryCache.offers(host.root().path(), packageName);
        zypp.problems().forEach(p -> err().println("klp: warning: " + p));
        zypp.offers().stream().filter(o -> o.livePatchVersion() > version).reduce((a, b) -> b)
                .ifPresent(o -> found.add(o.livePatchVersion() + " in zypper repository " + o.repository() + " (" + o.nevra()
                        + "; zypper in " + packageName + "=" + o.livePatchVersion() + ")"));
        if (!Repositories.configuredLocations(host.root().path()).isEmpty()) {
            try {
                Repositories.open(host.root().path(), List.of(), Optional.empty(), this::progress)
                        .newest(org.klp.core.kernel.KernelRelease.parse(kernel)).filter(o -> o.patch().patchVersion() > version)
                        .ifPresent(o -> found.add(o.patch().patchVersion() + " in klp repository " + o.repository().location() + " (klp update)"));
            } catch (RuntimeException e) {
                err().println("klp: warning: klp's repositories could not be read: " + e.getMessage());
            }
        }
        return found.isEmpty() ? "none known" : String.join("; ", found);
    }

    private static Optional<PatchRecord> newer(Host host, String kernel, Optional<PatchRecord> record) {
        if (record.isEmpty()) {
            return Optional.empty();
        }
        int version = record.get().livePatch().version();
        List<PatchRecord> all = host.patchRecords().installed(kernel);
        return all.stream().filter(r -> r.livePatch().version() > version).reduce((a, b) -> b);
    }
}
