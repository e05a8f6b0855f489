package org.klp.server.api;

/** Who may call a route. */
public enum Access {
    /** Anyone: the API description, health, repositories. */
    PUBLIC,
    /** A registration code ({@code Authorization: Token token=CODE}): announcing a new system. */
    REGISTRATION_CODE,
    /** A registered system (HTTP Basic with its login and password): only its own records. */
    SYSTEM,
    /** An operator ({@code Authorization: Bearer TOKEN}). */
    ADMIN
}
