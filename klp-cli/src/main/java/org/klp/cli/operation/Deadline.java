package org.klp.cli.operation;

import java.time.Duration;
import org.klp.kernel.apply.OnTimeout;

/** How long a transition may take, and what happens when it takes longer. */
public record Deadline(Duration timeout, OnTimeout onTimeout) {

    public Deadline {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a transition deadline must not be negative, was " + timeout);
        }
    }
}
