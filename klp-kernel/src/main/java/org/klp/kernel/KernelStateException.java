package org.klp.kernel;

/**
 * The kernel's files could not be read or hold a value the kernel never writes there. The message
 * names the file (relative to the root, as on a real host) and what was expected.
 */
public final class KernelStateException extends RuntimeException {

    public KernelStateException(String message) {
        super(message);
    }

    public KernelStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
