package org.klp.server.service;

/** The request contradicts what is stored: it exists already, or it is not the next version. */
public final class Conflict extends ServiceException {

    public Conflict(String message) {
        super(message);
    }
}
