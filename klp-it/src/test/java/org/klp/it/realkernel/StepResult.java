package org.klp.it.realkernel;

import java.time.Duration;
import java.util.List;

/**
 * What one scenario step did in the guest: its stdout and stderr (UTF-8, exact, trailing
 * newlines kept), its exit code (that of its last command) and how long it took by the guest's
 * clock.
 */
public record StepResult(int index, String name, String stdout, String stderr, int exitCode, Duration guestTime) {

    /** Whether the step's last command exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** This step, after failing with a description of it unless it exited with 0. */
    public StepResult requireSuccess() {
        if (exitCode != 0) {
            throw new AssertionError("Guest step failed: " + this);
        }
        return this;
    }

    /** This step, after failing with a description of it if it exited with 0. */
    public StepResult requireFailure() {
        if (exitCode == 0) {
            throw new AssertionError("Guest step should have failed but exited with 0: " + this);
        }
        return this;
    }

    /** stdout without leading and trailing white space: the value of a one-line answer. */
    public String out() {
        return stdout.strip();
    }

    /** stderr without leading and trailing white space. */
    public String err() {
        return stderr.strip();
    }

    /** The lines of stdout. */
    public List<String> lines() {
        return stdout.lines().toList();
    }

    @Override
    public String toString() {
        return "step " + index + " '" + name + "' exit code " + exitCode + " after " + guestTime.toMillis() + " ms"
                + "\n  stdout: " + indent(stdout) + "\n  stderr: " + indent(stderr);
    }

    private static String indent(String text) {
        return text.isEmpty() ? "(empty)" : text.strip().replace("\n", "\n          ");
    }
}
