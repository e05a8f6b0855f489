package org.klp.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.klp.cli.record.HostRecordStore;
import org.klp.cli.record.PatchRecords;
import org.klp.kernel.HostRoot;
import org.klp.kernel.KernelControl;
import org.klp.kernel.LivepatchReader;
import org.klp.kernel.RealKernelControl;
import org.klp.kernel.apply.LivePatchApplier;
import org.klp.kernel.apply.Waiting;
import org.klp.kernel.sim.SimulatedKernel;

/**
 * The host klp acts on: a root directory ({@code /} or a simulated host), the reader of its kernel
 * files, the control that changes its kernel, and its records. A simulated host is recognised by
 * its {@code .klp-sim} folder; everything else treats both alike.
 */
public final class Host {

    private final HostRoot root;
    private final LivepatchReader reader;
    private final KernelControl control;
    private final Optional<SimulatedKernel> simulated;
    private final Clock clock;
    private PatchRecords patchRecords;

    private Host(HostRoot root, KernelControl control, Optional<SimulatedKernel> simulated, Clock clock) {
        this.root = root;
        this.reader = new LivepatchReader(root);
        this.control = control;
        this.simulated = simulated;
        this.clock = clock;
    }

    /** Opens the host at {@code rootDir}, letting a simulated kernel catch up with its clock before anything is read. */
    public static Host open(Path rootDir, Clock clock) {
        if (!Files.isDirectory(rootDir)) {
            throw new UsageException("--root " + rootDir + ": no such directory");
        }
        HostRoot root = HostRoot.of(rootDir);
        if (SimulatedKernel.isSimulated(root)) {
            SimulatedKernel sim = SimulatedKernel.open(root, clock);
            sim.settle();
            return new Host(root, sim, Optional.of(sim), clock);
        }
        return new Host(root, new RealKernelControl(root), Optional.empty(), clock);
    }

    public HostRoot root() {
        return root;
    }

    public LivepatchReader reader() {
        return reader;
    }

    public KernelControl control() {
        return control;
    }

    public Optional<SimulatedKernel> simulated() {
        return simulated;
    }

    public Clock clock() {
        return clock;
    }

    /** The host's present: the simulated clock on a simulated host, the system clock otherwise. */
    public java.time.Instant now() {
        return simulated.map(SimulatedKernel::now).orElseGet(clock::instant);
    }

    public Waiting waiting() {
        return simulated.map(SimulatedKernel::waiting).orElseGet(() -> Waiting.realTime(clock));
    }

    public LivePatchApplier applier() {
        return new LivePatchApplier(reader, control, waiting());
    }

    public HostRecordStore records() {
        return new HostRecordStore(root.path());
    }

    public PatchRecords patchRecords() {
        if (patchRecords == null) {
            patchRecords = PatchRecords.load(root.path());
        }
        return patchRecords;
    }

    /** The package record of the loaded patch {@code patch} for {@code kernel}: what klp knows of its package and fixes. */
    public Optional<org.klp.packaging.record.PatchRecord> patchRecord(String patch, String kernel) {
        return patchRecords().forModule(patch, kernel);
    }

    /** Records changed on disk (a new --record was stored); read them again on next use. */
    public void forgetPatchRecords() {
        patchRecords = null;
    }
}
