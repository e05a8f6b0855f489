package org.klp.packaging.pgp;

/** Small helpers shared by the signing and verifying sides (JDK only: the host loads this class). */
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
}
