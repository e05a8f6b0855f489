package org.klp.cli.command;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.Json;
import org.klp.cli.connect.PostureReader;
import org.klp.cli.record.HostState;
import org.klp.core.kernel.EffectiveKernelRelease;
import org.klp.core.kernel.KernelRelease;
import org.klp.kernel.KernelStateException;
import org.klp.kernel.state.LivepatchSnapshot;
import org.klp.kernel.state.LoadedPatch;
import org.klp.packaging.record.PatchRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code klp uname}: {@code uname} with the effective kernel release ({@link EffectiveKernelRelease})
 * in place of the running one, for scanners that judge a host by {@code uname -r}.
 *
 * <p>uname's one-letter flags work after the command word, {@code -v} included (klp's own {@code -v}
 * goes before it): {@link org.klp.cli.Klp} spells them out as the long options below first.
 */
@Command(name = "uname", mixinStandardHelpOptions = true, description = {
        "Prints system information as uname does, with the effective kernel release: the running release and the live patch",
        "version in force, e.g. 5.14.21-150500.55.49-default+lp4. Nothing is added while no live patch is loaded, its version is",
        "unknown (no package record), its transition is unfinished, or a transition was forced (tasks may still run old code).",
        "Flags as uname's, also clustered (-sr): -a -s -n -r -v -m -p -i -o; none is -s. For scanners: klp uname -r.",
        "Exit codes: 0 printed, 3 the kernel's files cannot be read."})
public final class UnameCommand extends KlpCommand {

    @Option(names = "--all", description = "-a: every field, except unknown processor and hardware platform.")
    boolean all;

    @Option(names = "--kernel-name", description = "-s: the kernel name (Linux).")
    boolean kernelName;

    @Option(names = "--nodename", description = "-n: the host name.")
    boolean nodename;

    @Option(names = "--kernel-release", description = "-r: the effective kernel release.")
    boolean kernelRelease;

    @Option(names = "--kernel-version", description = "-v: the kernel version (its build).")
    boolean kernelVersion;

    @Option(names = "--machine", description = "-m: the machine hardware name.")
    boolean machine;

    @Option(names = "--processor", description = "-p: the processor type (unknown).")
    boolean processor;

    @Option(names = "--hardware-platform", description = "-i: the hardware platform (unknown).")
    boolean hardwarePlatform;

    @Option(names = "--operating-system", description = "-o: the operating system (GNU/Linux).")
    boolean operatingSystem;

    /** uname's short flags and the long options they stand for, in uname's output order. */
    public static final String LETTERS = "asnrvmpio";
    private static final List<String> LONG = List.of("--all", "--kernel-name", "--nodename", "--kernel-release", "--kernel-version",
            "--machine", "--processor", "--hardware-platform", "--operating-system");

    /** The long option of a uname flag letter, or empty. */
    public static Optional<String> longOption(char letter) {
        int i = LETTERS.indexOf(letter);
        return i < 0 ? Optional.empty() : Optional.of(LONG.get(i));
    }

    @Override
    public Integer call() {
        Host host = host();
        KernelRelease running = KernelRelease.parse(host.reader().kernelRelease());
        InForce inForce = inForce(host, running);
        EffectiveKernelRelease effective = EffectiveKernelRelease.of(running, inForce.version(), inForce.settled());
        String name = read(host, "proc/sys/kernel/ostype").orElse("Linux");
        String node = read(host, "proc/sys/kernel/hostname").or(() -> read(host, "etc/hostname")).orElse("(none)");
        String version = read(host, "proc/sys/kernel/version").orElse("unknown");
        String arch = machine();
        if (json()) {
            Json j = Json.object().field("kernelName", name).field("nodename", node).field("kernelRelease", running.uname())
                    .field("effectiveKernelRelease", effective.uname()).field("kernelVersion", version).field("machine", arch)
                    .field("operatingSystem", "GNU/Linux");
            j.startObject("livePatch").field("patch", inForce.patch()).field("package", inForce.packageName()).field("version", inForce.version())
                    .field("transitionComplete", inForce.complete()).field("forced", inForce.forced()).field("inForce", effective.livePatched())
                    .endObject();
            out().print(j.end());
            return ExitCode.OK;
        }
        boolean any = kernelName || nodename || kernelRelease || kernelVersion || machine || processor || hardwarePlatform || operatingSystem;
        List<String> fields = new ArrayList<>();
        if (all || kernelName || !any && !all) {
            fields.add(name);
        }
        if (all || nodename) {
            fields.add(node);
        }
        if (all || kernelRelease) {
            fields.add(effective.uname());
        }
        if (all || kernelVersion) {
            fields.add(version);
        }
        if (all || machine) {
            fields.add(arch);
        }
        if (processor) {
            fields.add("unknown");
        }
        if (hardwarePlatform) {
            fields.add("unknown");
        }
        if (all || operatingSystem) {
            fields.add("GNU/Linux");
        }
        out().println(String.join(" ", fields));
        return ExitCode.OK;
    }

    /** The loaded live patch and whether it is in force: what the effective release says. */
    record InForce(String patch, String packageName, int version, boolean complete, boolean forced) {
        boolean settled() {
            return patch != null && complete && !forced;
        }
    }

    private static InForce inForce(Host host, KernelRelease running) {
        LivepatchSnapshot snapshot;
        try {
            snapshot = host.reader().snapshot();
        } catch (KernelStateException noLivePatching) {
            // a kernel without live patching support (or sysfs) runs its release as built
            return new InForce(null, null, 0, true, false);
        }
        Optional<LoadedPatch> active = snapshot.active();
        if (active.isEmpty()) {
            return new InForce(null, null, 0, !snapshot.inTransition(), false);
        }
        Optional<PatchRecord> record = PatchInfo.record(host, active.get().name(), running.uname());
        HostState state = host.records().read().asOfBoot(host.reader().bootId());
        return new InForce(active.get().name(), record.map(r -> r.livePatch().name()).orElse(null), record.map(r -> r.livePatch().version()).orElse(0),
                !snapshot.inTransition(), PostureReader.forced(state));
    }

    /**
     * The first line of a small file, empty when missing or unreadable. One read of at most 4 KiB from
     * offset 0, as sysctl files want (they report a size of 0), and bounded whatever a root holds.
     */
    private static Optional<String> read(Host host, String path) {
        Path file = host.root().resolve(path);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            String s = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s.lines().findFirst().orElse(s));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The machine hardware name as uname prints it (the JVM's names for some differ). */
    static String machine() {
        String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64" -> "x86_64";
            case "x86", "i386", "i486", "i586" -> "i686";
            default -> arch;
        };
    }
}
