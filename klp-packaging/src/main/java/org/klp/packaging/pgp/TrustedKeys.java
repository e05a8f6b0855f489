package org.klp.packaging.pgp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenPGP public keys a host trusts, and the check of a detached signature against them:
 * of an RPM header ({@code RPMSIGTAG_RSA}) or of {@code repomd.xml} ({@code repomd.xml.asc}).
 *
 * <p>Written against the JDK alone (RFC 4880 packets, {@code SHA256withRSA}), not Bouncy Castle:
 * loading Bouncy Castle's OpenPGP classes costs the host tool some 150 ms, this costs a few. It
 * reads what klp's signing side (Bouncy Castle) and GnuPG write: armored or binary key blocks of
 * v4 RSA primary keys and subkeys, and v4 binary-document signatures with SHA-256, SHA-384 or
 * SHA-512. Other algorithms and MD5/SHA-1 signatures are refused with a message saying so.
 *
 * <p>Trust is by possession: every key in the file is trusted as the administrator put it there;
 * user ids and their self-signatures are not consulted.
 */
public final class TrustedKeys {

    private record Key(long keyId, byte[] fingerprint, PublicKey rsa) {
    }

    private final Map<Long, Key> byKeyId;
    private final String source;

    private TrustedKeys(Map<Long, Key> byKeyId, String source) {
        this.byKeyId = byKeyId;
        this.source = source;
    }

    /** Reads one or more armored or binary public keys from a file (several keys may be concatenated). */
    public static TrustedKeys read(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Trusted key file " + file + " does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read trusted key file " + file + ": " + e.getMessage(), e);
        }
    }

    public static TrustedKeys parse(byte[] bytes, String source) {
        Map<Long, Key> keys = new LinkedHashMap<>();
        try {
            for (byte[] block : OpenPgp.dearmor(bytes)) {
                for (OpenPgp.Packet p : OpenPgp.packets(block)) {
                    // public keys and subkeys, or the public part of secret ones: a signing key file stands for its public half
                    if (p.tag() == OpenPgp.TAG_PUBLIC_KEY || p.tag() == OpenPgp.TAG_PUBLIC_SUBKEY
                            || p.tag() == OpenPgp.TAG_SECRET_KEY || p.tag() == OpenPgp.TAG_SECRET_SUBKEY) {
                        Key k = publicKey(p.body());
                        if (k != null) {
                            keys.put(k.keyId, k);
                        }
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not an OpenPGP public key: " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no OpenPGP RSA public key (klp verifies RSA signatures)");
        }
        return new TrustedKeys(keys, source);
    }

    /** Key ids (16 hex digits) of all trusted keys and subkeys. */
    public List<String> keyIds() {
        List<String> ids = new ArrayList<>();
        byKeyId.keySet().forEach(id -> ids.add(OpenPgp.keyId(id)));
        return ids;
    }

    /**
     * Checks a detached signature (binary packet or armored) over {@code data}.
     *
     * @param what names the signed thing in error messages, e.g. {@code repomd.xml of http://…}
     * @return the id of the key that made the signature
     * @throws SignatureException when the signature is damaged, by an unknown key or does not match
     */
    public String verify(byte[] data, byte[] signature, String what) {
        return verify(data, 0, data.length, signature, what);
    }

    public String verify(byte[] data, int offset, int length, byte[] signature, String what) {
        if (signature == null || signature.length == 0) {
            throw new SignatureException(what + " has no signature");
        }
        Sig sig;
        try {
            List<byte[]> blocks = OpenPgp.dearmor(signature);
            OpenPgp.Packet p = OpenPgp.packets(blocks.get(0)).stream().filter(x -> x.tag() == OpenPgp.TAG_SIGNATURE).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no signature packet"));
            sig = signature(p.body());
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new SignatureException("The signature of " + what + " is damaged: " + e.getMessage(), e);
        }
        Key key = sig.issuer == null ? null : byKeyId.get(sig.issuer);
        if (key == null) {
            throw new SignatureException("The signature of " + what + " is by key " + (sig.issuer == null ? "(unnamed)" : OpenPgp.keyId(sig.issuer))
                    + ", which is not trusted (trusted: " + String.join(", ", keyIds()) + " from " + source + ")");
        }
        String jca = switch (sig.hash) {
            case 8 -> "SHA256withRSA";
            case 9 -> "SHA384withRSA";
            case 10 -> "SHA512withRSA";
            case 11 -> "SHA224withRSA";
            case 1, 2 -> throw new SignatureException("The signature of " + what + " uses a weak hash (MD5 or SHA-1); klp accepts SHA-256 or stronger");
            default -> throw new SignatureException("The signature of " + what + " uses hash algorithm " + sig.hash + ", which klp does not know");
        };
        if (sig.publicKeyAlgorithm != 1 && sig.publicKeyAlgorithm != 3) {
            throw new SignatureException("The signature of " + what + " is not an RSA signature (algorithm " + sig.publicKeyAlgorithm + ")");
        }
        if (sig.type != 0x00) {
            throw new SignatureException("The signature of " + what + " is not a signature of a binary document (type " + sig.type + ")");
        }
        try {
            Signature s = Signature.getInstance(jca);
            s.initVerify(key.rsa);
            s.update(data, offset, length);
            s.update(sig.hashedPart);
            int n = sig.hashedPart.length;
            s.update(new byte[] {4, (byte) 0xFF, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            byte[] value = sig.value;
            int modulusBytes = (((java.security.interfaces.RSAPublicKey) key.rsa).getModulus().bitLength() + 7) / 8;
            if (value.length < modulusBytes) { // MPIs drop leading zero bytes; PKCS#1 wants the full width
                byte[] padded = new byte[modulusBytes];
                System.arraycopy(value, 0, padded, modulusBytes - value.length, value.length);
                value = padded;
            }
            if (!s.verify(value)) {
                throw new SignatureException("The signature of " + what + " does not match its content: it was changed after signing, or damaged");
            }
        } catch (GeneralSecurityException e) {
            throw new SignatureException("Cannot check the signature of " + what + ": " + e.getMessage(), e);
        }
        return OpenPgp.keyId(key.keyId);
    }

    // ---- RFC 4880 parsing: armor, packets, v4 RSA keys, v4 signatures ----

    private record Sig(int type, int publicKeyAlgorithm, int hash, byte[] hashedPart, Long issuer, byte[] value) {
    }

    /** A v4 RSA key (public or secret packet); null for other versions and algorithms (skipped, not trusted). */
    private static Key publicKey(byte[] body) {
        Object[] rsa = OpenPgp.rsaPublic(body);
        if (rsa == null) {
            return null;
        }
        byte[] fingerprint = OpenPgp.fingerprint(body, (Integer) rsa[2]);
        try {
            PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec((BigInteger) rsa[0], (BigInteger) rsa[1]));
            return new Key(OpenPgp.keyIdOf(fingerprint), fingerprint, key);
        } catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("unusable RSA key: " + ex.getMessage());
        }
    }

    private static Sig signature(byte[] b) {
        if (b.length < 6 || b[0] != 4) {
            throw new IllegalArgumentException("only version 4 signatures are supported (found version " + (b.length == 0 ? "?" : b[0]) + ")");
        }
        int type = b[1] & 0xFF;
        int pk = b[2] & 0xFF;
        int hash = b[3] & 0xFF;
        int hashedLength = ((b[4] & 0xFF) << 8) | (b[5] & 0xFF);
        int hashedEnd = 6 + hashedLength;
        byte[] hashedPart = new byte[hashedEnd];
        System.arraycopy(b, 0, hashedPart, 0, hashedEnd);
        Long issuer = issuer(b, 6, hashedEnd);
        int unhashedLength = ((b[hashedEnd] & 0xFF) << 8) | (b[hashedEnd + 1] & 0xFF);
        int unhashedStart = hashedEnd + 2;
        int unhashedEnd = unhashedStart + unhashedLength;
        if (issuer == null) {
            issuer = issuer(b, unhashedStart, unhashedEnd);
        }
        int[] at = {unhashedEnd + 2}; // skip the left 16 bits of the hash
        byte[] value = OpenPgp.mpi(b, at).toByteArray();
        if (value.length > 1 && value[0] == 0) {
            value = java.util.Arrays.copyOfRange(value, 1, value.length);
        }
        return new Sig(type, pk, hash, hashedPart, issuer, value);
    }

    /** The issuer key id from subpackets 16 (key id) or 33 (v4 fingerprint), or null. */
    private static Long issuer(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int first = b[i++] & 0xFF;
            int length;
            if (first < 192) {
                length = first;
            } else if (first < 255) {
                length = ((first - 192) << 8) + (b[i++] & 0xFF) + 192;
            } else {
                length = ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
                i += 4;
            }
            if (length < 1 || i + length > to) {
                throw new IllegalArgumentException("damaged signature subpacket");
            }
            int type = b[i] & 0x7F;
            if (type == 16 && length == 9) {
                return readLong(b, i + 1);
            }
            if (type == 33 && length == 22 && b[i + 1] == 4) {
                return readLong(b, i + 2 + 12);
            }
            i += length;
        }
        return null;
    }

    private static long readLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
