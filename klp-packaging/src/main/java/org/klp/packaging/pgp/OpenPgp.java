package org.klp.packaging.pgp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.bouncycastle.openpgp.PGPUtil;

/** Small helpers shared by the signing and verifying sides. */
final class OpenPgp {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

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

    /** Opens armored or binary OpenPGP data alike. */
    static InputStream decoded(byte[] data) throws IOException {
        return PGPUtil.getDecoderStream(new ByteArrayInputStream(data));
    }
}
