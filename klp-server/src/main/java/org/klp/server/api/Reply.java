package org.klp.server.api;

/** What a route answers: a JSON document, nothing (204), bytes of a given type, or a redirect (302). */
public sealed interface Reply {

    record Json(int status, Object body) implements Reply {
    }

    record NoContent() implements Reply {
    }

    record Bytes(int status, String contentType, byte[] body) implements Reply {
    }

    /** A 302 to a path of this server. */
    record Redirect(String location) implements Reply {
        public Redirect {
            if (!location.startsWith("/") || location.startsWith("//")) {
                throw new IllegalArgumentException("redirects go to a path of this server, not to '" + location + "'");
            }
        }
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
