package org.klp.server.service;

import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.klp.core.fleet.DesiredState;
import org.klp.core.fleet.HostPosture;
import org.klp.server.policy.PolicyEngine;
import org.klp.server.store.CheckinWriter;
import org.klp.core.rollout.GroupPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A check-in of an authenticated system: its posture checked against storage and every later
 * reader ({@link PostureRules}) before it is queued, stored by the group-committing
 * {@link CheckinWriter}, answered with the desired state once committed. A failure is this
 * check-in's alone, and its cause (which may quote SQL and values) goes to the log with the
 * system's id, never into the answer.
 */
public final class CheckinService {

    private static final Logger LOG = LoggerFactory.getLogger(CheckinService.class);
    static final long CONFIRM_SECONDS = 30;

    /** What the server asks of the system now, and the group it is in. */
    public record Outcome(long systemId, String group, DesiredState desired) {
    }

    private final CheckinWriter writer;
    private final PolicyEngine policy;
    private final SystemCredentials credentials;

    public CheckinService(CheckinWriter writer, PolicyEngine policy, SystemCredentials credentials) {
        this.writer = writer;
        this.policy = policy;
        this.credentials = credentials;
    }

    public Outcome checkIn(long systemId, HostPosture posture, String agent, Instant now) throws InterruptedException {
        PostureRules.check(posture, agent);
        CheckinWriter.Stored stored;
        try {
            stored = writer.submit(CheckinWriter.Checkin.of(systemId, posture, now)).get(CONFIRM_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CheckinWriter.Overloaded o) {
                throw new Unavailable(o.getMessage());
            }
            LOG.warn("system {}: check-in not stored", systemId, e.getCause());
            throw new Unavailable("the check-in was not stored; retry (a repeated check-in is harmless)");
        } catch (TimeoutException e) {
            LOG.warn("system {}: check-in not confirmed within {} s", systemId, CONFIRM_SECONDS);
            throw new Unavailable("the check-in was not confirmed within " + CONFIRM_SECONDS + " s; retry (a repeated check-in is harmless)");
        }
        if (!stored.found()) {
            // deleted here or through another instance since it authenticated
            credentials.forget(systemId);
            throw new NotAuthenticated("this system is no longer registered; register again with klp register");
        }
        String group = stored.group() == null ? GroupPolicy.DEFAULT_GROUP : stored.group();
        return new Outcome(stored.systemId(), group, policy.desired(group, posture, stored.activatedProducts()));
    }
}
