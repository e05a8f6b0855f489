package org.klp.core.audit;

/** How many audited hosts report one posture (kernel, loaded version, transition, forced). */
public record PostureCount(Posture posture, int hosts) {
}
