package org.klp.packaging.pgp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.operator.bc.BcKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.bc.BcPGPContentVerifierBuilderProvider;

/**
 * The OpenPGP public keys a host trusts, and the check of a detached signature against them:
 * of an RPM header ({@code RPMSIGTAG_RSA}) or of {@code repomd.xml} ({@code repomd.xml.asc}).
 *
 * <p>Uses Bouncy Castle's lightweight API only (no JCA provider registration), so that the host
 * tool pays for it only when it verifies something. Accepts v4 binary-document signatures with
 * SHA-256 or stronger hashes; MD5 and SHA-1 signatures are refused as too weak.
 */
public final class TrustedKeys {

    private final Map<Long, PGPPublicKey> byKeyId;
    private final String source;

    private TrustedKeys(Map<Long, PGPPublicKey> byKeyId, String source) {
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
        Map<Long, PGPPublicKey> keys = new LinkedHashMap<>();
        try (InputStream in = OpenPgp.decoded(bytes)) {
            PGPObjectFactory objects = new PGPObjectFactory(in, new BcKeyFingerprintCalculator());
            for (Object o = objects.nextObject(); o != null; o = objects.nextObject()) {
                if (o instanceof PGPPublicKeyRing ring) {
                    Iterator<PGPPublicKey> it = ring.getPublicKeys();
                    while (it.hasNext()) {
                        PGPPublicKey k = it.next();
                        keys.put(k.getKeyID(), k);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(source + " is not an OpenPGP public key: " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no OpenPGP public key");
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
        PGPSignature sig = readSignature(signature, what);
        PGPPublicKey key = byKeyId.get(sig.getKeyID());
        if (key == null) {
            throw new SignatureException("The signature of " + what + " is by key " + OpenPgp.keyId(sig.getKeyID())
                    + ", which is not trusted (trusted: " + String.join(", ", keyIds()) + " from " + source + ")");
        }
        int hash = sig.getHashAlgorithm();
        if (hash == org.bouncycastle.bcpg.HashAlgorithmTags.MD5 || hash == org.bouncycastle.bcpg.HashAlgorithmTags.SHA1) {
            throw new SignatureException("The signature of " + what + " uses a weak hash (MD5 or SHA-1); klp accepts SHA-256 or stronger");
        }
        try {
            sig.init(new BcPGPContentVerifierBuilderProvider(), key);
            sig.update(data, offset, length);
            if (!sig.verify()) {
                throw new SignatureException("The signature of " + what + " does not match its content: it was changed after signing, or damaged");
            }
        } catch (PGPException e) {
            throw new SignatureException("Cannot check the signature of " + what + ": " + e.getMessage(), e);
        }
        return OpenPgp.keyId(key.getKeyID());
    }

    private static PGPSignature readSignature(byte[] signature, String what) {
        if (signature == null || signature.length == 0) {
            throw new SignatureException(what + " has no signature");
        }
        try (InputStream in = OpenPgp.decoded(signature)) {
            Object o = new PGPObjectFactory(in, new BcKeyFingerprintCalculator()).nextObject();
            if (o instanceof PGPSignatureList list && !list.isEmpty()) {
                return list.get(0);
            }
            throw new SignatureException("The signature of " + what + " is not an OpenPGP signature");
        } catch (IOException | RuntimeException e) {
            if (e instanceof SignatureException se) {
                throw se;
            }
            throw new SignatureException("The signature of " + what + " is damaged: " + e.getMessage(), e);
        }
    }
}
