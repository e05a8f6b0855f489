package org.klp.packaging.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.List;

/**
 * An OpenPGP RSA secret key that signs packages and repository metadata: v4 binary-document
 * signatures with SHA-256 whose hashed area names the creation time and the issuer (fingerprint
 * and key id), the form GnuPG and rpmsign write and rpm, GnuPG, zypper, Bouncy Castle and
 * {@link TrustedKeys} verify.
 *
 * <p>Reads the unprotected secret key block {@code klp-pack key generate} writes (Bouncy Castle
 * makes the key) and signs with the JDK's RSA: Bouncy Castle's OpenPGP classes take longer to load
 * than a whole incremental repository publish takes otherwise. A key protected by a passphrase is
 * refused with advice; klp's signing keys live unprotected on the signing host, mode 0600.
 */
public final class SigningKey {

    private final PrivateKey privateKey;
    private final byte[] fingerprint;
    private final long keyId;
    private final byte[] publicBlock;

    private SigningKey(PrivateKey privateKey, byte[] fingerprint, byte[] publicBlock) {
        this.privateKey = privateKey;
        this.fingerprint = fingerprint;
        this.keyId = OpenPgp.keyIdOf(fingerprint);
        this.publicBlock = publicBlock;
    }

    public static SigningKey read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Signing key " + file + " does not exist (make one with: klp-pack key generate --name NAME --output DIR)");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read signing key " + file + ": " + e.getMessage(), e);
        }
        return parse(bytes, file.toString());
    }

    public static SigningKey parse(byte[] bytes, String source) {
        List<OpenPgp.Packet> packets;
        try {
            packets = OpenPgp.packets(OpenPgp.dearmor(bytes).get(0));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException(source + " is not an OpenPGP secret key: " + e.getMessage(), e);
        }
        OpenPgp.Packet secret = packets.stream().filter(p -> p.tag() == OpenPgp.TAG_SECRET_KEY).findFirst().orElseThrow(() ->
                new IllegalArgumentException(source + " holds no OpenPGP secret key" + (packets.stream().anyMatch(p -> p.tag() == OpenPgp.TAG_PUBLIC_KEY)
                        ? " (it is a public key; --key wants the secret key file, e.g. klp.secret.asc)" : "")));
        byte[] body = secret.body();
        Object[] rsa;
        try {
            rsa = OpenPgp.rsaPublic(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is damaged: " + e.getMessage(), e);
        }
        if (rsa == null) {
            throw new IllegalArgumentException(source + " is not a v4 RSA key; klp signs with RSA keys (klp-pack key generate makes one)");
        }
        int at = (Integer) rsa[2];
        if (at >= body.length || body[at] != 0) {
            throw new IllegalArgumentException(source + " is protected by a passphrase; klp-pack needs an unprotected key"
                    + " (gpg --export-secret-keys after removing the passphrase, or klp-pack key generate)");
        }
        int[] pos = {at + 1};
        BigInteger n = (BigInteger) rsa[0];
        BigInteger e = (BigInteger) rsa[1];
        BigInteger d;
        BigInteger p;
        BigInteger q;
        try {
            d = OpenPgp.mpi(body, pos);
            p = OpenPgp.mpi(body, pos);
            q = OpenPgp.mpi(body, pos);
            OpenPgp.mpi(body, pos); // u = p^-1 mod q; the JDK wants q^-1 mod p instead
            int sum = 0;
            for (int i = at + 1; i < pos[0]; i++) {
                sum = (sum + (body[i] & 0xFF)) & 0xFFFF;
            }
            if (pos[0] + 2 > body.length || sum != (((body[pos[0]] & 0xFF) << 8) | (body[pos[0] + 1] & 0xFF))) {
                throw new IllegalArgumentException("the secret key's checksum does not match");
            }
            if (!p.multiply(q).equals(n)) {
                throw new IllegalArgumentException("its primes do not make its modulus");
            }
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(source + " is damaged: " + ex.getMessage(), ex);
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q,
                    d.mod(p.subtract(BigInteger.ONE)), d.mod(q.subtract(BigInteger.ONE)), q.modInverse(p)));
        } catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException(source + " holds an unusable RSA key: " + ex.getMessage(), ex);
        }
        return new SigningKey(key, OpenPgp.fingerprint(body, at), publicBlock(packets));
    }

    /** The transferable public key: secret key packets cut to their public part, user ids and signatures kept. */
    private static byte[] publicBlock(List<OpenPgp.Packet> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (OpenPgp.Packet p : packets) {
            switch (p.tag()) {
                case OpenPgp.TAG_SECRET_KEY, OpenPgp.TAG_SECRET_SUBKEY -> {
                    Object[] rsa = OpenPgp.rsaPublic(p.body());
                    if (rsa != null) {
                        byte[] pub = java.util.Arrays.copyOf(p.body(), (Integer) rsa[2]);
                        OpenPgp.writePacket(out, p.tag() == OpenPgp.TAG_SECRET_KEY ? OpenPgp.TAG_PUBLIC_KEY : OpenPgp.TAG_PUBLIC_SUBKEY, pub);
                    }
                }
                case OpenPgp.TAG_PUBLIC_KEY, OpenPgp.TAG_PUBLIC_SUBKEY, OpenPgp.TAG_USER_ID, OpenPgp.TAG_SIGNATURE ->
                        OpenPgp.writePacket(out, p.tag(), p.body());
                default -> {
                    // trust packets and the like stay private
                }
            }
        }
        return out.toByteArray();
    }

    /** Signs {@code data}; returns the binary OpenPGP signature packet (what an RPM header stores). */
    public byte[] sign(byte[] data) {
        return sign(data, 0, data.length);
    }

    public byte[] sign(byte[] data, int offset, int length) {
        ByteArrayOutputStream hashed = new ByteArrayOutputStream(64);
        long now = System.currentTimeMillis() / 1000;
        hashed.writeBytes(new byte[] {4, 0x00, 1, 8, 0, 0}); // v4, binary document, RSA, SHA-256, hashed length (set below)
        hashed.writeBytes(new byte[] {5, 2, (byte) (now >>> 24), (byte) (now >>> 16), (byte) (now >>> 8), (byte) now}); // creation time
        hashed.write(22);
        hashed.write(33); // issuer fingerprint, v4
        hashed.write(4);
        hashed.writeBytes(fingerprint);
        hashed.write(9);
        hashed.write(16); // issuer key id
        for (int i = 7; i >= 0; i--) {
            hashed.write((int) (keyId >>> (8 * i)));
        }
        byte[] head = hashed.toByteArray();
        int subpackets = head.length - 6;
        head[4] = (byte) (subpackets >> 8);
        head[5] = (byte) subpackets;
        int n = head.length;
        byte[] trailer = {4, (byte) 0xFF, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(data, offset, length);
            sha.update(head);
            sha.update(trailer);
            byte[] digest = sha.digest();
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(privateKey);
            rsa.update(data, offset, length);
            rsa.update(head);
            rsa.update(trailer);
            byte[] value = rsa.sign();
            ByteArrayOutputStream body = new ByteArrayOutputStream(head.length + value.length + 8);
            body.writeBytes(head);
            body.writeBytes(new byte[] {0, 0}); // no unhashed subpackets
            body.write(digest[0]);
            body.write(digest[1]);
            OpenPgp.writeMpi(body, new BigInteger(1, value));
            ByteArrayOutputStream packet = new ByteArrayOutputStream(body.size() + 3);
            OpenPgp.writePacket(packet, OpenPgp.TAG_SIGNATURE, body.toByteArray());
            return packet.toByteArray();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Could not sign with key " + keyId() + ": " + e.getMessage(), e);
        }
    }

    /** A detached, ASCII-armored signature of {@code data}, as {@code repomd.xml.asc} holds. */
    public String signArmored(byte[] data) {
        return OpenPgp.armor("SIGNATURE", sign(data));
    }

    /** The public half, ASCII-armored: what {@code rpm --import} and {@code repomd.xml.key} take. */
    public String publicKeyArmored() {
        return OpenPgp.armor("PUBLIC KEY BLOCK", publicBlock);
    }

    public byte[] publicKeyArmoredBytes() {
        return publicKeyArmored().getBytes(StandardCharsets.US_ASCII);
    }

    /** The 16-hex-digit key id. */
    public String keyId() {
        return OpenPgp.keyId(keyId);
    }

    public String fingerprint() {
        return OpenPgp.hex(fingerprint);
    }

    /** This key's public half as a trust anchor. */
    public TrustedKeys trusted() {
        return TrustedKeys.parse(publicBlock, "the public half of signing key " + keyId());
    }
}
