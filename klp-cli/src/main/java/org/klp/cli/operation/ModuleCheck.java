package org.klp.cli.operation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.klp.cli.Host;
import org.klp.cli.record.HostRecordStore;
import org.klp.core.module.ModuleInfo;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;

/**
 * Checks a module before anything is loaded: that it exists, is a live patch module, was built
 * for the running kernel, is of the host's kind (ELF on a real host, simulated on a simulated
 * one), and agrees with its package record. A refusal names the file and changes nothing.
 */
final class ModuleCheck {

    record Checked(Path module, ModuleInfo info, Optional<PatchRecord> record) {
        String patch() {
            return info.name();
        }
    }

    private ModuleCheck() {
    }

    static Checked check(Host host, Path module, Optional<Path> recordFile) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(module);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(module + ": no such module file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(module + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException(module + ": cannot read it (" + e.getMessage() + ")");
        }
        ModuleInfo info = ModuleInfo.parse(bytes, module.toString());
        boolean simulatedHost = host.simulated().isPresent();
        if (info.simulated() && !simulatedHost) {
            throw new IllegalArgumentException(module + " is a simulated module; only a simulated host (klp --root DIR, made by 'klp sim create') loads it");
        }
        if (!info.simulated() && simulatedHost) {
            throw new IllegalArgumentException(module + " is a real kernel module; a simulated host loads simulated modules (text files starting '"
                    + ModuleInfo.SIMULATED_HEADER + "')");
        }
        String kernel = host.reader().kernelRelease();
        info.requireLivePatchFor(kernel, module.toString());
        Optional<PatchRecord> record;
        if (recordFile.isPresent()) {
            PatchRecord r = readRecord(recordFile.get());
            if (!r.moduleName().equals(info.name())) {
                throw new IllegalArgumentException(recordFile.get() + " describes module " + r.moduleName() + ", not " + info.name());
            }
            if (!r.livePatch().kernel().uname().equals(kernel)) {
                throw new IllegalArgumentException(recordFile.get() + " is for kernel " + r.livePatch().kernel() + ", but " + kernel + " is running");
            }
            record = Optional.of(r);
        } else {
            record = host.patchRecords().forModule(info.name(), kernel);
        }
        return new Checked(module, info, record);
    }

    static PatchRecord readRecord(Path file) {
        try {
            return PatchRecordJson.read(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such record file");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    /** Keeps a record given with --record where klp looks for records, so later commands know the package. */
    static void keepRecord(Host host, PatchRecord record) {
        Path dir = host.root().resolve(HostRecordStore.DIR + "/patches");
        try {
            org.klp.kernel.files.AtomicFileWriter.under(host.root().path()).write(dir.resolve(record.livePatch().nameVersion() + ".json"),
                    PatchRecordJson.write(record));
        } catch (java.io.UncheckedIOException e) {
            throw new IllegalStateException("Cannot keep the record of " + record.livePatch().nameVersion() + " in " + dir + ": " + e.getMessage(), e);
        }
        host.forgetPatchRecords();
    }
}
