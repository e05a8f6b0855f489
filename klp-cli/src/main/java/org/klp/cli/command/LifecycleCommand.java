package org.klp.cli.command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.repo.InstalledKernels;
import org.klp.cli.repo.Repositories;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.core.lifecycle.SupportStatus;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "lifecycle", description = {
        "Shows, for every installed kernel and the running one, its live patch package and end of support.",
        "Live patches are supported for one year from the kernel's release, as 'zypper lifecycle' shows in",
        "'Package end of support if different from product'. The installed live patch packages come from the",
        "rpm database (any package with a module in the kernel's livepatch folder) and klp's records; the date",
        "from klp's package records, the lifecycle data zypper lifecycle reads (usr/share/lifecycle/data and",
        "var/lib/lifecycle/data), or klp's repositories (--repo, or the configured ones). Needs no running",
        "kernel: works on a mounted image (--root) without /proc."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:no installed live patch is past its end of support",
                "1:a live patch (installed, or the running kernel's) is past its end of support: reboot into a supported kernel",
                "2:usage error", "3:the host's files could not be read"})
public final class LifecycleCommand extends KlpCommand {

    static final String LIFECYCLE_DIR = "usr/share/lifecycle/data";
    /** zypper lifecycle reads lifecycle data from both places; the second is where updates drop theirs. */
    static final List<String> LIFECYCLE_DIRS = List.of(LIFECYCLE_DIR, "var/lib/lifecycle/data");

    @Option(names = "--repo", paramLabel = "URL", description = "Also read the lifecycle data of this repository (repeatable).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--trusted", paramLabel = "FILE", description = "The repository signing key(s) to trust (default: etc/klp/trusted.asc).")
    Path trusted;

    @Option(names = "--days", paramLabel = "N", description = "Flag support ending within N days (default: ${DEFAULT-VALUE}).")
    int days = 30;

    /** One kernel's line. */
    record Line(KernelRelease kernel, boolean running, String packageName, Optional<Integer> installedVersion, Optional<String> rpm,
                Optional<LocalDate> endOfSupport, String source) {
    }

    @Override
    public Integer call() {
        if (days < 0) {
            throw new org.klp.cli.UsageException("--days must not be negative, was " + days);
        }
        Host host = host();
        Optional<KernelRelease> running = runningKernel(host);
        LocalDate today = LocalDate.ofInstant(host.now(), ZoneOffset.UTC);
        LifecycleData local = localLifecycleData(host.root().path());
        Optional<Repositories> repositories = Optional.empty();
        boolean configuredRepositories = !Repositories.configuredLocations(host.root().path()).isEmpty();
        List<String> warnings = new ArrayList<>();
        List<Line> lines = new ArrayList<>();
        for (KernelRelease k : kernels(host, running)) {
            String name = LivePatchPackage.packageName(k);
            List<PatchRecord> installedRecords = host.patchRecords().installed(k.uname());
            Optional<PatchRecord> newest = installedRecords.stream().reduce((a, b) -> b);
            Optional<Integer> installed = newest.map(r -> r.livePatch().version());
            Optional<LocalDate> end = Optional.empty();
            String source = "unknown";
            Optional<LocalDate> released = host.patchRecords().forKernel(k.uname()).stream().map(PatchRecord::kernelReleaseDate)
                    .flatMap(Optional::stream).findFirst();
            Optional<LocalDate> fromLocal = localEnd(local, name, newest);
            if (released.isPresent()) {
                end = Optional.of(SupportPolicy.DEFAULT.endOfSupport(released.get()));
                source = "package record";
            } else if (fromLocal.isPresent()) {
                end = fromLocal;
                source = "lifecycle data";
            } else if (!repos.isEmpty() || configuredRepositories) {
                if (repositories.isEmpty()) {
                    try {
                        repositories = Optional.of(Repositories.open(host.root().path(), repos, Optional.ofNullable(trusted), this::progress));
                    } catch (RuntimeException e) {
                        if (!repos.isEmpty()) {
                            throw e;
                        }
                        configuredRepositories = false;
                        warnings.add("the configured repositories could not be read, so their lifecycle data is missing: " + e.getMessage());
                    }
                }
                end = repositories.flatMap(r -> r.endOfSupport(k));
                source = end.isPresent() ? "repository" : source;
            }
            lines.add(new Line(k, running.map(k::equals).orElse(false), name, installed, newest.map(PatchRecord::rpm).filter(x -> !x.isEmpty()),
                    end, source));
        }
        boolean anyExpired = lines.stream().anyMatch(l -> (l.installedVersion().isPresent() || l.running())
                && l.endOfSupport().map(e -> SupportStatus.of(e, today).expired()).orElse(false));
        int code = anyExpired ? ExitCode.IN_PROGRESS : ExitCode.OK;
        if (json()) {
            Json j = Json.object().field("runningKernel", running.map(KernelRelease::uname)).field("today", today.toString()).startArray("kernels");
            for (Line l : lines) {
                Optional<SupportStatus> status = l.endOfSupport().map(e -> SupportStatus.of(e, today));
                j.startObject().field("kernel", l.kernel().uname()).field("running", l.running()).field("package", l.packageName())
                        .field("installedVersion", l.installedVersion().map(v -> (Object) v))
                        .field("rpm", l.rpm())
                        .field("endOfSupport", l.endOfSupport().map(Object::toString))
                        .field("daysLeft", status.map(s -> (Object) s.daysLeft()))
                        .field("expired", status.map(SupportStatus::expired).orElse(false))
                        .field("endsSoon", status.map(s -> s.endsWithin(days)).orElse(false))
                        .field("source", l.source()).endObject();
            }
            j.endArray().strings("warnings", warnings).field("exitCode", code);
            out().print(j.end());
            return code;
        }
        out().println("Package end of support if different from product:");
        int width = lines.stream().mapToInt(l -> l.packageName().length()).max().orElse(20);
        for (Line l : lines) {
            String date = l.endOfSupport().map(LocalDate::toString).orElse("unknown   ");
            StringBuilder notes = new StringBuilder(l.running() ? "running kernel" : "installed kernel");
            notes.append(l.installedVersion().map(v -> ", live patch version " + v + " installed").orElse(", no live patch installed"));
            l.endOfSupport().map(e -> SupportStatus.of(e, today)).ifPresent(s -> {
                if (s.expired()) {
                    notes.append(", EXPIRED ").append(-s.daysLeft()).append(" days ago: no more live patches; reboot into a supported kernel");
                } else {
                    notes.append(", ").append(s.daysLeft()).append(" days left").append(s.endsWithin(days) ? " (ends soon)" : "");
                }
            });
            out().printf("%-" + width + "s   %s   (%s)%n", l.packageName(), date, notes);
        }
        if (running.isEmpty()) {
            out().println("(no running kernel under " + host.root().path() + ": an image; installed kernels only)");
        }
        warnings.forEach(w -> err().println("klp: warning: " + w));
        return code;
    }

    /** The running kernel, or none when the root is a mounted image without /proc. */
    private static Optional<KernelRelease> runningKernel(Host host) {
        try {
            return Optional.of(KernelRelease.parse(host.reader().kernelRelease()));
        } catch (org.klp.kernel.KernelStateException e) {
            return Optional.empty();
        }
    }

    /** Installed kernels, the running one, and those an installed live patch package is for; newest first. */
    private static List<KernelRelease> kernels(Host host, Optional<KernelRelease> running) {
        java.util.TreeSet<KernelRelease> all = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
        all.addAll(InstalledKernels.under(host.root().path()));
        running.ifPresent(all::add);
        host.patchRecords().all().stream().filter(r -> !host.patchRecords().installed(r.livePatch().kernel().uname()).isEmpty())
                .map(r -> r.livePatch().kernel()).forEach(all::add);
        return new ArrayList<>(all);
    }

    /** A lifecycle line for the installed version ({@code version} or {@code version-release}), else for the package as a whole. */
    private static Optional<LocalDate> localEnd(LifecycleData local, String name, Optional<PatchRecord> installed) {
        if (installed.isPresent()) {
            PatchRecord r = installed.get();
            String version = Integer.toString(r.livePatch().version());
            String release = r.rpm().isEmpty() ? "" : releaseOf(r.rpm(), name, version);
            Optional<LocalDate> found = release.isEmpty() ? Optional.empty() : local.endOfSupport(name, version + "-" + release);
            return found.or(() -> local.endOfSupport(name, version));
        }
        return local.endOfSupport(name, "1");
    }

    /** The release of {@code name-version-release.arch}, or empty when the string is not of that package. */
    private static String releaseOf(String nevra, String name, String version) {
        String prefix = name + "-" + version + "-";
        if (!nevra.startsWith(prefix)) {
            return "";
        }
        String rest = nevra.substring(prefix.length());
        int dot = rest.lastIndexOf('.');
        return dot > 0 ? rest.substring(0, dot) : rest;
    }

    /** Every {@code *.lifecycle} file where zypper lifecycle reads them (usr/share/lifecycle/data, var/lib/lifecycle/data). */
    static LifecycleData localLifecycleData(Path root) {
        List<LifecycleData.Entry> entries = new ArrayList<>();
        for (String d : LIFECYCLE_DIRS) {
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.lifecycle")) {
                for (Path f : s) {
                    if (Files.size(f) > MAX_LIFECYCLE_FILE) {
                        throw new IllegalStateException(f + " is larger than " + MAX_LIFECYCLE_FILE / 1024 / 1024 + " MiB; not lifecycle data");
                    }
                    entries.addAll(LifecycleData.parse(Files.readString(f, StandardCharsets.UTF_8), f.toString()).entries());
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read " + dir + ": " + e.getMessage(), e);
            }
        }
        return new LifecycleData(entries);
    }

    private static final long MAX_LIFECYCLE_FILE = 16L * 1024 * 1024;
}
