package org.klp.kernel.sim;

/**
 * The transition under way: which patch, toward which state (1 patched, 0 unpatched), since
 * when, and when its signal count started (reset by a reversal, as the kernel does).
 */
final class SimTransition {

    final String patch;
    int target;
    final long startedMillis;
    long signalBaseMillis;
    boolean signalsSent;

    SimTransition(String patch, int target, long startedMillis) {
        this.patch = patch;
        this.target = target;
        this.startedMillis = startedMillis;
        this.signalBaseMillis = startedMillis;
    }
}
