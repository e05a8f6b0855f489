package org.klp.server.api;

import org.klp.server.store.SystemStore;

/** Who made a request, as authenticated for its route's {@link Access} before its body was read. */
public sealed interface Caller {

    record Anonymous() implements Caller {
    }

    /** A registration code that exists and could register a system now (its seat is taken in the registration's transaction). */
    record WithRegistrationCode(String code, long codeId) implements Caller {
    }

    record System(SystemStore.Credentials credentials, String login) implements Caller {
        public long id() {
            return credentials.id();
        }
    }

    /** An operator, by the id of the admin token used (tokens are listed and revoked by id). */
    record Admin(long tokenId) implements Caller {
    }
}
