package org.klp.server.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.pgp.KeyPairGenerator;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.product.HostToolRpm;
import org.klp.packaging.product.LivePatchingPattern;
import org.klp.packaging.product.ProductRelease;
import org.klp.packaging.product.ProductReleaseRpm;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.repo.RepositoryPublisher;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmPackage;

/**
 * Live patch RPMs and signed rpm-md repositories, written by {@code klp-packaging} (the same code
 * as {@code klp-pack rpm} and {@code klp-pack repo publish}). One OpenPGP key signs every package
 * the server builds and every repository's {@code repomd.xml}; uploaded packages must be signed by
 * it too (build them with {@code klp-pack rpm --key DATA/keys/signing-key.asc}), since hosts verify
 * each package's signature against the repository's key.
 */
public final class RpmMdPackageRepository implements PackageRepository {

    public static final String KEY_FILE = "keys/signing-key.asc";

    private final SigningKey key;
    private final RepositoryPublisher publisher;

    public RpmMdPackageRepository(SigningKey key, Clock clock) {
        this.key = key;
        this.publisher = new RepositoryPublisher(key, clock, SupportPolicy.DEFAULT);
    }

    /**
     * The server's signing key in {@code dataDir/keys}, generated (RSA {@code bits}) at first use
     * and kept readable by its owner only.
     */
    public static RpmMdPackageRepository inDataDir(Path dataDir, Clock clock, int bits) {
        Path file = dataDir.resolve(KEY_FILE);
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                KeyPairGenerator.GeneratedKey k = KeyPairGenerator.generate("klp server repository signing key <klp@localhost>", bits);
                Path tmp = file.resolveSibling(".signing-key.tmp");
                Files.deleteIfExists(tmp);
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, k.secretKeyArmored(), StandardCharsets.US_ASCII);
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(dataDir.resolve("keys/signing-key.pub.asc"), k.publicKeyArmored(), StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the signing key " + file + ": " + e.getMessage(), e);
        }
        return new RpmMdPackageRepository(SigningKey.read(file), clock);
    }

    @Override
    public Package build(Path repoDir, KernelRelease kernel, int version, byte[] module, String moduleSource, List<Fix> fixes, LocalDate released,
                         LocalDate kernelReleased, String arch) {
        mkdirs(repoDir);
        LivePatchRpm.Previous previous = LivePatchRpm.previousIn(repoDir, kernel, version);
        LivePatchRpm.Result r = LivePatchRpm.build(new LivePatchRpm.Spec(kernel, version, module, moduleSource, fixes, released, kernelReleased, arch),
                previous, key, repoDir);
        return of(repoDir, r.file(), r.record());
    }

    @Override
    public Package inspect(byte[] rpm, String source) {
        RpmPackage p = verified(rpm, source);
        PatchRecord record = LivePatchRpm.recordOf(p);
        LivePatchPackage lp = record.livePatch();
        return new Package(p.nevra() + ".rpm", "", lp.kernel(), lp.version(), record.moduleName(), lp.fixes(), lp.releaseDate());
    }

    private RpmPackage verified(byte[] rpm, String source) {
        RpmPackage p = RpmPackage.parse(rpm, source);
        p.verifyDigests();
        p.verifySignature(key.trusted());
        return p;
    }

    @Override
    public Package accept(Path repoDir, byte[] rpm, String source) {
        RpmPackage p = verified(rpm, source);
        PatchRecord record = LivePatchRpm.recordOf(p);
        LivePatchPackage patch = record.livePatch();
        mkdirs(repoDir);
        LivePatchRpm.Previous previous = LivePatchRpm.previousIn(repoDir, patch.kernel(), patch.version());
        if (previous != null) {
            patch.requireCumulativeOver(previous.record().livePatch());
        }
        // the package's name becomes a file of the repository: it must name one there, and not a hidden one
        if (!p.nevra().matches("[A-Za-z0-9][A-Za-z0-9._+-]*")) {
            throw new org.klp.packaging.rpm.RpmFormatException("the package's name-version-release.arch '" + p.nevra() + "' is not a file name");
        }
        Path file = repoDir.resolve(p.nevra() + ".rpm");
        try {
            Path tmp = repoDir.resolve("." + p.nevra() + ".rpm.tmp");
            Files.write(tmp, rpm);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot store " + file + ": " + e.getMessage(), e);
        }
        return of(repoDir, file, record);
    }

    private static Package of(Path repoDir, Path file, PatchRecord record) {
        LivePatchPackage lp = record.livePatch();
        return new Package(repoDir.relativize(file).toString(), sha256(file), lp.kernel(), lp.version(), record.moduleName(), lp.fixes(),
                lp.releaseDate());
    }

    @Override
    public void discard(Path repoDir, Package p) {
        try {
            Files.deleteIfExists(repoDir.resolve(p.file()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot remove " + p.file() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void publish(Path repoDir, String lifecycleProduct) {
        mkdirs(repoDir);
        (lifecycleProduct == null ? publisher : publisher.withLifecyclePackage(lifecycleProduct)).publish(repoDir);
    }

    @Override
    public void writeProductRelease(Path repoDir, ProductRelease product) {
        ProductReleaseRpm.build(product, key, repoDir);
    }

    @Override
    public void writePattern(Path repoDir, ProductRelease product) {
        LivePatchingPattern.build(product, key, repoDir);
    }

    @Override
    public Path buildHostTool(Path klpJar, String release, Path outputDir) {
        return HostToolRpm.build(klpJar, HostToolRpm.versionOf(klpJar), release, key, outputDir);
    }

    @Override
    public String publicKeyArmored() {
        return key.publicKeyArmored();
    }

    @Override
    public String keyFingerprint() {
        return key.fingerprint();
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[65536];
            for (int n = in.read(b); n >= 0; n = in.read(b)) {
                d.update(b, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
