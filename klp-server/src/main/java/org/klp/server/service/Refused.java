package org.klp.server.service;

/** The caller is known but may not do this now: a code expired, revoked or used up; the last admin token. */
public final class Refused extends ServiceException {

    public Refused(String message) {
        super(message);
    }
}
