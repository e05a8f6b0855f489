package org.klp.packaging.repo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.klp.core.lifecycle.SupportPolicy;
import org.klp.packaging.lifecycle.LifecycleData;
import org.klp.packaging.pgp.SigningKey;
import org.klp.packaging.pgp.TrustedKeys;
import org.klp.packaging.product.LifecycleDataRpm;
import org.klp.packaging.record.PatchRecord;
import org.klp.packaging.rpm.RpmPackage;

/**
 * {@code klp-pack repo publish DIR}: writes rpm-md metadata for the packages in a folder.
 *
 * <h2>Files</h2>
 * In {@code DIR/repodata/}: {@code <sha256>-primary.xml.gz}, {@code -filelists.xml.gz},
 * {@code -other.xml.gz} (equivalent to {@code createrepo_c}'s), {@code -updateinfo.xml.gz}
 * ({@link UpdateInfo}), {@code -lifecycle.gz} ({@link LifecycleData}), {@code -klp-patches.json.gz}
 * (every live patch package's {@link PatchRecord}, so that a host learns the fixes of every version
 * without downloading packages), {@code -products.xml.gz} and {@code -patterns.xml.gz} when packages
 * define products or patterns ({@link ProductsAndPatterns}), then {@code repomd.xml}, and with a key {@code repomd.xml.asc}
 * and {@code repomd.xml.key}.
 *
 * <h2>Order of writes</h2>
 * Data files have content-addressed names and are written (temp file, fsync, rename) before
 * {@code repomd.xml} is replaced, so a client never sees an index pointing at a missing file.
 * The data files of the previous index are kept one generation, for clients that fetched it a
 * moment ago; older ones are deleted.
 *
 * <h2>Incremental</h2>
 * Each package file's rendered metadata is cached by path, size and mtime ({@link PublishCache});
 * a publish reads only new or changed files. Every file read is checked (digests, and with a key
 * its signature), so a corrupt package stops the publish before anything is written.
 */
public final class RepositoryPublisher {

    /** What a publish did. */
    public record Result(Path repomd, int packages, int read, int livePatches, List<String> warnings) {
    }

    private static final java.util.regex.Pattern LOCATION = java.util.regex.Pattern.compile("<location href=\"(repodata/[^\"<>]+)\"");
    private static final java.util.concurrent.atomic.AtomicLong TEMP_COUNTER = new java.util.concurrent.atomic.AtomicLong();

    private final SigningKey key;
    private final Clock clock;
    private final SupportPolicy support;
    private final String lifecycleProduct;
    private TrustedKeys trusted;

    /** @param key signs repomd.xml and is the key every package must be signed with; null to publish unsigned */
    public RepositoryPublisher(SigningKey key, Clock clock, SupportPolicy support) {
        this(key, clock, support, null);
    }

    private RepositoryPublisher(SigningKey key, Clock clock, SupportPolicy support, String lifecycleProduct) {
        this.key = key;
        this.clock = clock;
        this.support = support;
        this.lifecycleProduct = lifecycleProduct == null ? null : org.klp.packaging.product.ProductRelease.requireIdentifier(lifecycleProduct);
    }

    /**
     * This publisher, also keeping the folder's lifecycle data package
     * ({@link LifecycleDataRpm}, {@code lifecycle-data-IDENTIFIER}) in step with its live patches:
     * what {@code zypper lifecycle} reads on hosts where the product is installed.
     */
    public RepositoryPublisher withLifecyclePackage(String productIdentifier) {
        return new RepositoryPublisher(key, clock, support, productIdentifier);
    }

    /** @param key signs repomd.xml and is the key every package must be signed with; null to publish unsigned */
    public RepositoryPublisher(SigningKey key) {
        this(key, Clock.systemUTC(), SupportPolicy.DEFAULT);
    }



    /** The public half of the signing key, or null when publishing unsigned. */
    private TrustedKeys trusted() {
        if (trusted == null && key != null) {
            trusted = key.trusted();
        }
        return trusted;
    }

    @SuppressWarnings("try") // the lock is held by the try-with-resources, not used in its body
    public Result publish(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("Repository folder " + dir + " does not exist or is not a folder");
        }
        Timing t = new Timing();
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "klp-pack-publish");
            thread.setDaemon(true);
            return thread;
        });
        try (java.nio.channels.FileChannel lockFile = lock(dir)) {
            Prefetch early = prefetched;
            prefetched = null;
            List<Path> files;
            PublishCache cache;
            if (early != null && early.dir().equals(dir.toAbsolutePath().normalize())) {
                files = join(early.files());
                cache = join(early.cache());
            } else {
                Future<PublishCache> loading = pool.submit(() -> PublishCache.load(dir));
                pool.submit(RepositoryPublisher::warmUp);
                files = listPackages(dir);
                cache = join(loading);
            }
            t.mark("list, load cache");
            List<PackageEntry> entries = new ArrayList<>(files.size());
            int read = 0;
            for (Path f : files) {
                String location = dir.relativize(f).toString().replace('\\', '/');
                BasicFileAttributes attrs = Files.readAttributes(f, BasicFileAttributes.class);
                long mtime = attrs.lastModifiedTime().toMillis();
                PackageEntry e = cache.lookup(location, attrs.size(), mtime);
                if (e == null) {
                    RpmPackage rpm = RpmPackage.read(f);
                    TrustedKeys keys = trusted();
                    if (keys != null) {
                        rpm.verifySignature(keys);
                    }
                    e = PackageEntry.of(rpm, location, mtime);
                    read++;
                }
                entries.add(e);
            }
            t.mark("stat and read packages (" + read + " read)");
            entries.sort(Comparator.comparing(PackageEntry::name).thenComparing(PackageEntry::location));
            List<String> warnings = check(entries);
            Path repodata = dir.resolve("repodata");
            Files.createDirectories(repodata);
            long now = clock.instant().getEpochSecond();

            List<ChunkedGzip.Part> updates = updates(entries);
            List<PackageEntry> livePatches = entries.stream().filter(PackageEntry::isLivePatch).toList();
            LifecycleData lifecycle = lifecycle(livePatches, warnings);
            if (lifecycleProduct != null && !livePatches.isEmpty()) {
                lifecyclePackage(dir, lifecycle, entries);
            }
            t.mark("updateinfo and lifecycle");

            // The documents are independent: compress and write them side by side.
            ChunkedGzip chunks = new ChunkedGzip(cache.chunks());
            List<Callable<RepoMd.Data>> jobs = List.of(
                    () -> writeChunked(repodata, chunks, "primary", entries,
                            "<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"",
                            "</metadata>\n", PackageEntry::primaryXml, now),
                    () -> writeChunked(repodata, chunks, "filelists", entries,
                            "<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"", "</filelists>\n",
                            PackageEntry::filelistsXml, now),
                    () -> writeChunked(repodata, chunks, "other", entries,
                            "<otherdata xmlns=\"http://linux.duke.edu/metadata/other\" packages=\"", "</otherdata>\n",
                            PackageEntry::otherXml, now),
                    () -> writeUpdateInfo(repodata, chunks, entries, updates, now),
                    () -> writeData(repodata, "lifecycle", "gz", lifecycle.write().getBytes(StandardCharsets.UTF_8), now),
                    () -> writeData(repodata, "klp-patches", "json.gz", records(livePatches), now));
            ProductsAndPatterns.Documents solvables = ProductsAndPatterns.of(entries);
            if (!solvables.products().isEmpty()) {
                jobs = new ArrayList<>(jobs);
                jobs.add(() -> writeData(repodata, "products", "xml.gz", document("products", solvables.products()), now));
            }
            if (!solvables.patterns().isEmpty()) {
                jobs = new ArrayList<>(jobs);
                jobs.add(() -> writeData(repodata, "patterns", "xml.gz", document("patterns", solvables.patterns()), now));
            }
            List<Future<RepoMd.Data>> writing = new ArrayList<>();
            for (Callable<RepoMd.Data> job : jobs) {
                writing.add(pool.submit(job));
            }
            List<RepoMd.Data> data = new ArrayList<>();
            for (Future<RepoMd.Data> f : writing) {
                data.add(join(f));
            }
            Future<?> saving = pool.submit(() -> {
                PublishCache.save(dir, entries, chunks.used());
                return null;
            });
            t.mark("compress and write metadata");
            RepoMd repomd = new RepoMd(now, data);
            Set<String> keep = new HashSet<>();
            Path repomdFile = repodata.resolve("repomd.xml");
            try {
                // Only to know which files the previous index names; a pattern is enough and spares the XML parser's start-up.
                java.util.regex.Matcher m = LOCATION.matcher(Files.readString(repomdFile, StandardCharsets.UTF_8));
                while (m.find()) {
                    keep.add(m.group(1));
                }
            } catch (NoSuchFileException | java.nio.charset.MalformedInputException ignored) {
                // no previous index, or a damaged one: nothing to keep for it
            }
            data.forEach(d -> keep.add(d.location()));

            byte[] xml = repomd.write().getBytes(StandardCharsets.UTF_8);
            SigningKey signing = key;
            if (signing != null) {
                byte[] publicKey = signing.publicKeyArmoredBytes();
                Path keyFile = repodata.resolve("repomd.xml.key");
                if (!Files.isRegularFile(keyFile) || !java.util.Arrays.equals(Files.readAllBytes(keyFile), publicKey)) {
                    writeAtomically(keyFile, publicKey);
                }
                writeAtomically(repodata.resolve("repomd.xml.asc"), signing.signArmored(xml).getBytes(StandardCharsets.US_ASCII));
            } else {
                Files.deleteIfExists(repodata.resolve("repomd.xml.asc"));
                Files.deleteIfExists(repodata.resolve("repomd.xml.key"));
            }
            writeAtomically(repomdFile, xml);
            t.mark("repomd and signature");
            removeStale(dir, repodata, keep);
            join(saving);
            t.mark("clean up, cache saved");
            return new Result(repomdFile, entries.size(), read, livePatches.size(), warnings);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot publish " + dir + ": " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Phase timings on stderr when the system property klp.pack.timing is set (for the benchmark). */
    private static final class Timing {
        private final boolean on = System.getProperty("klp.pack.timing") != null;
        private long last = System.nanoTime();

        void mark(String phase) {
            if (on) {
                long now = System.nanoTime();
                System.err.printf("klp-pack timing: %-40s %6.1f ms%n", phase, (now - last) / 1e6);
                last = now;
            }
        }
    }

    private static List<Path> listPackages(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        collect(dir, out, 0);
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private static void collect(Path dir, List<Path> out, int depth) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") || (depth == 0 && name.equals("repodata"))) {
                    continue;
                }
                if (name.endsWith(".rpm") && !name.endsWith(".src.rpm") && Files.isRegularFile(p)) {
                    out.add(p);
                } else if (depth < 4 && Files.isDirectory(p)) {
                    collect(p, out, depth + 1);
                }
            }
        }
    }

    /** Refuses two files of one package version; warns of gaps between live patch versions. */
    private static List<String> check(List<PackageEntry> entries) {
        List<String> warnings = new ArrayList<>();
        Map<String, PackageEntry> byNevra = new LinkedHashMap<>();
        Map<String, TreeMap<Integer, PackageEntry>> versions = new LinkedHashMap<>();
        for (PackageEntry e : entries) {
            PackageEntry twin = byNevra.putIfAbsent(e.nevra(), e);
            if (twin != null) {
                throw new IllegalArgumentException("Duplicate package " + e.nevra() + ": " + twin.location() + " and " + e.location()
                        + "; remove one before publishing");
            }
            if (e.isLivePatch()) {
                try {
                    versions.computeIfAbsent(e.name(), k -> new TreeMap<>()).put(Integer.parseInt(e.version()), e);
                } catch (NumberFormatException ignored) {
                    warnings.add(e.location() + ": live patch version '" + e.version() + "' is not a number");
                }
            }
        }
        versions.forEach((name, v) -> {
            int expected = v.firstKey();
            for (int n : v.keySet()) {
                if (n != expected) {
                    warnings.add(name + ": versions " + expected + (n - 1 > expected ? "-" + (n - 1) : "") + " are missing (version gap)");
                }
                expected = n + 1;
            }
        });
        return warnings;
    }

    private LifecycleData lifecycle(List<PackageEntry> livePatches, List<String> warnings) {
        Map<String, String> earliest = new TreeMap<>();
        for (PackageEntry e : livePatches) {
            if (!e.kernelReleased().isEmpty()) {
                earliest.merge(e.name(), e.kernelReleased(), (a, b) -> a.compareTo(b) <= 0 ? a : b); // ISO dates sort as text
            }
        }
        Map<String, LocalDate> released = new TreeMap<>();
        earliest.forEach((name, day) -> released.put(name, isoDate(day)));
        for (PackageEntry e : livePatches) {
            if (!released.containsKey(e.name())) {
                warnings.add(e.name() + ": no package records its kernel's release date; it has no lifecycle entry"
                        + " (rebuild with klp-pack rpm --kernel-released DATE)");
                released.put(e.name(), null);
            }
        }
        List<LifecycleData.Entry> lines = new ArrayList<>();
        released.forEach((name, date) -> {
            if (date != null) {
                lines.add(new LifecycleData.Entry(name, "*", support.endOfSupport(date)));
            }
        });
        return new LifecycleData(lines);
    }

    /** Rebuilds the lifecycle data package when its rows changed, and puts it in place of the older one among the entries. */
    private void lifecyclePackage(Path dir, LifecycleData lifecycle, List<PackageEntry> entries) throws IOException {
        java.util.Optional<Path> made = LifecycleDataRpm.ensure(dir, lifecycleProduct, lifecycle, key);
        if (made.isEmpty()) {
            return;
        }
        String name = LifecycleDataRpm.packageName(lifecycleProduct);
        entries.removeIf(e -> e.name().equals(name) && e.location().indexOf('/') < 0);
        Path file = made.get();
        entries.add(PackageEntry.of(RpmPackage.read(file), dir.relativize(file).toString().replace('\\', '/'),
                Files.getLastModifiedTime(file).toMillis()));
        entries.sort(Comparator.comparing(PackageEntry::name).thenComparing(PackageEntry::location));
    }

    /** Parses the yyyy-mm-dd the records hold (validated when the record was read) without DateTimeFormatter's start-up. */
    private static LocalDate isoDate(String day) {
        if (day.length() == 10 && day.charAt(4) == '-' && day.charAt(7) == '-') {
            return LocalDate.of(Integer.parseInt(day, 0, 4, 10), Integer.parseInt(day, 5, 7, 10), Integer.parseInt(day, 8, 10, 10));
        }
        return LocalDate.parse(day);
    }

    /**
     * The updateinfo elements, by package name and version. An entry's element is reused when
     * version N-1 is the same package it was computed against; otherwise (new package, N-1 added
     * or replaced) it is computed from the two records, and the entry in {@code entries} replaced.
     */
    private static List<ChunkedGzip.Part> updates(List<PackageEntry> entries) {
        Map<String, TreeMap<Integer, Integer>> byName = new TreeMap<>();
        for (int i = 0; i < entries.size(); i++) {
            PackageEntry e = entries.get(i);
            if (e.isLivePatch()) {
                try {
                    byName.computeIfAbsent(e.name(), k -> new TreeMap<>()).put(Integer.parseInt(e.version()), i);
                } catch (NumberFormatException ignored) {
                    // warned about in check()
                }
            }
        }
        List<ChunkedGzip.Part> out = new ArrayList<>();
        for (TreeMap<Integer, Integer> versions : byName.values()) {
            for (Map.Entry<Integer, Integer> v : versions.entrySet()) {
                PackageEntry e = entries.get(v.getValue());
                Integer before = versions.get(v.getKey() - 1);
                PackageEntry previous = before == null ? null : entries.get(before);
                String basis = previous == null ? "-" : previous.pkgid();
                if (!e.updateBasis().equals(basis)) {
                    e = e.withUpdate(basis, UpdateInfo.update(e, e.record(), previous == null ? null : previous.record()));
                    entries.set(v.getValue(), e);
                }
                if (e.updateXml().length > 0) {
                    out.add(new ChunkedGzip.Part(e.updateXml(), partId(e) + " " + e.updateBasis()));
                }
            }
        }
        return out;
    }

    private record Prefetch(Path dir, Future<List<Path>> files, Future<PublishCache> cache) {
    }

    private static volatile Prefetch prefetched;

    /**
     * Starts, on a background thread, what the next {@link #publish} of {@code dir} does first:
     * listing the package files, loading the cache, warming up crypto and JSON. The command line
     * calls it before parsing its arguments properly, which in a fresh JVM takes as long as these
     * (picocli loads some 200 classes). Both are safe to do early: the listing is as fresh as one
     * made a moment later, and a cache entry only counts for a file of the same size and mtime.
     * A publish of another folder ignores it.
     */
    public static void prefetch(Path dir) {
        java.util.concurrent.FutureTask<List<Path>> files = new java.util.concurrent.FutureTask<>(() -> listPackages(dir));
        java.util.concurrent.FutureTask<PublishCache> cache = new java.util.concurrent.FutureTask<>(() -> PublishCache.load(dir));
        Thread t = new Thread(() -> {
            files.run();
            cache.run();
            try {
                warmUp();
            } catch (Exception ignored) {
                // only a warm-up
            }
        }, "klp-pack-prefetch");
        t.setDaemon(true);
        prefetched = new Prefetch(dir.toAbsolutePath().normalize(), files, cache);
        t.start();
    }

    /**
     * Exercises, on a second thread while the main one lists the folder, the code that reading a
     * new package needs (SHA-256, RSA, gzip, JSON): in a fresh JVM its first use costs more than
     * the work itself.
     */
    private static Void warmUp() throws Exception {
        MessageDigest.getInstance("SHA-256").digest(new byte[64]);
        java.security.Signature.getInstance("SHA256withRSA");
        java.security.KeyFactory.getInstance("RSA");
        org.klp.packaging.record.PatchRecordJson.readAll("[]", "warm-up");
        new java.util.zip.Inflater().end();
        return null;
    }

    private static <T> T join(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    /** A products or patterns document of rpm-md: the elements in one root element. */
    private static byte[] document(String root, List<byte[]> elements) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root + " xmlns=\"http://novell.com/package/metadata/suse/" + root
                + "\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" count=\"" + elements.size() + "\">\n").getBytes(StandardCharsets.UTF_8));
        elements.forEach(out::writeBytes);
        out.writeBytes(("</" + root + ">\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** The records as a JSON array: the records' own JSON, as each package ships it, joined. */
    private static byte[] records(List<PackageEntry> livePatches) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(livePatches.size() * 1024 + 4);
        json.write('[');
        for (int i = 0; i < livePatches.size(); i++) {
            byte[] r = livePatches.get(i).recordJson();
            int end = r.length;
            while (end > 0 && (r[end - 1] == '\n' || r[end - 1] == ' ' || r[end - 1] == '\r')) {
                end--;
            }
            json.write(i == 0 ? '\n' : ',');
            if (i > 0) {
                json.write('\n');
            }
            json.write(r, 0, end);
        }
        json.writeBytes("\n]\n".getBytes(StandardCharsets.UTF_8));
        return json.toByteArray();
    }

    private interface Fragment {
        byte[] of(PackageEntry e);
    }

    /** What a fragment of the entry depends on: it changes whenever the fragment may. */
    private static String partId(PackageEntry e) {
        return e.location() + " " + e.size() + " " + e.mtimeMillis() + " " + e.pkgid();
    }

    private static RepoMd.Data writeChunked(Path repodata, ChunkedGzip chunks, String type, List<PackageEntry> entries, String open,
                                            String close, Fragment fragment, long now) throws IOException {
        List<ChunkedGzip.Part> parts = new ArrayList<>(entries.size());
        for (PackageEntry e : entries) {
            parts.add(new ChunkedGzip.Part(fragment.of(e), partId(e)));
        }
        byte[] head = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + open + entries.size() + "\">\n").getBytes(StandardCharsets.UTF_8);
        return store(repodata, type, "xml.gz", chunks.write(type, head, parts, close.getBytes(StandardCharsets.UTF_8)), now);
    }

    private static RepoMd.Data writeUpdateInfo(Path repodata, ChunkedGzip chunks, List<PackageEntry> entries, List<ChunkedGzip.Part> updates,
                                               long now) throws IOException {
        byte[] head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n".getBytes(StandardCharsets.UTF_8);
        return store(repodata, "updateinfo", "xml.gz", chunks.write("updateinfo", head, updates, "</updates>\n".getBytes(StandardCharsets.UTF_8)), now);
    }

    private static RepoMd.Data store(Path repodata, String type, String extension, ChunkedGzip.Result r, long now) throws IOException {
        byte[] compressed = r.compressed();
        String checksum = sha256(compressed);
        String name = checksum + "-" + type + "." + extension;
        Path target = repodata.resolve(name);
        if (!Files.exists(target) || Files.size(target) != compressed.length) {
            writeAtomically(target, compressed);
        }
        return new RepoMd.Data(type, checksum, r.openChecksum(), "repodata/" + name, now, compressed.length, r.openSize());
    }

    /**
     * Compresses and writes one metadata file. {@code open-checksum} (the SHA-256 of the
     * uncompressed data) is written for the standard rpm-md types, as createrepo_c and modifyrepo_c
     * do; klp's own types (lifecycle, klp-patches) have only the checksum of the file, which is what
     * clients verify, and spare a publish hashing megabytes twice.
     */
    private static RepoMd.Data writeData(Path repodata, String type, String extension, byte[] open, long now) throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream(open.length / 4 + 64);
        try (GZIPOutputStream out = new GZIPOutputStream(gz, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED); // a few percent larger, several times faster than the default level
            }
        }) {
            out.write(open);
        }
        byte[] compressed = gz.toByteArray();
        String checksum = sha256(compressed);
        String name = checksum + "-" + type + "." + extension;
        Path target = repodata.resolve(name);
        if (!Files.exists(target) || Files.size(target) != compressed.length) {
            writeAtomically(target, compressed);
        }
        boolean standard = type.equals("primary") || type.equals("filelists") || type.equals("other") || type.equals("updateinfo");
        return new RepoMd.Data(type, checksum, standard ? sha256(open) : "", "repodata/" + name, now, compressed.length, open.length);
    }

    private static void removeStale(Path dir, Path repodata, Set<String> keep) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(repodata)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.startsWith("repomd.xml")) {
                    continue;
                }
                if (!keep.contains("repodata/" + name) && name.matches("[0-9a-f]{64}-.*|\\..*\\.tmp")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = tempFile(target);
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            tmp.toFile().setReadable(true, false);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Holds {@code DIR/.klp-pack/lock} for the publish: two publishes of one folder at once are refused. */
    private static java.nio.channels.FileChannel lock(Path dir) throws IOException {
        Path file = PublishCache.file(dir).resolveSibling("lock");
        Files.createDirectories(file.getParent());
        java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (channel.tryLock() == null) {
                throw new IllegalStateException("Another klp-pack repo publish is running on " + dir + "; try again when it is done");
            }
        } catch (java.nio.channels.OverlappingFileLockException e) {
            channel.close();
            throw new IllegalStateException("Another publish of " + dir + " is running in this process", e);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    /**
     * A new temporary file next to {@code target}: {@code .<name>.<pid>.<n>.tmp}, created exclusively
     * (Files.createTempFile would seed a SecureRandom, which costs a fresh JVM tens of milliseconds).
     */
    static Path tempFile(Path target) throws IOException {
        while (true) {
            Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
                    + TEMP_COUNTER.incrementAndGet() + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // left by a crashed run of a process with the same pid: try the next number
            }
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
