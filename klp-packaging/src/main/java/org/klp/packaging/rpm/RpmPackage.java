package org.klp.packaging.rpm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.klp.packaging.pgp.SignatureException;
import org.klp.packaging.pgp.TrustedKeys;

/**
 * An RPM package file read into memory: lead, signature header, main header and payload, with
 * the checks a host makes before it trusts one.
 *
 * <p>Trust runs in a chain: the OpenPGP signature in the signature header ({@code RPMSIGTAG_RSA},
 * over the main header's bytes) vouches for the main header; the main header holds the SHA-256
 * of the compressed payload ({@code PAYLOADDIGEST}) and of every file ({@code FILEDIGESTS}). So
 * {@link #verifySignature} plus {@link #verifyDigests} plus the file digests checked by
 * {@link #extract} cover every byte that is installed. Only the JDK is needed; the payload must be
 * gzip-compressed, which is what klp-pack writes.
 */
public final class RpmPackage {

    /** Packages above this size are refused before they are read: live patches are small. */
    public static final long MAX_SIZE = 512L << 20;
    private static final int LEAD = 96;
    private static final byte[] LEAD_MAGIC = {(byte) 0xED, (byte) 0xAB, (byte) 0xEE, (byte) 0xDB};

    private final byte[] bytes;
    private final String source;
    private final RpmHeader signature;
    private final RpmHeader header;
    private final int headerStart;
    private final int payloadStart;
    private String sha256;

    private RpmPackage(byte[] bytes, String source, RpmHeader signature, RpmHeader header, int headerStart, int payloadStart) {
        this.bytes = bytes;
        this.source = source;
        this.signature = signature;
        this.header = header;
        this.headerStart = headerStart;
        this.payloadStart = payloadStart;
    }

    public static RpmPackage read(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > MAX_SIZE) {
                throw new RpmFormatException(file + " is " + size + " bytes, larger than a live patch package may be (" + MAX_SIZE + ")");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // read on
            }
            return parse(buffer.array(), file.getFileName().toString());
        } catch (NoSuchFileException e) {
            throw new RpmFormatException("Package " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read package " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param source names the package in error messages, usually its file name */
    public static RpmPackage parse(byte[] bytes, String source) {
        if (bytes.length < LEAD + 16) {
            throw new RpmFormatException(source + " is not an RPM package: " + bytes.length + " bytes is too short (truncated?)");
        }
        for (int i = 0; i < LEAD_MAGIC.length; i++) {
            if (bytes[i] != LEAD_MAGIC[i]) {
                throw new RpmFormatException(source + " is not an RPM package (no RPM lead magic)");
            }
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        buffer.position(LEAD);
        RpmHeader signature = RpmHeader.read(buffer, "the signature header of " + source);
        int pad = (8 - signature.length() % 8) % 8;
        if (buffer.remaining() < pad) {
            throw new RpmFormatException(source + " is truncated after its signature header");
        }
        buffer.position(buffer.position() + pad);
        int headerStart = buffer.position();
        RpmHeader header = RpmHeader.read(buffer, "the header of " + source);
        return new RpmPackage(bytes, source, signature, header, headerStart, buffer.position());
    }

    public String source() {
        return source;
    }

    public RpmHeader signatureHeader() {
        return signature;
    }

    public RpmHeader header() {
        return header;
    }

    public String name() {
        return header.stringOr(RpmTags.NAME, "");
    }

    public String version() {
        return header.stringOr(RpmTags.VERSION, "");
    }

    public String release() {
        return header.stringOr(RpmTags.RELEASE, "");
    }

    public long epoch() {
        return header.number(RpmTags.EPOCH).orElse(0L);
    }

    public String arch() {
        return header.stringOr(RpmTags.ARCH, "noarch");
    }

    /** {@code name-version-release.arch}, as {@code rpm -q} and klp's records print it. */
    public String nevra() {
        return name() + "-" + version() + "-" + release() + "." + arch();
    }

    /** Byte offset of the main header in the file (rpm-md's {@code header-range start}). */
    public int headerStart() {
        return headerStart;
    }

    /** Byte offset just after the main header (rpm-md's {@code header-range end}). */
    public int headerEnd() {
        return payloadStart;
    }

    public long fileSize() {
        return bytes.length;
    }

    /** The SHA-256 of the whole file, in lower-case hex: the package's id in rpm-md. */
    public String sha256() {
        if (sha256 == null) {
            sha256 = HexFormat.of().formatHex(digest("SHA-256", bytes, 0, bytes.length));
        }
        return sha256;
    }

    /** The installed paths, in header order. */
    public List<String> files() {
        List<String> dirs = header.strings(RpmTags.DIRNAMES);
        List<String> base = header.strings(RpmTags.BASENAMES);
        long[] index = header.numbers(RpmTags.DIRINDEXES);
        List<String> out = new ArrayList<>(base.size());
        for (int i = 0; i < base.size(); i++) {
            int d = i < index.length ? (int) index[i] : -1;
            if (d < 0 || d >= dirs.size()) {
                throw new RpmFormatException("the header of " + source + " is damaged: file " + base.get(i) + " has no directory");
            }
            out.add(dirs.get(d) + base.get(i));
        }
        return out;
    }

    /**
     * Checks the digests the signature and main headers carry: the header's SHA-256, the
     * compressed payload's SHA-256, and the sizes. A truncated or altered package fails here.
     *
     * @throws RpmFormatException naming the digest that does not match
     */
    public void verifyDigests() {
        String headerDigest = signature.string(RpmTags.SIG_SHA256).orElseThrow(() ->
                new RpmFormatException(source + " has no SHA-256 header digest; klp needs packages built by rpm 4.6 or later"));
        String actual = HexFormat.of().formatHex(digest("SHA-256", bytes, headerStart, payloadStart - headerStart));
        if (!actual.equalsIgnoreCase(headerDigest)) {
            throw new RpmFormatException(source + " is damaged: its header does not match its SHA-256 header digest");
        }
        List<String> payloadDigest = header.strings(RpmTags.PAYLOADDIGEST);
        long algo = header.number(RpmTags.PAYLOADDIGESTALGO).orElse((long) RpmTags.DIGEST_SHA256);
        if (payloadDigest.isEmpty() || algo != RpmTags.DIGEST_SHA256) {
            throw new RpmFormatException(source + " has no SHA-256 payload digest; klp needs it to check the package's content");
        }
        String payload = HexFormat.of().formatHex(digest("SHA-256", bytes, payloadStart, bytes.length - payloadStart));
        if (!payload.equalsIgnoreCase(payloadDigest.get(0))) {
            throw new RpmFormatException(source + " is damaged or truncated: its payload does not match the payload digest in its header");
        }
        signature.number(RpmTags.SIG_SIZE).ifPresent(size -> {
            if (size != bytes.length - headerStart) {
                throw new RpmFormatException(source + " is truncated or padded: header and payload are " + (bytes.length - headerStart)
                        + " bytes, the signature header says " + size);
            }
        });
    }

    /**
     * Checks the OpenPGP header signature against the trusted keys.
     *
     * @return the id of the key that signed the package
     * @throws SignatureException when unsigned, signed by another key, or altered
     */
    public String verifySignature(TrustedKeys keys) {
        byte[] sig = signature.bytes(RpmTags.SIG_RSA).orElseThrow(() ->
                new SignatureException(source + " is not signed (no RSA header signature); klp installs signed packages only"));
        return keys.verify(bytes, headerStart, payloadStart - headerStart, sig, "package " + source);
    }

    /** The uncompressed payload: a cpio archive. */
    public InputStream payload() {
        String coding = header.stringOr(RpmTags.PAYLOADCOMPRESSOR, "gzip");
        InputStream raw = new ByteArrayInputStream(bytes, payloadStart, bytes.length - payloadStart);
        try {
            return switch (coding) {
                case "gzip" -> new GZIPInputStream(raw, 65536);
                case "none", "identity" -> raw;
                default -> throw new RpmFormatException(source + " has a " + coding
                        + "-compressed payload; klp reads gzip payloads only (rebuild it with klp-pack)");
            };
        } catch (ZipException e) {
            throw new RpmFormatException(source + " is damaged: its payload is not valid gzip data", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the regular files whose installed path {@code wanted} accepts out of the payload,
     * checking each against the file digest in the header.
     *
     * @return path (absolute, as installed) → content, in archive order
     * @throws RpmFormatException when the payload is damaged or a file does not match its digest
     */
    public Map<String, byte[]> extract(Predicate<String> wanted) {
        Map<String, String> digests = fileDigests();
        String algorithm = header.number(RpmTags.FILEDIGESTALGO).orElse((long) RpmTags.DIGEST_MD5) == RpmTags.DIGEST_SHA256 ? "SHA-256" : "MD5";
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (InputStream in = payload()) {
            CpioReader cpio = new CpioReader(in, MAX_SIZE, source);
            for (CpioReader.Entry e = cpio.next(); e != null; e = cpio.next()) {
                if (!e.isRegularFile() || !wanted.test(e.path())) {
                    continue;
                }
                byte[] data = cpio.readData();
                String expected = digests.get(e.path());
                if (expected == null) {
                    throw new RpmFormatException(source + " is damaged: its payload holds " + e.path() + ", which its header does not list");
                }
                String actual = HexFormat.of().formatHex(digest(algorithm, data, 0, data.length));
                if (!actual.equalsIgnoreCase(expected)) {
                    throw new RpmFormatException(source + " is damaged: " + e.path() + " does not match its digest in the header");
                }
                out.put(e.path(), data);
            }
        } catch (ZipException e) {
            throw new RpmFormatException(source + " is damaged: its payload is not valid gzip data (" + e.getMessage() + ")", e);
        } catch (java.io.EOFException e) {
            throw new RpmFormatException(source + " is truncated: its payload ends early", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private Map<String, String> fileDigests() {
        List<String> files = files();
        List<String> digests = header.strings(RpmTags.FILEDIGESTS);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < files.size() && i < digests.size(); i++) {
            out.put(files.get(i), digests.get(i));
        }
        return out;
    }

    /** The raw bytes of the file. */
    public byte[] bytes() {
        return bytes.clone();
    }

    static byte[] digest(String algorithm, byte[] data, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(data, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }

    @Override
    public String toString() {
        return source + " (" + nevra() + ")";
    }
}
