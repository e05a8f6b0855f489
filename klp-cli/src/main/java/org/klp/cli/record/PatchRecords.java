package org.klp.cli.record;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;

/**
 * The records of installed live patch packages a host knows: those packages installed in
 * {@code usr/share/klp/patches} and those klp itself was given ({@code klp apply --record}) in
 * {@code var/lib/klp/patches}. A record that cannot be read is reported, not fatal: the rest still
 * describe their patches.
 */
public final class PatchRecords {

    public static final List<String> DIRS = List.of("usr/share/klp/patches", HostRecordStore.DIR + "/patches");

    private final List<PatchRecord> records;
    private final List<String> problems;

    private PatchRecords(List<PatchRecord> records, List<String> problems) {
        this.records = records;
        this.problems = problems;
    }

    public static PatchRecords load(Path root) {
        List<PatchRecord> records = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String d : DIRS) {
            Path dir = root.resolve(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.json")) {
                for (Path f : s) {
                    try {
                        records.add(PatchRecordJson.read(Files.readString(f, StandardCharsets.UTF_8), f.toString()));
                    } catch (IOException | IllegalArgumentException e) {
                        problems.add(e.getMessage());
                    }
                }
            } catch (IOException e) {
                problems.add("Cannot list " + dir + ": " + e.getMessage());
            }
        }
        records.sort(Comparator.comparing((PatchRecord r) -> r.livePatch().kernel()).thenComparingInt(r -> r.livePatch().version()));
        return new PatchRecords(records, problems);
    }

    public List<PatchRecord> all() {
        return records;
    }

    public List<String> problems() {
        return problems;
    }

    /** The record of the module a loaded patch came from, for the running kernel. */
    public Optional<PatchRecord> forModule(String moduleName, String kernelRelease) {
        return records.stream()
                .filter(r -> r.moduleName().equals(moduleName) && r.livePatch().kernel().uname().equals(kernelRelease))
                .reduce((a, b) -> b);
    }

    /** Every known version of the running kernel's live patch, oldest first. */
    public List<PatchRecord> forKernel(String kernelRelease) {
        return records.stream().filter(r -> r.livePatch().kernel().uname().equals(kernelRelease)).toList();
    }

    public Optional<PatchRecord> version(String kernelRelease, int version) {
        return forKernel(kernelRelease).stream().filter(r -> r.livePatch().version() == version).reduce((a, b) -> b);
    }
}
