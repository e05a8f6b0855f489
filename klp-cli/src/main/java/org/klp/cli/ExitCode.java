package org.klp.cli;

/** The exit codes {@code klp --help} documents. */
public final class ExitCode {

    public static final int OK = 0;
    /** A transition is in progress, the host is not ready ({@code klp check}), or an operation left one running. */
    public static final int IN_PROGRESS = 1;
    public static final int USAGE = 2;
    public static final int FAILURE = 3;

    private ExitCode() {
    }
}
