package org.klp.cli;

/** The command line asks for something impossible: exit 2 with one line saying why. */
public final class UsageException extends RuntimeException {

    public UsageException(String message) {
        super(message);
    }
}
