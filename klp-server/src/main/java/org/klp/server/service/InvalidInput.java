package org.klp.server.service;

/** A value the caller sent cannot be stored or used: {@code field} names it (JSON path, parameter or header). */
public final class InvalidInput extends ServiceException {

    private final String field;

    public InvalidInput(String field, String message) {
        super(message);
        this.field = field;
    }

    /** A refusal that is not about one field (the request as a whole). */
    public InvalidInput(String message) {
        this(null, message);
    }

    /** The field at fault, null when the request as a whole is. */
    public String field() {
        return field;
    }
}
