package org.klp.kernel.files;

/** A write would land outside the host root: a path naming another place, or a symbolic link leading out. */
public final class OutsideRootException extends RuntimeException {

    public OutsideRootException(String message) {
        super(message);
    }
}
