package org.klp.packaging.pgp;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The parts of OpenPGP (RFC 4880) klp reads and writes with the JDK alone: ASCII armor, packet
 * framing, multiprecision integers, v4 key fingerprints. Shared by {@link TrustedKeys} (verifying,
 * on hosts) and {@link SigningKey} (signing, on the publisher).
 */
final class OpenPgp {

    static final int TAG_SIGNATURE = 2;
    static final int TAG_SECRET_KEY = 5;
    static final int TAG_PUBLIC_KEY = 6;
    static final int TAG_SECRET_SUBKEY = 7;
    static final int TAG_USER_ID = 13;
    static final int TAG_PUBLIC_SUBKEY = 14;

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** One packet: its tag and body. */
    record Packet(int tag, byte[] body) {
    }

    private OpenPgp() {
    }

    static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
            out[2 * i + 1] = HEX[bytes[i] & 0xF];
        }
        return new String(out);
    }

    static String keyId(long id) {
        return String.format("%016X", id);
    }

    /** The binary blocks of an armored text (CRC checked when present), or the input itself if it is binary. */
    static List<byte[]> dearmor(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!text.contains("-----BEGIN PGP ")) {
            if (bytes.length == 0 || (bytes[0] & 0x80) == 0) {
                throw new IllegalArgumentException("neither ASCII-armored nor binary OpenPGP data");
            }
            return List.of(bytes);
        }
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int begin = text.indexOf("-----BEGIN PGP ", at);
            if (begin < 0) {
                break;
            }
            int headerEnd = text.indexOf('\n', begin);
            int end = headerEnd < 0 ? -1 : text.indexOf("-----END PGP ", headerEnd);
            if (end < 0) {
                throw new IllegalArgumentException("armor without an END line");
            }
            StringBuilder b64 = new StringBuilder();
            String crc = null;
            boolean body = false;
            for (String line : text.substring(headerEnd + 1, end).split("\r?\n")) {
                String l = line.strip();
                if (!body) {
                    body = l.isEmpty() || !l.contains(": "); // armor headers end at an empty line (some writers omit both)
                    if (!body || l.isEmpty()) {
                        continue;
                    }
                }
                if (l.startsWith("=") && l.length() == 5) {
                    crc = l.substring(1);
                } else {
                    b64.append(l);
                }
            }
            byte[] data;
            try {
                data = Base64.getDecoder().decode(b64.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("armor is not valid base64");
            }
            if (crc != null) {
                byte[] c = Base64.getDecoder().decode(crc);
                int expected = ((c[0] & 0xFF) << 16) | ((c[1] & 0xFF) << 8) | (c[2] & 0xFF);
                if (crc24(data) != expected) {
                    throw new IllegalArgumentException("armor checksum does not match (damaged)");
                }
            }
            out.add(data);
            at = end + 13;
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no armored block");
        }
        return out;
    }

    /** ASCII armor of {@code kind} ("SIGNATURE", "PUBLIC KEY BLOCK"), as GnuPG writes it. */
    static String armor(String kind, byte[] data) {
        StringBuilder out = new StringBuilder(data.length * 4 / 3 + 100);
        out.append("-----BEGIN PGP ").append(kind).append("-----\n\n");
        String b64 = Base64.getEncoder().encodeToString(data);
        for (int i = 0; i < b64.length(); i += 64) {
            out.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        int crc = crc24(data);
        out.append('=').append(Base64.getEncoder().encodeToString(new byte[] {(byte) (crc >> 16), (byte) (crc >> 8), (byte) crc})).append('\n');
        out.append("-----END PGP ").append(kind).append("-----\n");
        return out.toString();
    }

    static int crc24(byte[] data) {
        int crc = 0xB704CE;
        for (byte b : data) {
            crc ^= (b & 0xFF) << 16;
            for (int i = 0; i < 8; i++) {
                crc <<= 1;
                if ((crc & 0x1000000) != 0) {
                    crc ^= 0x1864CFB;
                }
            }
        }
        return crc & 0xFFFFFF;
    }

    static List<Packet> packets(byte[] data) {
        List<Packet> out = new ArrayList<>();
        int i = 0;
        while (i < data.length) {
            int ctb = data[i++] & 0xFF;
            if ((ctb & 0x80) == 0) {
                throw new IllegalArgumentException("not an OpenPGP packet at byte " + (i - 1));
            }
            int tag;
            long length;
            if ((ctb & 0x40) != 0) { // new format
                tag = ctb & 0x3F;
                int first = data[i++] & 0xFF;
                if (first < 192) {
                    length = first;
                } else if (first < 224) {
                    length = ((first - 192) << 8) + (data[i++] & 0xFF) + 192;
                } else if (first == 255) {
                    length = int32(data, i) & 0xFFFFFFFFL;
                    i += 4;
                } else {
                    throw new IllegalArgumentException("partial-length packets are not supported here");
                }
            } else { // old format
                tag = (ctb >> 2) & 0x0F;
                switch (ctb & 0x03) {
                    case 0 -> length = data[i++] & 0xFF;
                    case 1 -> {
                        length = ((data[i] & 0xFF) << 8) | (data[i + 1] & 0xFF);
                        i += 2;
                    }
                    case 2 -> {
                        length = int32(data, i) & 0xFFFFFFFFL;
                        i += 4;
                    }
                    default -> length = data.length - i;
                }
            }
            if (length < 0 || i + length > data.length) {
                throw new IllegalArgumentException("packet runs past the end of the data (truncated)");
            }
            byte[] body = new byte[(int) length];
            System.arraycopy(data, i, body, 0, (int) length);
            out.add(new Packet(tag, body));
            i += (int) length;
        }
        return out;
    }

    /** An old-format packet (tags up to 15), as GnuPG writes them and every rpm reads them. */
    static void writePacket(ByteArrayOutputStream out, int tag, byte[] body) {
        if (body.length < 256) {
            out.write(0x80 | (tag << 2));
            out.write(body.length);
        } else if (body.length < 65536) {
            out.write(0x80 | (tag << 2) | 1);
            out.write(body.length >> 8);
            out.write(body.length);
        } else {
            out.write(0x80 | (tag << 2) | 2);
            out.write(body.length >>> 24);
            out.write(body.length >> 16);
            out.write(body.length >> 8);
            out.write(body.length);
        }
        out.writeBytes(body);
    }

    static int int32(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    /** Reads the MPI at {@code at[0]} and advances it. */
    static BigInteger mpi(byte[] b, int[] at) {
        if (at[0] + 2 > b.length) {
            throw new IllegalArgumentException("number runs past the end of its packet (truncated)");
        }
        int bits = ((b[at[0]] & 0xFF) << 8) | (b[at[0] + 1] & 0xFF);
        int bytes = (bits + 7) / 8;
        if (at[0] + 2 + bytes > b.length) {
            throw new IllegalArgumentException("number runs past the end of its packet (truncated)");
        }
        byte[] m = new byte[bytes];
        System.arraycopy(b, at[0] + 2, m, 0, bytes);
        at[0] += 2 + bytes;
        return new BigInteger(1, m);
    }

    static void writeMpi(ByteArrayOutputStream out, BigInteger n) {
        byte[] v = n.toByteArray();
        int skip = v.length > 1 && v[0] == 0 ? 1 : 0;
        int bits = n.bitLength();
        out.write(bits >> 8);
        out.write(bits);
        out.write(v, skip, v.length - skip);
    }

    /**
     * The public part of a v4 RSA key packet body (public or secret key): {n, e, length of the
     * public part}; null for other versions or algorithms.
     */
    static Object[] rsaPublic(byte[] body) {
        if (body.length < 6 || body[0] != 4 || ((body[5] & 0xFF) != 1 && (body[5] & 0xFF) != 3)) {
            return null;
        }
        int[] at = {6};
        BigInteger n = mpi(body, at);
        BigInteger e = mpi(body, at);
        return new Object[] {n, e, at[0]};
    }

    /** The v4 fingerprint: SHA-1 of 0x99, the two-byte length and the public part of the key packet. */
    static byte[] fingerprint(byte[] body, int publicLength) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(new byte[] {(byte) 0x99, (byte) (publicLength >> 8), (byte) publicLength});
            sha1.update(body, 0, publicLength);
            return sha1.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The key id: the low 64 bits of the fingerprint. */
    static long keyIdOf(byte[] fingerprint) {
        long id = 0;
        for (int i = 12; i < 20; i++) {
            id = (id << 8) | (fingerprint[i] & 0xFF);
        }
        return id;
    }
}
