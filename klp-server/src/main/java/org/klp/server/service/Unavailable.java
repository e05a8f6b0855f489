package org.klp.server.service;

/** The server cannot do it now but will: overloaded, loading, shutting down. The caller retries. */
public final class Unavailable extends ServiceException {

    public Unavailable(String message) {
        super(message);
    }
}
