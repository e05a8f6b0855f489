package org.klp.server.service;

/** The thing a request names does not exist (or no longer). */
public final class NotFound extends ServiceException {

    public NotFound(String message) {
        super(message);
    }
}
