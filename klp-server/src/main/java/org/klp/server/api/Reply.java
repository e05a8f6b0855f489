package org.klp.server.api;

/** What a route answers: a JSON document, nothing (204), or bytes of a given type. */
public sealed interface Reply {

    record Json(int status, Object body) implements Reply {
    }

    record NoContent() implements Reply {
    }

    record Bytes(int status, String contentType, byte[] body) implements Reply {
    }

    static Reply ok(Object body) {
        return new Json(200, body);
    }

    static Reply created(Object body) {
        return new Json(201, body);
    }

    static Reply noContent() {
        return new NoContent();
    }
}
