package org.klp.packaging.build;

/** A fix source tree refused: the message names the file and line at fault and what to change. */
public final class FixSourceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public FixSourceException(String message) {
        super(message);
    }
}
