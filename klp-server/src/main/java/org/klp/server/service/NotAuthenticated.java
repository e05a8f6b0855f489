package org.klp.server.service;

/** The caller's credentials name nothing that exists (any more): a system deleted since, a token revoked. */
public final class NotAuthenticated extends ServiceException {

    public NotAuthenticated(String message) {
        super(message);
    }
}
