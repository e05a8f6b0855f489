package org.klp.server.api;

import org.klp.server.store.SystemStore;

/** Who made a request, as authenticated for its route's {@link Access}. */
public sealed interface Caller {

    record Anonymous() implements Caller {
    }

    record WithRegistrationCode(String code) implements Caller {
    }

    record System(SystemStore.Credentials credentials, String login) implements Caller {
        public long id() {
            return credentials.id();
        }
    }

    record Admin() implements Caller {
    }

    /** A system whose credentials the cache does not hold yet: the check-in writer verifies them with its group. */
    record UnverifiedSystem(String login, String password) implements Caller {
    }
}
