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
        "Shows, for the running kernel and every installed kernel, its live patch package and end of support.",
        "Live patches are supported for one year from the kernel's release, as 'zypper lifecycle' shows in",
        "'Package end of support if different from product'. The date comes from the installed packages'",
        "records, lifecycle data in usr/share/lifecycle/data, or the repositories (--repo, or configured ones)."})
public final class LifecycleCommand extends KlpCommand {

    static final String LIFECYCLE_DIR = "usr/share/lifecycle/data";

    @Option(names = "--repo", paramLabel = "URL", description = "Also read the lifecycle data of this repository (repeatable).")
    List<String> repos = new ArrayList<>();

    @Option(names = "--trusted", paramLabel = "FILE", description = "The repository signing key(s) to trust (default: etc/klp/trusted.asc).")
    Path trusted;

    @Option(names = "--days", paramLabel = "N", description = "Flag support ending within N days (default: ${DEFAULT-VALUE}).")
    int days = 30;

    /** One kernel's line. */
    record Line(KernelRelease kernel, boolean running, String packageName, Optional<Integer> installedVersion,
                Optional<LocalDate> endOfSupport, String source) {
    }

    @Override
    public Integer call() {
        if (days < 0) {
            throw new org.klp.cli.UsageException("--days must not be negative, was " + days);
        }
        Host host = host();
        // a mounted image has no /proc: its installed kernels are listed all the same, none of them running
        Optional<KernelRelease> running = host.runningKernelRelease().map(KernelRelease::parse);
        LocalDate today = LocalDate.ofInstant(host.now(), ZoneOffset.UTC);
        LifecycleData local = localLifecycleData(host.root().path());
        Optional<Repositories> repositories = repos.isEmpty() ? Optional.empty()
                : Optional.of(Repositories.open(host.root().path(), repos, Optional.ofNullable(trusted), this::progress));
        List<Line> lines = new ArrayList<>();
        List<KernelRelease> kernels = running.map(r -> InstalledKernels.withRunning(host.root().path(), r))
                .orElseGet(() -> InstalledKernels.under(host.root().path()));
        for (KernelRelease k : kernels) {
            String name = LivePatchPackage.packageName(k);
            List<PatchRecord> records = host.patchRecords().forKernel(k.uname());
            Optional<Integer> installed = records.stream().map(r -> r.livePatch().version()).reduce(Math::max);
            Optional<LocalDate> end = Optional.empty();
            String source = "unknown";
            Optional<LocalDate> released = records.stream().map(PatchRecord::kernelReleaseDate).flatMap(Optional::stream).findFirst();
            if (released.isPresent()) {
                end = Optional.of(SupportPolicy.DEFAULT.endOfSupport(released.get()));
                source = "package record";
            } else if (local.endOfSupport(name, installed.map(String::valueOf).orElse("1")).isPresent()) {
                end = local.endOfSupport(name, installed.map(String::valueOf).orElse("1"));
                source = LIFECYCLE_DIR;
            } else if (repositories.isPresent()) {
                end = repositories.get().endOfSupport(k);
                source = end.isPresent() ? "repository" : source;
            }
            lines.add(new Line(k, running.map(k::equals).orElse(false), name, installed, end, source));
        }
        if (json()) {
            Json j = Json.object().field("runningKernel", running.map(KernelRelease::uname)).field("today", today.toString()).startArray("kernels");
            for (Line l : lines) {
                Optional<SupportStatus> status = l.endOfSupport().map(e -> SupportStatus.of(e, today));
                j.startObject().field("kernel", l.kernel().uname()).field("running", l.running()).field("package", l.packageName())
                        .field("installedVersion", l.installedVersion().map(v -> (Object) v))
                        .field("endOfSupport", l.endOfSupport().map(Object::toString))
                        .field("daysLeft", status.map(s -> (Object) s.daysLeft()))
                        .field("expired", status.map(SupportStatus::expired).orElse(false))
                        .field("endsSoon", status.map(s -> s.endsWithin(days)).orElse(false))
                        .field("source", l.source()).endObject();
            }
            out().print(j.endArray().end());
            return ExitCode.OK;
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
        return ExitCode.OK;
    }

    /** Every {@code *.lifecycle} file in usr/share/lifecycle/data, as zypper lifecycle reads them. */
    static LifecycleData localLifecycleData(Path root) {
        Path dir = root.resolve(LIFECYCLE_DIR);
        List<LifecycleData.Entry> entries = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.lifecycle")) {
                for (Path f : s) {
                    entries.addAll(LifecycleData.parse(Files.readString(f, StandardCharsets.UTF_8), f.toString()).entries());
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read " + dir + ": " + e.getMessage(), e);
            }
        }
        return new LifecycleData(entries);
    }
}
