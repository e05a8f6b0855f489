package org.klp.packaging.client;

/**
 * A repository that cannot be used as it is: unreachable, half-written (an index naming files
 * that are not there), or with a file that does not match its checksum. The message names the
 * repository and the file, and says what to try.
 */
public final class RepositoryException extends RuntimeException {

    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
