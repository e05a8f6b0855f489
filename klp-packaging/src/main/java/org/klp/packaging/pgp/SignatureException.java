package org.klp.packaging.pgp;

/**
 * A signature that does not verify: made by a key that is not trusted, damaged, or over other
 * data than it claims. The message says which, and names the signed thing.
 */
public final class SignatureException extends RuntimeException {

    public SignatureException(String message) {
        super(message);
    }

    public SignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
