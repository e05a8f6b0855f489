package org.klp.server.api;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import org.klp.server.service.AdminTokenService;
import org.klp.server.service.RegistrationCodeService;
import org.klp.server.service.SystemCredentials;

/**
 * Checks the credentials a route's {@link Access} asks for, completely, before the request's body
 * is read: a caller without valid credentials costs the server the request's headers only, never
 * a thread waiting on a slow body. Systems are looked up in {@link SystemCredentials} (cached),
 * admin tokens and registration codes in the database (an expiry or a revocation holds at once).
 */
final class Authenticator {

    static final int MAX_CREDENTIALS = 300;

    private final SystemCredentials systems;
    private final AdminTokenService tokens;
    private final RegistrationCodeService codes;
    private final Clock clock;

    Authenticator(SystemCredentials systems, AdminTokenService tokens, RegistrationCodeService codes, Clock clock) {
        this.systems = systems;
        this.tokens = tokens;
        this.codes = codes;
        this.clock = clock;
    }

    /** {@code checkedByWrite}: the route's own write finds a system deleted meanwhile (the check-in), so a cached entry of any age will do. */
    Caller authenticate(Access access, String authorization, boolean checkedByWrite) {
        if (authorization != null && authorization.length() > MAX_CREDENTIALS) {
            throw ApiException.unauthorized("the Authorization header is longer than any credentials this server gives out");
        }
        return switch (access) {
            case PUBLIC -> new Caller.Anonymous();
            case ADMIN -> admin(authorization);
            case SYSTEM -> system(authorization, checkedByWrite);
            case REGISTRATION_CODE -> registrationCode(authorization);
        };
    }

    private Caller admin(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("this endpoint needs an admin token: send 'Authorization: Bearer TOKEN'"
                    + " (the token printed at first start, or one from 'klp-server admin token create')");
        }
        return tokens.verify(authorization.substring(7).strip(), clock.instant()).map(Caller.Admin::new)
                .orElseThrow(() -> ApiException.unauthorized("invalid, expired or revoked admin token"));
    }

    private Caller registrationCode(String authorization) {
        String prefix = "Token token=";
        if (authorization == null || !authorization.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw ApiException.unauthorized("registering a system needs a registration code: send 'Authorization: Token token=CODE'");
        }
        String code = authorization.substring(prefix.length()).strip();
        if (code.startsWith("\"") && code.endsWith("\"") && code.length() >= 2) {
            code = code.substring(1, code.length() - 1);
        }
        if (code.isEmpty() || code.length() > 100) {
            throw ApiException.unauthorized("a registration code must be 1 to 100 characters");
        }
        String c = code;
        return codes.check(code, clock.instant()).map(id -> (Caller) new Caller.WithRegistrationCode(c, id))
                .orElseThrow(() -> ApiException.unauthorized("Unknown Registration Code: check it, or ask your administrator for one"));
    }

    private Caller system(String authorization, boolean checkedByWrite) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            throw ApiException.unauthorized("this endpoint is for registered systems: send HTTP Basic credentials (login and password"
                    + " from registration; klp keeps them in /etc/klp/credentials)");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.unauthorized("malformed Basic credentials (not base64)");
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            throw ApiException.unauthorized("malformed Basic credentials (expected login:password)");
        }
        String login = decoded.substring(0, colon);
        return systems.verify(login, decoded.substring(colon + 1), checkedByWrite).map(c -> (Caller) new Caller.System(c, login))
                .orElseThrow(() -> ApiException.unauthorized("unknown system or wrong password (deregistered? register again with klp register)"));
    }
}
