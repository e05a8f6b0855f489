package org.klp.server.service;

/**
 * A request the server's services refuse, as a closed set of reasons. Services throw these with a
 * sentence that names the offending input and says what to do next; the HTTP layer maps each kind
 * to one status in one place ({@code org.klp.server.api.ErrorMapper}), and the command line prints
 * the sentence. Anything else thrown below a service is a defect: it is logged with a reference
 * and answered without its details.
 */
public abstract sealed class ServiceException extends RuntimeException permits InvalidInput, NotAuthenticated, NotFound, Conflict, Refused, Unavailable {

    ServiceException(String message) {
        super(message, null, false, false);
    }
}
