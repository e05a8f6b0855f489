package org.klp.server.api;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.klp.server.service.Conflict;
import org.klp.server.service.InvalidInput;
import org.klp.server.service.NotAuthenticated;
import org.klp.server.service.NotFound;
import org.klp.server.service.Quote;
import org.klp.server.service.Refused;
import org.klp.server.service.ServiceException;
import org.klp.server.service.Unavailable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes an HTTP status and an answer, and a line in the server's
 * log. Refusals ({@link ApiException}, {@link ServiceException}) keep their sentence, which names
 * the caller's own input; anything else is a defect: the answer says only "internal error" with a
 * reference, and the log has the reference, the request, the caller (a system by its id) and the
 * stack trace. So no answer carries SQL, bound values, stack traces or exception class names,
 * whatever a database driver or a library puts in its messages.
 *
 * <p>Refusals of systems and of registrations are logged too (the fleet's operators see a host
 * that keeps sending bad check-ins), at most {@link LogThrottle#PER_SECOND} lines a second so that
 * a host looping bad requests cannot fill the disk.
 */
final class ErrorMapper {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);

    /** A failure as answered: status and the sentence for the caller. */
    record Answer(int status, String message) {
    }

    private final LogThrottle refusals = new LogThrottle();

    /** What to answer for {@code failure} of {@code request} made by {@code caller} (null: not authenticated yet). */
    Answer map(Throwable failure, String request, Caller caller) {
        if (failure instanceof ApiException e) {
            logRefusal(e.status(), e.getMessage(), request, caller);
            return new Answer(e.status(), e.getMessage());
        }
        if (failure instanceof ServiceException e) {
            int status = status(e);
            if (status == 503) {
                LOG.warn("{} by {}: unavailable: {}", request, describe(caller), e.getMessage());
            } else {
                logRefusal(status, e.getMessage(), request, caller);
            }
            return new Answer(status, e.getMessage());
        }
        if (isInputFormat(failure)) {
            String message = Quote.clip(failure.getMessage() == null ? "the uploaded file is malformed" : failure.getMessage(), 500);
            logRefusal(400, message, request, caller);
            return new Answer(400, message);
        }
        String reference = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        LOG.error("{} by {} failed (reference {})", request, describe(caller), reference, failure);
        return new Answer(500, "internal error (reference " + reference + "); nothing of the request is known to be stored unless a retry"
                + " shows it; the server log has the details under this reference");
    }

    /**
     * The refusals of an uploaded module, package or record by the libraries that read them: their
     * messages describe the upload (what is missing or malformed in it), written for its sender.
     */
    private static boolean isInputFormat(Throwable t) {
        return t instanceof org.klp.core.module.ModuleFormatException || t instanceof org.klp.core.patch.NotCumulativeException
                || t instanceof org.klp.packaging.rpm.RpmFormatException || t instanceof org.klp.packaging.record.MalformedRecordException
                || t instanceof org.klp.packaging.pgp.SignatureException;
    }

    static int status(ServiceException e) {
        // sealed: a new kind of refusal must be given its status here
        if (e instanceof InvalidInput) {
            return 400;
        } else if (e instanceof NotAuthenticated) {
            return 401;
        } else if (e instanceof Refused) {
            return 403;
        } else if (e instanceof NotFound) {
            return 404;
        } else if (e instanceof Conflict) {
            return 409;
        } else if (e instanceof Unavailable) {
            return 503;
        }
        throw new IllegalStateException("no status for " + e.getClass().getSimpleName());
    }

    private void logRefusal(int status, String message, String request, Caller caller) {
        boolean fromHost = caller instanceof Caller.System || caller instanceof Caller.WithRegistrationCode
                || request.contains(" /connect/");
        if (fromHost && refusals.allow()) {
            LOG.info("{} by {} refused ({}): {}{}", request, describe(caller), status, message, refusals.suppressedNote());
        }
    }

    /** The caller as the log names it: a system by its id, an admin token by its id. */
    static String describe(Caller caller) {
        if (caller == null) {
            return "an unauthenticated caller";
        }
        if (caller instanceof Caller.System s) {
            return "system " + s.id();
        } else if (caller instanceof Caller.Admin a) {
            return "admin token " + a.tokenId();
        } else if (caller instanceof Caller.WithRegistrationCode c) {
            return "registration code " + c.codeId();
        }
        return "an anonymous caller";
    }

    /** At most {@link #PER_SECOND} lines a second; the next line allowed says how many were left out. */
    static final class LogThrottle {
        static final int PER_SECOND = 20;
        private long second;
        private int lines;
        private long suppressed;
        private long reported;

        synchronized boolean allow() {
            long now = System.nanoTime() / 1_000_000_000L;
            if (now != second) {
                second = now;
                lines = 0;
            }
            if (lines < PER_SECOND) {
                lines++;
                return true;
            }
            suppressed++;
            return false;
        }

        synchronized String suppressedNote() {
            long n = suppressed - reported;
            reported = suppressed;
            return n == 0 ? "" : " (" + n + " similar lines left out)";
        }
    }
}
