package org.klp.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.klp.server.service.Conflict;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.NotFound;
import org.klp.server.service.Refused;
import org.klp.server.service.Unavailable;

/** Each kind of refusal has one status; anything else is an internal error whose answer says nothing of its cause. */
class ErrorMapperTest {

    private final ErrorMapper mapper = new ErrorMapper();

    private int status(Throwable t) {
        return mapper.map(t, "GET /x", null).status();
    }

    @Test
    void eachKindOfRefusalHasItsStatusAndKeepsItsSentence() {
        assertThat(status(new InvalidInput("posture.kernel", "posture.kernel is too long"))).isEqualTo(400);
        assertThat(status(new Refused("code expired"))).isEqualTo(403);
        assertThat(status(new NotFound("no system 4"))).isEqualTo(404);
        assertThat(status(new Conflict("exists already"))).isEqualTo(409);
        assertThat(status(new Unavailable("overloaded"))).isEqualTo(503);
        assertThat(status(ApiException.unauthorized("who are you"))).isEqualTo(401);
        assertThat(mapper.map(new NotFound("no system 4"), "GET /x", null).message()).isEqualTo("no system 4");
    }

    @Test
    void anUnexpectedFailureIsAnInternalErrorWithAReferenceAndNothingOfItsCause() {
        RuntimeException db = new IllegalStateException("org.jdbi.v3.core.statement.UnableToExecuteStatementException: "
                + "Value too long for column \"LOADED_PATCH CHARACTER VARYING(64)\": \"'AAAA' (65)\"; SQL statement: update systems set loaded_patch = ?",
                new SQLException("Value too long for column"));
        ErrorMapper.Answer a = mapper.map(db, "POST /connect/systems/checkin", null);
        assertThat(a.status()).isEqualTo(500);
        assertThat(a.message()).startsWith("internal error (reference ").doesNotContain("SQL", "update", "AAAA", "Exception", "org.", "column");
    }
}
