package org.klp.kernel;

/**
 * The kernel refused an operation: a module load, a write to a livepatch file, a module
 * removal. {@code errno} is the symbolic error ({@code EBUSY}, {@code EINVAL}, …) where known,
 * so callers can tell "a transition is already running" from "not a live patch".
 */
public final class KernelOperationException extends RuntimeException {

    private final String errno;

    public KernelOperationException(String errno, String message) {
        super(message);
        this.errno = errno;
    }

    public KernelOperationException(String errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    public String errno() {
        return errno;
    }
}
