package org.klp.kernel.apply;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * How the applier passes time while a transition runs: on a real host (and a simulated one on
 * the wall clock) it sleeps; on a simulated host with a manual clock it moves that clock, so the
 * same code runs instantly and deterministically in tests.
 */
public interface Waiting {

    Instant now();

    void pause(Duration d);

    static Waiting realTime(Clock clock) {
        return new Waiting() {
            @Override
            public Instant now() {
                return clock.instant();
            }

            @Override
            public void pause(Duration d) {
                try {
                    Thread.sleep(Math.max(1, d.toMillis()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for the transition", e);
                }
            }
        };
    }
}
