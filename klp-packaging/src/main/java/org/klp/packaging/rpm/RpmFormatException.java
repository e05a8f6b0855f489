package org.klp.packaging.rpm;

/** A file that should be an RPM package is not one, is truncated, or fails a digest check. */
public final class RpmFormatException extends IllegalArgumentException {

    public RpmFormatException(String message) {
        super(message);
    }

    public RpmFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
