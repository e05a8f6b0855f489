package org.klp.packaging.rpm;

import java.nio.ByteBuffer;
import org.eclipse.packager.rpm.RpmSignatureTag;
import org.eclipse.packager.rpm.header.Header;
import org.eclipse.packager.rpm.signature.SignatureProcessor;
import org.klp.packaging.pgp.SigningKey;

/**
 * Puts an OpenPGP RSA/SHA-256 signature of the main header into the signature header as
 * {@code RPMSIGTAG_RSA} (268), which is what {@code rpm -K} and {@code rpmsign --addsign} of rpm
 * 4.16 and later use. The header carries the payload's SHA-256, so this one signature covers the
 * whole package. (Eclipse Packager's own processor logs the signature bytes at INFO and sets no
 * hashed issuer subpackets; this one does.)
 */
final class HeaderSignatureProcessor implements SignatureProcessor {

    private final SigningKey key;
    private byte[] signature;

    HeaderSignatureProcessor(SigningKey key) {
        this.key = key;
    }

    @Override
    public void feedHeader(ByteBuffer header) {
        byte[] bytes = new byte[header.remaining()];
        header.get(bytes);
        signature = key.sign(bytes);
    }

    @Override
    public void feedPayloadData(ByteBuffer data) {
        // the header signature covers the header only; the header holds the payload digest
    }

    @Override
    public void finish(Header<RpmSignatureTag> header) {
        header.putBlob(RpmSignatureTag.RSAHEADER, signature);
    }
}
