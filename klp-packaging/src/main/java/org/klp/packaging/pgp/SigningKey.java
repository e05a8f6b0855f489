package org.klp.packaging.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Date;
import java.util.Iterator;
import org.bouncycastle.bcpg.BCPGOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PacketFormat;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPBESecretKeyDecryptorBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;

/**
 * An OpenPGP RSA secret key that signs packages and repository metadata: v4 binary-document
 * signatures with SHA-256, whose hashed area names the issuer (key id and fingerprint) and the
 * creation time, as rpm's and GnuPG's verifiers want.
 *
 * <p>Reads the armored (or binary) secret key ring {@code klp-pack key generate} writes. A key
 * protected by a passphrase is refused with advice; klp's keys live unprotected on the signing host.
 */
public final class SigningKey {

    private final PGPPrivateKey privateKey;
    private final PGPPublicKey publicKey;
    private final PGPPublicKeyRing publicRing;

    private SigningKey(PGPPrivateKey privateKey, PGPPublicKey publicKey, PGPPublicKeyRing publicRing) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.publicRing = publicRing;
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
        try (InputStream in = org.bouncycastle.openpgp.PGPUtil.getDecoderStream(new java.io.ByteArrayInputStream(bytes))) {
            PGPSecretKeyRing ring = new PGPSecretKeyRing(in, new BcKeyFingerprintCalculator());
            PGPSecretKey secret = ring.getSecretKey();
            if (secret == null || !secret.isSigningKey()) {
                throw new IllegalArgumentException(source + " holds no OpenPGP signing key");
            }
            PGPPrivateKey privateKey;
            try {
                privateKey = secret.extractPrivateKey(new BcPBESecretKeyDecryptorBuilder(new BcPGPDigestCalculatorProvider()).build(new char[0]));
            } catch (PGPException e) {
                throw new IllegalArgumentException(source + " is protected by a passphrase; klp-pack needs an unprotected key"
                        + " (gpg --export-secret-keys after removing the passphrase, or klp-pack key generate)", e);
            }
            Iterator<PGPPublicKey> keys = ring.getPublicKeys();
            java.util.List<PGPPublicKey> list = new java.util.ArrayList<>();
            keys.forEachRemaining(list::add);
            return new SigningKey(privateKey, secret.getPublicKey(), new PGPPublicKeyRing(list));
        } catch (IOException | PGPException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException(source + " is not an OpenPGP secret key: " + e.getMessage(), e);
        }
    }

    /** Signs {@code data}; returns the binary OpenPGP signature packet (what an RPM header stores). */
    public byte[] sign(byte[] data) {
        return sign(data, 0, data.length);
    }

    public byte[] sign(byte[] data, int offset, int length) {
        try {
            PGPSignatureGenerator generator = new PGPSignatureGenerator(
                    new BcPGPContentSignerBuilder(publicKey.getAlgorithm(), HashAlgorithmTags.SHA256), publicKey);
            generator.init(PGPSignature.BINARY_DOCUMENT, privateKey);
            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setSignatureCreationTime(false, new Date());
            hashed.setIssuerFingerprint(false, publicKey);
            hashed.setIssuerKeyID(false, publicKey.getKeyID());
            generator.setHashedSubpackets(hashed.generate());
            generator.update(data, offset, length);
            PGPSignature signature = generator.generate();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            // Old-format packet headers, as gpg writes them: rpm's own OpenPGP parser accepts both, older ones only these.
            try (BCPGOutputStream packets = new BCPGOutputStream(out, PacketFormat.LEGACY)) {
                signature.encode(packets);
            }
            return out.toByteArray();
        } catch (PGPException | IOException e) {
            throw new IllegalStateException("Could not sign with key " + keyId() + ": " + e.getMessage(), e);
        }
    }

    /** A detached, ASCII-armored signature of {@code data}, as {@code repomd.xml.asc} holds. */
    public String signArmored(byte[] data) {
        byte[] packet = sign(data);
        return KeyPairGenerator.armor(out -> out.write(packet));
    }

    /** The public half, ASCII-armored: what {@code rpm --import} and {@code repomd.xml.key} take. */
    public String publicKeyArmored() {
        return KeyPairGenerator.armor(publicRing::encode);
    }

    public byte[] publicKeyArmoredBytes() {
        return publicKeyArmored().getBytes(StandardCharsets.US_ASCII);
    }

    /** The 16-hex-digit key id. */
    public String keyId() {
        return OpenPgp.keyId(publicKey.getKeyID());
    }

    public String fingerprint() {
        return OpenPgp.hex(publicKey.getFingerprint());
    }

    /** This key's public half as a trust anchor. */
    public TrustedKeys trusted() {
        return TrustedKeys.parse(publicKeyArmoredBytes(), "the public half of signing key " + keyId());
    }
}
