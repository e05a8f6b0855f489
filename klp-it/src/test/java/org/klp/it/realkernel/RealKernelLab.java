package org.klp.it.realkernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything real-kernel tests share in one JVM for one {@link DebianKernel} line, prepared once:
 * the prerequisites checked, the guest kernel found, {@code testkernel/} built for it and the
 * initramfs packed, all under {@code klp-it/target/realkernel/} (module builds per release, so a
 * second run only relinks what changed). If preparing fails, every later {@link #get()} fails the
 * same way, so each test class reports the cause.
 *
 * <p>Locations come from system properties that {@code klp-it/pom.xml} sets:
 * {@code klp.it.buildDir} (default {@code target}), {@code klp.testkernel.dir} (default
 * {@code ../testkernel}), {@code klp.it.klpJar} (default {@code ../klp-cli/target/klp.jar}) and
 * {@code klp.it.bootDir} (klp's early-boot hooks, default {@code ../klp-cli/src/main/boot}), all
 * relative to the working directory, which Surefire makes {@code klp-it/}.
 */
public final class RealKernelLab {

    /**
     * The default limit of one boot, scenario included: a safety net, not a performance check. klp's
     * longest boot takes about 3 min on a quiet 2-core machine and over 4 when other builds share it.
     */
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofMinutes(8);
    public static final int DEFAULT_MEMORY_MIB = 1024;

    /** Each kernel line's lab, or the failure that prevented it, prepared once per JVM. */
    private static final Map<DebianKernel, RealKernelLab> LABS = new HashMap<>();
    private static final Map<DebianKernel, RuntimeException> FAILURES = new HashMap<>();

    private final GuestKernel kernel;
    private final TestModules modules;
    private final Path workDir;
    private final Path initramfs;
    private final QemuGuest guest;
    private KlpJar klpJar;

    private RealKernelLab(GuestKernel kernel, TestModules modules, Path workDir, Path initramfs) {
        this.kernel = kernel;
        this.modules = modules;
        this.workDir = workDir;
        this.initramfs = initramfs;
        this.guest = new QemuGuest(kernel, initramfs, DEFAULT_MEMORY_MIB, DEFAULT_BOOT_TIMEOUT);
    }

    /** The lab of the first kernel line, {@link DebianKernel#BOOKWORM}: see {@link #of(DebianKernel)}. */
    public static RealKernelLab get() {
        return of(DebianKernel.BOOKWORM);
    }

    /**
     * The lab of a kernel line, prepared on first use in this JVM: modules and initramfs built for
     * its release under {@code target/realkernel/}.
     *
     * @throws MissingPrerequisiteException naming the Debian packages to install
     */
    public static synchronized RealKernelLab of(DebianKernel line) {
        RealKernelLab lab = LABS.get(line);
        if (lab != null) {
            return lab;
        }
        if (FAILURES.containsKey(line)) {
            throw FAILURES.get(line);
        }
        try {
            lab = prepare(line);
            LABS.put(line, lab);
            return lab;
        } catch (RuntimeException e) {
            FAILURES.put(line, e);
            throw e;
        }
    }

    private static RealKernelLab prepare(DebianKernel line) {
        GuestKernel kernel = line.installed();
        Prerequisites.require(kernel);
        Path buildDir = Path.of(System.getProperty("klp.it.buildDir", "target")).toAbsolutePath().normalize();
        Path sources = Path.of(System.getProperty("klp.testkernel.dir", "../testkernel")).toAbsolutePath().normalize();
        Path workDir = buildDir.resolve("realkernel").resolve(kernel.release().uname());
        TestModules modules = TestModules.build(kernel, sources, workDir.resolve("modules"));
        Path initramfs = Initramfs.build(kernel, workDir.resolve("initramfs.cpio.gz"));
        return new RealKernelLab(kernel, modules, workDir, initramfs);
    }

    public GuestKernel kernel() {
        return kernel;
    }

    public TestModules modules() {
        return modules;
    }

    /** A guest with the defaults: 1 GiB, one CPU, {@link #DEFAULT_BOOT_TIMEOUT}. */
    public QemuGuest guest() {
        return guest;
    }

    /**
     * A new, empty guest folder {@code target/realkernel/<release>/<name>} with every test module in
     * {@code modules/} ({@code /work/modules/klp_patch_v1.ko} and so on in the guest).
     */
    public GuestFolder newFolder(String name) {
        GuestFolder folder = GuestFolder.createEmpty(workDir.resolve(name));
        modules.copyInto(folder);
        return folder;
    }

    /** The klp jar the guest runs (see {@link KlpJar}); found or assembled on first use. */
    public synchronized KlpJar klpJar() {
        if (klpJar == null) {
            klpJar = KlpJar.find(property("klp.it.klpJar", "../klp-cli/target/klp.jar"), workDir);
        }
        return klpJar;
    }

    /** A guest and the klp files in its initramfs: see {@link #guestWithKlpHook}. */
    public record HookedGuest(QemuGuest guest, List<String> klpFiles) {
    }

    /**
     * A guest whose initramfs holds klp's early-boot hook as {@code update-initramfs} would pack it
     * from the folder's {@code /var/lib/klp} now (see {@link Initramfs#withKlpHook}): run it after
     * klp changed the active patch, before the next boot, as a host's package scriptlet does.
     */
    public HookedGuest guestWithKlpHook(GuestFolder folder) {
        Path image = workDir.resolve(folder.root().getFileName() + ".initramfs-klp.cpio.gz");
        List<String> files = Initramfs.withKlpHook(initramfs, property("klp.it.bootDir", "../klp-cli/src/main/boot"), folder,
                kernel.release().uname(), image);
        return new HookedGuest(guest.withInitramfs(image), files);
    }

    private static Path property(String name, String fallback) {
        return Path.of(System.getProperty(name, fallback)).toAbsolutePath().normalize();
    }

    /** {@code klp-it/target/realkernel/<release>}: this kernel's modules, initramfs, guest folders and console logs. */
    public Path workDir() {
        return workDir;
    }
}
