package org.klp.packaging.client;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.pgp.SignatureException;
import org.klp.packaging.pgp.TrustedKeys;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.record.PatchRecordJson;
import org.klp.packaging.repo.RepoMd;
import org.klp.packaging.rpm.LivePatchRpm;
import org.klp.packaging.rpm.RpmFormatException;
import org.klp.packaging.rpm.RpmPackage;
import org.klp.packaging.xml.SafeXml;
import org.klp.packaging.xml.XmlRefusedException;

/**
 * A signed rpm-md repository of live patches, as the host tool sees it.
 *
 * <pre>{@code
 * TrustedKeys keys = TrustedKeys.read(Path.of("/etc/klp/trusted.asc"));
 * LivePatchRepository repo = LivePatchRepository.open("http://mirror/klp", keys);
 * Optional<AvailableLivePatch> newest = repo.newest(KernelRelease.parse(uname));
 * DownloadedLivePatch d = repo.download(newest.get(), Path.of("/var/cache/klp"));
 * DownloadedLivePatch.Extracted x = d.extractTo(Path.of("/"));   // module + record under the root
 * }</pre>
 *
 * <h2>Chain of trust</h2>
 * {@link #open} fetches {@code repomd.xml} and {@code repomd.xml.asc} and checks the signature
 * against the trusted keys; then fetches primary, the patch records ({@code klp-patches}) and the
 * lifecycle data and checks each against its SHA-256 in repomd. {@link #download} checks the
 * package against its SHA-256 in primary, then its own OpenPGP header signature and digests.
 * Nothing unverified is returned; a failure is a {@link RepositoryException},
 * {@link SignatureException}, {@link XmlRefusedException} or {@link RpmFormatException} whose
 * message names the repository and file.
 *
 * <h2>Cache</h2>
 * Downloads go to a temporary file in the cache folder, are synced and checked, and only then
 * renamed to their final name; on any failure the temporary file is deleted. A file of the final
 * name is always a complete, verified package.
 */
public final class LivePatchRepository {

    static final long MAX_METADATA = 256L << 20;
    static final long MAX_SIGNATURE = 64L << 10;

    private final Transport transport;
    private final TrustedKeys keys;
    private final RepoMd repomd;
    private final List<AvailableLivePatch> livePatches;
    private final LifecycleData lifecycle;

    private LivePatchRepository(Transport transport, TrustedKeys keys, RepoMd repomd, List<AvailableLivePatch> livePatches,
                                LifecycleData lifecycle) {
        this.transport = transport;
        this.keys = keys;
        this.repomd = repomd;
        this.livePatches = livePatches;
        this.lifecycle = lifecycle;
    }

    /**
     * Opens a repository by URL or path and verifies its metadata.
     *
     * @param location {@code http://…}, {@code https://…}, {@code file:///…} or a folder path
     * @throws RepositoryException when unreachable, half-written or a checksum does not match
     * @throws SignatureException  when repomd.xml is unsigned or not signed by a trusted key
     */
    public static LivePatchRepository open(String location, TrustedKeys keys) {
        Transport t = Transport.of(location);
        String where = t.describe();
        byte[] xml = fetch(t, "repodata/repomd.xml", MAX_METADATA, where,
                "is it a repository? (klp-pack repo publish DIR makes one)");
        byte[] asc = fetch(t, "repodata/repomd.xml.asc", MAX_SIGNATURE, where,
                "the repository is not signed; klp reads signed repositories only (klp-pack repo publish DIR --key KEY)");
        keys.verify(xml, asc, "repodata/repomd.xml of " + where);
        RepoMd repomd = RepoMd.parse(xml, "repodata/repomd.xml of " + where);

        Map<String, PatchRecord> records = new HashMap<>();
        String recordsSource = where + " klp-patches";
        for (PatchRecord r : PatchRecordJson.readAll(new String(data(t, repomd, "klp-patches", where), StandardCharsets.UTF_8), recordsSource)) {
            records.put(r.rpm(), r);
        }
        LifecycleData lifecycle = repomd.find("lifecycle").isPresent()
                ? LifecycleData.parse(new String(data(t, repomd, "lifecycle", where), StandardCharsets.UTF_8), where + " lifecycle data")
                : new LifecycleData(List.of());
        List<AvailableLivePatch> patches = new ArrayList<>();
        for (PrimaryPackage p : primary(data(t, repomd, "primary", where), where)) {
            if (!org.klp.core.patch.LivePatchPackage.isLivePatchName(p.name)) {
                continue;
            }
            String nevra = p.name + "-" + p.version + "-" + p.release + "." + p.arch;
            PatchRecord r = records.get(nevra);
            if (r == null) {
                throw new RepositoryException(where + " lists " + nevra + " in primary but has no patch record for it; republish it with klp-pack");
            }
            if (!r.livePatch().name().equals(p.name) || !Integer.toString(r.livePatch().version()).equals(p.version)) {
                throw new RepositoryException(where + ": the record of " + nevra + " describes " + r.livePatch().nameVersion());
            }
            LocalDate eos = lifecycle.endOfSupport(p.name, p.version + "-" + p.release).orElse(null);
            patches.add(new AvailableLivePatch(p.name, p.version, p.release, p.arch, p.location, p.sha256, p.size, r, eos));
        }
        patches.sort(Comparator.comparing((AvailableLivePatch a) -> a.kernel()).thenComparingInt(AvailableLivePatch::patchVersion));
        return new LivePatchRepository(t, keys, repomd, List.copyOf(patches), lifecycle);
    }

    /** The repository's URL or folder. */
    public String location() {
        return transport.describe();
    }

    /** The revision (publish time, seconds) of its repomd.xml. */
    public long revision() {
        return repomd.revision();
    }

    /** Every live patch package, by kernel and then version. */
    public List<AvailableLivePatch> livePatches() {
        return livePatches;
    }

    /** The live patch packages for one kernel release, oldest version first. */
    public List<AvailableLivePatch> forKernel(KernelRelease kernel) {
        return livePatches.stream().filter(p -> p.kernel().equals(kernel)).toList();
    }

    /** The newest live patch for a kernel release. */
    public Optional<AvailableLivePatch> newest(KernelRelease kernel) {
        List<AvailableLivePatch> all = forKernel(kernel);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Live patch version {@code n} for a kernel release. */
    public Optional<AvailableLivePatch> version(KernelRelease kernel, int n) {
        return forKernel(kernel).stream().filter(p -> p.patchVersion() == n).findFirst();
    }

    /** The repository's lifecycle data. */
    public LifecycleData lifecycle() {
        return lifecycle;
    }

    /** When live patches for a kernel end, from the lifecycle data. */
    public Optional<LocalDate> endOfSupport(KernelRelease kernel) {
        return newest(kernel).flatMap(AvailableLivePatch::endOfSupportDate);
    }

    /**
     * Downloads a package into {@code cacheDir} and verifies it (checksum from primary, OpenPGP
     * header signature, header and payload digests, its patch record matching the repository's).
     * A verified file already in the cache is reused.
     */
    public DownloadedLivePatch download(AvailableLivePatch patch, Path cacheDir) {
        Path target = cacheDir.resolve(patch.fileName());
        try {
            Files.createDirectories(cacheDir);
            if (Files.isRegularFile(target) && Files.size(target) == patch.size() && sha256(target).equals(patch.sha256())) {
                return verified(patch, target);
            }
        } catch (IOException e) {
            throw new RepositoryException("Cannot use the cache folder " + cacheDir + ": " + e.getMessage(), e);
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(cacheDir, "." + patch.fileName() + ".", ".part");
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha)) {
                transport.copy(patch.location(), out, Math.max(patch.size(), 1) + 1);
                out.flush();
                channel.force(true);
            }
            long size = Files.size(temp);
            String actual = HexFormat.of().formatHex(sha.digest());
            if (size != patch.size() || !actual.equals(patch.sha256())) {
                throw new RepositoryException("Download of " + patch.location() + " from " + location() + " does not match primary.xml ("
                        + size + " bytes, SHA-256 " + actual + "; expected " + patch.size() + " bytes, " + patch.sha256()
                        + "): the repository is being republished or the file was changed; try again");
            }
            DownloadedLivePatch d = verified(patch, temp);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            return new DownloadedLivePatch(target, d.rpm(), d.record());
        } catch (NoSuchFileException e) {
            throw new RepositoryException(location() + " lists " + patch.location() + " but does not have it: the repository is half-written"
                    + " or being published; try again later", e);
        } catch (IOException e) {
            throw new RepositoryException("Cannot download " + patch.location() + " from " + location() + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort; .part files are never used as packages
                }
            }
        }
    }

    private DownloadedLivePatch verified(AvailableLivePatch patch, Path file) {
        RpmPackage rpm = RpmPackage.read(file);
        rpm.verifySignature(keys);
        rpm.verifyDigests();
        if (!rpm.nevra().equals(patch.nevra())) {
            throw new RpmFormatException(file.getFileName() + " is " + rpm.nevra() + ", but the repository lists it as " + patch.nevra());
        }
        PatchRecord record = LivePatchRpm.recordOf(rpm);
        if (!record.livePatch().equals(patch.record().livePatch()) || !record.moduleName().equals(patch.record().moduleName())) {
            throw new RepositoryException(file.getFileName() + ": its patch record differs from the repository's record of it; republish the repository");
        }
        return new DownloadedLivePatch(file, rpm, record);
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[65536];
            for (int n = in.read(b); n >= 0; n = in.read(b)) {
                sha.update(b, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] fetch(Transport t, String path, long max, String where, String advice) {
        try {
            return t.read(path, max);
        } catch (NoSuchFileException e) {
            throw new RepositoryException(where + " has no " + path + ": " + advice, e);
        } catch (IOException e) {
            throw new RepositoryException("Cannot reach repository " + where + " (" + path + "): " + e.getMessage()
                    + "; check the URL and the network, then try again", e);
        }
    }

    /** Fetches a metadata file named in repomd, checks both checksums and returns it uncompressed. */
    private static byte[] data(Transport t, RepoMd repomd, String type, String where) {
        RepoMd.Data d = repomd.find(type).orElseThrow(() -> new RepositoryException(where + ": repomd.xml lists no " + type
                + " metadata; was it published by klp-pack?"));
        byte[] raw;
        try {
            raw = t.read(d.location(), MAX_METADATA);
        } catch (NoSuchFileException e) {
            throw new RepositoryException(where + ": repomd.xml names " + d.location() + ", which is missing: the repository is half-written"
                    + " or being published; try again later", e);
        } catch (IOException e) {
            throw new RepositoryException("Cannot reach repository " + where + " (" + d.location() + "): " + e.getMessage(), e);
        }
        if (!sha256(raw).equals(d.checksum())) {
            throw new RepositoryException(where + ": " + d.location() + " does not match its checksum in the signed repomd.xml;"
                    + " it was changed or damaged (or the repository is being published; try again)");
        }
        byte[] open = raw;
        if (d.location().endsWith(".gz")) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length * 4);
                Transport.copyBounded(in, out, MAX_METADATA, d.location());
                open = out.toByteArray();
            } catch (ZipException e) {
                throw new RepositoryException(where + ": " + d.location() + " is not valid gzip data", e);
            } catch (IOException e) {
                throw new RepositoryException(where + ": cannot read " + d.location() + ": " + e.getMessage(), e);
            }
        } else if (!d.location().endsWith(".xml") && !d.location().endsWith(".json") && !d.location().endsWith(".csv")) {
            throw new RepositoryException(where + ": " + d.location() + " is compressed in a way klp does not read (only gzip)");
        }
        if (!d.openChecksum().isEmpty() && !sha256(open).equals(d.openChecksum())) {
            throw new RepositoryException(where + ": " + d.location() + " does not match its open-checksum in repomd.xml");
        }
        return open;
    }

    private record PrimaryPackage(String name, String arch, String version, String release, String sha256, String location, long size) {
    }

    private static List<PrimaryPackage> primary(byte[] xml, String where) {
        String source = where + " primary.xml";
        XMLStreamReader r = SafeXml.reader(new ByteArrayInputStream(xml), source);
        List<PrimaryPackage> out = new ArrayList<>();
        try {
            String name = null, arch = null, ver = null, rel = null, sha = null, location = null;
            long size = -1;
            int depth = 0;
            while (r.hasNext()) {
                int e = r.next();
                if (e == XMLStreamConstants.START_ELEMENT) {
                    depth++;
                    String el = r.getLocalName();
                    if (depth == 1 && !el.equals("metadata")) {
                        throw new RepositoryException(source + " is not primary metadata (root <" + el + ">)");
                    }
                    if (el.equals("package") && depth == 2) {
                        name = arch = ver = rel = sha = location = null;
                        size = -1;
                    } else if (depth == 3) {
                        switch (el) {
                            case "name" -> {
                                name = r.getElementText().strip();
                                depth--;
                            }
                            case "arch" -> {
                                arch = r.getElementText().strip();
                                depth--;
                            }
                            case "version" -> {
                                ver = r.getAttributeValue(null, "ver");
                                rel = r.getAttributeValue(null, "rel");
                            }
                            case "checksum" -> {
                                if (!"sha256".equals(r.getAttributeValue(null, "type"))) {
                                    throw new RepositoryException(source + ": package checksums must be sha256");
                                }
                                sha = r.getElementText().strip();
                                depth--;
                            }
                            case "location" -> location = r.getAttributeValue(null, "href");
                            case "size" -> size = Long.parseLong(SafeXml.attribute(r, "package", "-1"));
                            default -> {
                                // summary, description, format, …
                            }
                        }
                    }
                } else if (e == XMLStreamConstants.END_ELEMENT) {
                    if (depth == 2 && r.getLocalName().equals("package")) {
                        if (name == null || ver == null || rel == null || sha == null || location == null || size < 0) {
                            throw new RepositoryException(source + ": a package entry lacks name, version, checksum, location or size");
                        }
                        if (location.startsWith("/") || location.contains("..") || location.contains("://")) {
                            throw new RepositoryException(source + ": package location points outside the repository: " + location);
                        }
                        out.add(new PrimaryPackage(name, arch == null ? "noarch" : arch, ver, rel, sha, location, size));
                    }
                    depth--;
                }
            }
        } catch (XMLStreamException e) {
            throw new XmlRefusedException(source + " is not well-formed XML: " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw new RepositoryException(source + ": a package size is not a number", e);
        }
        return out;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
