package org.klp.it.realkernel;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything real-kernel tests share in one JVM, prepared once: the prerequisites checked, the
 * guest kernel found, {@code testkernel/} built for it and the initramfs packed, all under
 * {@code klp-it/target/realkernel/}. If preparing fails, every later {@link #get()} fails the
 * same way, so each test class reports the cause.
 *
 * <p>Locations come from system properties that {@code klp-it/pom.xml} sets:
 * {@code klp.it.buildDir} (default {@code target}), {@code klp.testkernel.dir} (default
 * {@code ../testkernel}), {@code klp.it.klpJar} (default {@code ../klp-cli/target/klp.jar}) and
 * {@code klp.it.bootDir} (klp's early-boot hooks, default {@code ../klp-cli/src/main/boot}), all
 * relative to the working directory, which Surefire makes {@code klp-it/}.
 */
public final class RealKernelLab {

    /** The default limit of one boot, scenario included. */
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofMinutes(4);
    public static final int DEFAULT_MEMORY_MIB = 1024;

    private static RealKernelLab instance;
    private static RuntimeException failure;

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

    /**
     * The lab of this JVM, prepared on first use.
     *
     * @throws MissingPrerequisiteException naming the Debian packages to install
     */
    public static synchronized RealKernelLab get() {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw failure;
        }
        try {
            instance = prepare();
            return instance;
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        }
    }

    private static RealKernelLab prepare() {
        GuestKernel kernel = GuestKernel.installed();
        Prerequisites.require(kernel);
        Path buildDir = Path.of(System.getProperty("klp.it.buildDir", "target")).toAbsolutePath().normalize();
        Path sources = Path.of(System.getProperty("klp.testkernel.dir", "../testkernel")).toAbsolutePath().normalize();
        Path workDir = buildDir.resolve("realkernel");
        String release = kernel.release().uname();
        TestModules modules = TestModules.build(kernel, sources, workDir.resolve("modules-" + release));
        Path initramfs = Initramfs.build(kernel, workDir.resolve("initramfs-" + release + ".cpio.gz"));
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
     * A new, empty guest folder {@code target/realkernel/<name>} with every test module in
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

    /** {@code klp-it/target/realkernel}: modules, initramfs, guest folders and console logs. */
    public Path workDir() {
        return workDir;
    }
}
