package org.klp.packaging.record;

/** A fixes file or patch record that cannot be read; the message names the file, line and column. */
public final class MalformedRecordException extends IllegalArgumentException {

    public MalformedRecordException(String message) {
        super(message);
    }

    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
