package org.klp.server.catalog;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.core.module.ModuleInfo;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.product.ProductRelease;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.KernelEntry;
import org.klp.server.store.LivePatchEntry;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.Product;
import org.klp.server.service.Conflict;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.NotFound;
import org.klp.server.service.Quote;

/**
 * Publishing: products, kernel releases and live patch versions, each kept in the database and,
 * for packages, written into the product's repository folder {@code repos/IDENTIFIER/VERSION/ARCH}
 * whose rpm-md metadata is then republished. A new kernel release gets its initial patch
 * (version 1) at once. Publications are serialized: versions of a kernel follow one another.
 *
 * <p>Order: the package file is written first, then the database row; if the row cannot be
 * written the file is removed, so the repository never offers a package the catalog lacks.
 *
 * <p>Beside the live patches, each repository holds what SUSE's tools expect: every product's
 * release package ({@code zypper install -t product}, which SUSEConnect runs after activating an
 * extension); and a live patching product's (one with kernels) the pattern {@code lp_sles}, the
 * host tool's package once {@link #publishHostTool} gave it, and the lifecycle data package, kept
 * in step with its live patches at every publication.
 *
 * Several instances share the repositories' folder ({@link SharedDataFolder}); a publication holds
 * its lock, so they publish one at a time.
 */
public final class CatalogService {

    private final Jdbi jdbi;
    private final CatalogStore catalog;
    private final PolicyStore policies;
    private final PackageRepository packages;
    private final Path reposDir;
    private final Clock clock;
    private final Runnable changed;
    private final org.klp.server.audit.CveImporter cves;
    private final SharedDataFolder shared;

    /** {@code cves} creates and extends the CVE records a publication's fixes name, in its transaction. */
    public CatalogService(Jdbi jdbi, CatalogStore catalog, PolicyStore policies, PackageRepository packages, SharedDataFolder shared, Clock clock,
                          org.klp.server.audit.CveImporter cves, Runnable changed) {
        this.shared = shared;
        Path reposDir = shared.dataDir().resolve("repos");
        this.cves = cves;
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.policies = policies;
        this.packages = packages;
        this.reposDir = reposDir;
        this.clock = clock;
        this.changed = changed;
    }

    /** The product's repository folder; a product whose names would lead elsewhere (made by an older server) has none. */
    public Path repositoryDir(Product p) {
        Path root = reposDir.toAbsolutePath().normalize();
        Path dir = root.resolve(p.identifier()).resolve(p.version()).resolve(p.arch()).normalize();
        if (!dir.startsWith(root) || dir.getNameCount() != root.getNameCount() + 3) {
            throw new IllegalStateException("product " + p.triplet() + " does not name a folder under " + root);
        }
        return dir;
    }

    public String publicKeyArmored() {
        return packages.publicKeyArmored();
    }

    /**
     * Adds a product and publishes its repository with its release package.
     *
     * @throws InvalidInput when hosts could not install it (identifier, version or name unusable in a package)
     * @throws Conflict when it exists already, or its service name is another product's
     */
    public synchronized Product addProduct(String identifier, String version, String arch, String name, String baseTriplet, boolean free) {
        return shared.exclusively(() -> addProductHere(identifier, version, arch, name, baseTriplet, free));
    }

    private Product addProductHere(String identifier, String version, String arch, String name, String baseTriplet, boolean free) {
        requireName(identifier, Product.IDENTIFIER, "identifier");
        requireName(version, Product.VERSION, "version");
        requireName(arch, Product.ARCH, "arch");
        Product made = jdbi.inTransaction(h -> {
            if (catalog.product(identifier, version, arch).isPresent()) {
                throw new Conflict("product " + identifier + "/" + version + "/" + arch + " exists already");
            }
            Integer baseId = null;
            if (baseTriplet != null) {
                baseId = productByTriplet(baseTriplet).id();
            }
            Product p = new Product(catalog.nextProductId(h), identifier, version, arch, name, baseId, free);
            try {
                release(p);
            } catch (IllegalArgumentException e) {
                throw new InvalidInput("name", e.getMessage());
            }
            Optional<Product> sameService = catalog.products().stream().filter(o -> o.serviceName().equals(p.serviceName())).findFirst();
            if (sameService.isPresent()) {
                throw new Conflict("product " + p.triplet() + " would have the repository service name " + p.serviceName()
                        + " of " + sameService.get().triplet() + "; give it a name of its own");
            }
            catalog.addProduct(h, p);
            policies.bump(h);
            return p;
        });
        Path repo = repositoryDir(made);
        try {
            Files.createDirectories(repo);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot create the repository folder of " + made.triplet() + ": " + e.getMessage(), e);
        }
        packages.writeProductRelease(repo, release(made));
        packages.publish(repo);
        changed.run();
        return made;
    }

    /** A product as its release package describes it to hosts. */
    static ProductRelease release(Product p) {
        ProductRelease.Kind kind = p.isBase() ? ProductRelease.Kind.BASE : p.free() ? ProductRelease.Kind.MODULE : ProductRelease.Kind.EXTENSION;
        return new ProductRelease(p.identifier(), p.version(), p.arch(), p.name(), kind);
    }

    /**
     * Builds the host tool's package from {@code klp.jar} and puts it into every live patching
     * product's repository (and into those that get their first kernel later), replacing an older
     * one. The package release is the jar's modification time in seconds, so a rebuilt jar makes a
     * newer package.
     *
     * @return the package file kept in {@code DATA/host-tool}
     */
    public synchronized Path publishHostTool(Path klpJar) {
        return shared.exclusively(() -> publishHostToolHere(klpJar));
    }

    private Path publishHostToolHere(Path klpJar) {
        Path dir = hostToolDir();
        try {
            Files.createDirectories(dir);
            String release = Long.toString(Files.getLastModifiedTime(klpJar).toMillis() / 1000);
            Path built = packages.buildHostTool(klpJar, release, dir);
            removeOthers(dir, built);
            for (Product p : livePatchingProducts()) {
                Path repo = repositoryDir(p);
                Path copy = repo.resolve(built.getFileName());
                if (!Files.exists(copy)) {
                    Path tmp = repo.resolve("." + built.getFileName() + ".tmp");
                    Files.copy(built, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, copy, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                removeOthers(repo, copy);
                packages.publish(repo, p.identifier());
            }
            changed.run();
            return built;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot publish the host tool from " + klpJar + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds what a server made before these packages existed lacks: every product's release
     * package, a live patching product's pattern, host tool and lifecycle data. At start; cheap
     * when nothing is missing.
     */
    public synchronized void ensureProductPackages() {
        shared.exclusively(() -> {
            ensureProductPackagesHere();
            return null;
        });
    }

    private void ensureProductPackagesHere() {
        List<Product> livePatching = livePatchingProducts();
        for (Product p : catalog.products()) {
            Path repo = repositoryDir(p);
            ProductRelease release;
            try {
                release = release(p);
            } catch (IllegalArgumentException e) {
                continue; // a product added before its name had to suit a package; it keeps working without one
            }
            boolean missing = !Files.exists(repo.resolve(org.klp.packaging.product.ProductReleaseRpm.fileName(release)));
            if (missing) {
                packages.writeProductRelease(repo, release);
            }
            if (livePatching.contains(p)) {
                missing |= addLivePatchingPackages(repo, release);
            }
            if (missing) {
                packages.publish(repo, livePatching.contains(p) ? p.identifier() : null);
            }
        }
    }

    /** The pattern and the host tool in a live patching product's repository; true when something was added. */
    private boolean addLivePatchingPackages(Path repo, ProductRelease product) {
        boolean added = false;
        if (!Files.exists(repo.resolve(org.klp.packaging.product.LivePatchingPattern.fileName(product)))) {
            packages.writePattern(repo, product);
            added = true;
        }
        try (java.util.stream.Stream<Path> tools = Files.exists(hostToolDir()) ? Files.list(hostToolDir()) : java.util.stream.Stream.empty()) {
            for (Path t : tools.filter(f -> f.getFileName().toString().endsWith(".rpm")).toList()) {
                if (!Files.exists(repo.resolve(t.getFileName()))) {
                    Files.copy(t, repo.resolve(t.getFileName()));
                    removeOthers(repo, repo.resolve(t.getFileName()));
                    added = true;
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot copy the host tool's package into " + repo + ": " + e.getMessage(), e);
        }
        return added;
    }

    private List<Product> livePatchingProducts() {
        java.util.Set<Integer> withKernels = catalog.kernels().stream().map(KernelEntry::productId).collect(java.util.stream.Collectors.toSet());
        return catalog.products().stream().filter(p -> withKernels.contains(p.id())).toList();
    }

    private Path hostToolDir() {
        return reposDir.resolveSibling("host-tool");
    }

    /** Removes the other host tool packages from a folder: one version is offered. */
    private static void removeOthers(Path dir, Path keep) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(org.klp.packaging.product.HostToolRpm.NAME + "-") && n.endsWith(".rpm") && !p.equals(keep)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void requireName(String value, java.util.regex.Pattern pattern, String field) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new InvalidInput(field, field + " is required and must match " + pattern.pattern() + " (it names a folder of the repository), was "
                    + (value == null ? "missing" : "'" + Quote.clip(value, 40) + "'"));
        }
    }

    public Product productByTriplet(String triplet) {
        String[] p = triplet.split("/");
        if (p.length != 3) {
            throw new InvalidInput("product", "Not a product: '" + Quote.clip(triplet, 100)
                    + "' (expected IDENTIFIER/VERSION/ARCH such as sle-module-live-patching/15.5/x86_64)");
        }
        return catalog.product(p[0], p[1], p[2]).orElseThrow(() -> new NotFound("no product " + Quote.clip(triplet, 100)));
    }

    /**
     * Publishes a kernel release under a live patching product with its initial patch. Without an
     * initial module a simulated one is made (for simulated fleets); a real kernel's initial module
     * is built from the kernel's sources and given here.
     */
    public synchronized KernelEntry publishKernel(String productTriplet, KernelRelease release, LocalDate released, LocalDate endOfSupport,
                                                  byte[] initialModule) {
        return shared.exclusively(() -> publishKernelHere(productTriplet, release, released, endOfSupport, initialModule));
    }

    private KernelEntry publishKernelHere(String productTriplet, KernelRelease release, LocalDate released, LocalDate endOfSupport,
                                          byte[] initialModule) {
        Product product = productByTriplet(productTriplet);
        LocalDate eos = endOfSupport != null ? endOfSupport : SupportPolicy.DEFAULT.endOfSupport(released);
        if (eos.isBefore(released)) {
            throw new InvalidInput("endOfSupport", "end of support " + eos + " is before the release date " + released);
        }
        Optional<KernelEntry> existing = jdbi.withHandle(h -> catalog.kernel(h, release.uname()));
        if (existing.isPresent()) {
            throw new Conflict("kernel " + release + " is published already");
        }
        byte[] module = initialModule != null ? initialModule : simulatedModule(release, 1, List.of());
        Path repo = repositoryDir(product);
        PackageRepository.Package pkg = packages.build(repo, release, 1, module, "initial module of " + release, List.of(), released, released,
                product.arch());
        KernelEntry kernel;
        try {
            kernel = jdbi.inTransaction(h -> {
                Instant now = clock.instant();
                KernelEntry k = catalog.addKernel(h, product.id(), release, product.arch(), released, eos, now);
                catalog.addLivePatch(h, k, 1, released, pkg.moduleName(), pkg.file(), pkg.sha256(), List.of(), now);
                policies.bump(h);
                return k;
            });
        } catch (RuntimeException e) {
            packages.discard(repo, pkg);
            throw e;
        }
        addLivePatchingPackages(repo, release(product));
        packages.publish(repo, product.identifier());
        changed.run();
        return kernel;
    }

    /** Builds and publishes the next version of a kernel's live patch from its module and (cumulative) fixes. */
    public synchronized LivePatchEntry publishLivePatch(KernelRelease release, byte[] module, String moduleSource, List<Fix> fixes, LocalDate released) {
        return shared.exclusively(() -> publishLivePatchHere(release, module, moduleSource, fixes, released));
    }

    private LivePatchEntry publishLivePatchHere(KernelRelease release, byte[] module, String moduleSource, List<Fix> fixes, LocalDate released) {
        KernelEntry kernel = kernel(release);
        Product product = catalog.product(kernel.productId()).orElseThrow();
        int version = newestVersion(release) + 1;
        Path repo = repositoryDir(product);
        PackageRepository.Package pkg = packages.build(repo, release, version, module, moduleSource, fixes,
                released != null ? released : LocalDate.now(clock), kernel.released(), product.arch());
        return record(kernel, product, repo, pkg);
    }

    /** Publishes an uploaded live patch RPM (built by {@code klp-pack rpm}). */
    public synchronized LivePatchEntry publishRpm(byte[] rpm) {
        return shared.exclusively(() -> publishRpmHere(rpm));
    }

    private LivePatchEntry publishRpmHere(byte[] rpm) {
        PackageRepository.Package probe;
        try {
            probe = packages.inspect(rpm, "uploaded package");
        } catch (org.klp.packaging.pgp.SignatureException e) {
            throw new InvalidInput("body", e.getMessage() + "; hosts verify every package against the repository's key, so sign it with the"
                    + " server's key (klp-pack rpm --key DATA/keys/signing-key.asc)");
        }
        KernelEntry kernel = kernel(probe.kernel());
        Product product = catalog.product(kernel.productId()).orElseThrow();
        int expected = newestVersion(probe.kernel()) + 1;
        if (probe.version() != expected) {
            throw new Conflict("the package is version " + probe.version() + " of " + LivePatchPackage.packageName(probe.kernel())
                    + "; the next version to publish is " + expected);
        }
        Path repo = repositoryDir(product);
        return record(kernel, product, repo, packages.accept(repo, rpm, "uploaded package"));
    }

    private LivePatchEntry record(KernelEntry kernel, Product product, Path repo, PackageRepository.Package pkg) {
        LivePatchEntry entry;
        try {
            entry = jdbi.inTransaction(h -> {
                LivePatchEntry e = catalog.addLivePatch(h, kernel, pkg.version(), pkg.released(), pkg.moduleName(), pkg.file(), pkg.sha256(),
                        pkg.fixes(), clock.instant());
                cves.extendFromCatalog(h, kernel.release(), pkg.fixes(), pkg.released());
                policies.bump(h);
                return e;
            });
        } catch (RuntimeException e) {
            packages.discard(repo, pkg);
            throw e;
        }
        packages.publish(repo, product.identifier());
        changed.run();
        return entry;
    }

    private KernelEntry kernel(KernelRelease release) {
        return jdbi.withHandle(h -> catalog.kernel(h, release.uname()))
                .orElseThrow(() -> new NotFound("kernel " + release + " is not in the catalog; publish it first"));
    }

    private int newestVersion(KernelRelease release) {
        return jdbi.withHandle(h -> catalog.livePatches(h, release.uname())).stream().mapToInt(LivePatchEntry::version).max().orElse(0);
    }

    /** A simulated live patch module for version N of a kernel's live patch, patching the given functions. */
    public static byte[] simulatedModule(KernelRelease kernel, int version, List<String> functions) {
        StringBuilder sb = new StringBuilder(ModuleInfo.SIMULATED_HEADER).append('\n')
                .append("name=").append(moduleName(kernel, version)).append('\n')
                .append("vermagic=").append(kernel.uname()).append(" SMP preempt mod_unload modversions\n")
                .append("livepatch=Y\nreplace=Y\nlicense=GPL\n");
        for (String f : functions) {
            sb.append("function=").append(f).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The module name of version N: the kernel cannot load two modules of one name, so each version has its own. */
    public static String moduleName(KernelRelease kernel, int version) {
        String base = "klp_" + kernel.packageForm().replace('-', '_');
        if (base.length() > 48) {
            base = base.substring(0, 48);
        }
        return base + "_" + version;
    }
}
