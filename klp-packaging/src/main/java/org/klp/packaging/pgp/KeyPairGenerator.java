package org.klp.packaging.pgp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Date;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.PublicKeyAlgorithmTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPKeyPair;
import org.bouncycastle.openpgp.PGPKeyRingGenerator;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureSubpacketGenerator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.bc.BcPGPDigestCalculatorProvider;
import org.bouncycastle.openpgp.operator.bc.BcPGPKeyPair;

/**
 * Makes an OpenPGP v4 RSA signing key: one primary key that certifies and signs, with a user id
 * self-signed with SHA-256, which is what {@code rpm --import}, {@code rpm -K}, GnuPG (zypper's
 * check of {@code repomd.xml.asc}) and {@link TrustedKeys} all accept. The secret key is written
 * unprotected: keep its file private (mode 0600) or on the signing host only.
 */
public final class KeyPairGenerator {

    /** The generated key: both halves ASCII-armored, and the primary key's fingerprint in hex. */
    public record GeneratedKey(String publicKeyArmored, String secretKeyArmored, String fingerprint) {
    }

    private KeyPairGenerator() {
    }

    /**
     * @param userId such as {@code klp test repository <klp@example.org>}
     * @param bits   RSA modulus size: 2048 or more (3072 for keys meant to last)
     */
    public static GeneratedKey generate(String userId, int bits) {
        if (userId == null || userId.isBlank()) {
            throw new IllegalArgumentException("A key needs a name (user id) such as 'klp repository <klp@example.org>'");
        }
        if (bits < 2048 || bits > 8192) {
            throw new IllegalArgumentException("RSA key size must be 2048 to 8192 bits, was " + bits);
        }
        try {
            RSAKeyPairGenerator rsa = new RSAKeyPairGenerator();
            rsa.init(new RSAKeyGenerationParameters(BigInteger.valueOf(0x10001), new SecureRandom(), bits, 80));
            Date now = new Date();
            PGPKeyPair pair = new BcPGPKeyPair(org.bouncycastle.bcpg.PublicKeyPacket.VERSION_4, PublicKeyAlgorithmTags.RSA_GENERAL, rsa.generateKeyPair(), now);

            PGPSignatureSubpacketGenerator hashed = new PGPSignatureSubpacketGenerator();
            hashed.setKeyFlags(false, KeyFlags.CERTIFY_OTHER | KeyFlags.SIGN_DATA);
            hashed.setPreferredHashAlgorithms(false, new int[] {HashAlgorithmTags.SHA256, HashAlgorithmTags.SHA512});
            hashed.setIssuerFingerprint(false, pair.getPublicKey());
            hashed.setSignatureCreationTime(false, now);

            PGPKeyRingGenerator rings = new PGPKeyRingGenerator(PGPSignature.POSITIVE_CERTIFICATION, pair, userId.strip(),
                    new BcPGPDigestCalculatorProvider().get(HashAlgorithmTags.SHA1), hashed.generate(), null,
                    new BcPGPContentSignerBuilder(PublicKeyAlgorithmTags.RSA_GENERAL, HashAlgorithmTags.SHA256), null);
            PGPPublicKeyRing publicRing = rings.generatePublicKeyRing();
            PGPSecretKeyRing secretRing = rings.generateSecretKeyRing();
            return new GeneratedKey(armor(publicRing::encode), armor(secretRing::encode),
                    OpenPgp.hex(publicRing.getPublicKey().getFingerprint()));
        } catch (PGPException e) {
            throw new IllegalStateException("Could not generate an OpenPGP key: " + e.getMessage(), e);
        }
    }

    interface Encoder {
        void encode(OutputStream out) throws IOException;
    }

    static String armor(Encoder encoder) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ArmoredOutputStream armored = ArmoredOutputStream.builder().clearHeaders().build(bytes)) {
            encoder.encode(armored);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
