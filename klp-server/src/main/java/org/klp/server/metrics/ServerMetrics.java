package org.klp.server.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.klp.core.audit.Verdict;
import org.klp.server.metrics.MetricRegistry.Sample;

/**
 * What the server counts and measures, for Prometheus: check-ins (accepted, latency, refusals by
 * reason), requests by route (latency, answers by status class), the CVE audit's lag behind this
 * instance's commits, and the fleet's figures (hosts by worst verdict and by posture state,
 * rollouts by status, halted ones, catalog kernels past their end of support).
 *
 * <p>Fleet figures cost a pass over the audit's posture classes and a grouped count of systems,
 * so a scrape recomputes them at most every {@link #FLEET_REFRESH}; Prometheus' usual 15 to 60 s
 * intervals see fresh figures, and a scraper polling every second cannot load the database.
 */
public final class ServerMetrics {

    static final Duration FLEET_REFRESH = Duration.ofSeconds(10);
    /** Latency buckets, seconds: 1 ms to 10 s. */
    static final double[] LATENCY = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    static final String CHECKIN_ROUTE = "/connect/systems/checkin";
    /** Refusal reasons: short words; more than this many distinct ones are counted as {@code other}. */
    private static final int MAX_REASONS = 32;
    private static final Pattern REASON = Pattern.compile("[a-z][a-z0-9_]{0,31}");

    private final MetricRegistry registry = new MetricRegistry();
    private final Clock clock;
    private final MetricRegistry.Counter checkins;
    private final MetricRegistry.Histogram checkinDuration;
    private final MetricRegistry.Counter refusals;
    private final MetricRegistry.Counter requests;
    private final MetricRegistry.Histogram requestDuration;
    private final Set<String> reasons = ConcurrentHashMap.newKeySet();
    private volatile FleetNumbers fleet;

    public ServerMetrics(Clock clock, String version) {
        this.clock = clock;
        registry.gauge("klp_build_info", "The klp server's version; always 1.", () -> List.of(Sample.of(1, version)), "version");
        checkins = registry.counter("klp_checkins_total", "Check-ins accepted: committed and answered 2xx (rate() for check-ins per second).");
        checkinDuration = registry.histogram("klp_checkin_duration_seconds", "Time from a check-in's arrival to its answer, its group commit"
                + " included.", LATENCY);
        refusals = registry.counter("klp_checkin_refusals_total", "Check-ins refused, by reason: unauthenticated, invalid, forbidden, not_found,"
                + " too_large, unavailable, error, or a reason the check-in route names.", "reason");
        requests = registry.counter("klp_http_requests_total", "HTTP requests answered, by route (as the route list names it; unmatched for"
                + " none), method and status class.", "route", "method", "code");
        requestDuration = registry.histogram("klp_http_request_duration_seconds", "Time to answer a request, by route and method.", LATENCY,
                "route", "method");
    }

    /**
     * The fleet's figures and the audit's lag, read through {@code numbers} (at most every
     * {@link #FLEET_REFRESH}) and {@code auditLag} / {@code auditPending} (at each scrape: cheap).
     */
    public void fleet(Supplier<FleetNumbers> numbers, Supplier<Duration> auditLag, Supplier<Long> auditPending) {
        registry.gauge("klp_audit_lag_seconds", "How far this instance's CVE audit is behind the changes committed to it: the age of the oldest"
                + " change not yet applied, 0 when current.", () -> List.of(Sample.of(auditLag.get().toNanos() / 1e9)));
        registry.gauge("klp_audit_pending_events", "Changes committed to this instance and not yet applied to its CVE audit.",
                () -> List.of(Sample.of(auditPending.get())));
        registry.gauge("klp_hosts_by_worst_verdict", "Hosts by the worst CVE audit verdict of any CVE for them (none while the audit loads).",
                () -> {
                    List<Sample> out = new ArrayList<>();
                    Map<Verdict, Integer> m = fleet(numbers).hostsByWorstVerdict();
                    if (!m.isEmpty()) {
                        for (Verdict v : Verdict.values()) {
                            out.add(Sample.of(m.getOrDefault(v, 0), v.name().toLowerCase(Locale.ROOT)));
                        }
                    }
                    return out;
                }, "verdict");
        registry.gauge("klp_hosts_by_posture_state", "Hosts that checked in, by posture state: unsupported_kernel, expired (kernel past its end"
                + " of live patch support), in_progress, forced, patched (newest version), behind.", () -> {
                    List<Sample> out = new ArrayList<>();
                    Map<PostureState, Long> m = fleet(numbers).hostsByState();
                    for (PostureState s : PostureState.values()) {
                        out.add(Sample.of(m.getOrDefault(s, 0L), s.label()));
                    }
                    return out;
                }, "state");
        registry.gauge("klp_rollouts", "Staged rollouts by status: canary, promoted, halted.", () -> {
            List<Sample> out = new ArrayList<>();
            Map<String, Long> m = fleet(numbers).rolloutsByStatus();
            for (String s : List.of("canary", "promoted", "halted")) {
                out.add(Sample.of(m.getOrDefault(s, 0L), s));
            }
            return out;
        }, "status");
        registry.gauge("klp_rollouts_halted", "Staged rollouts halted (a canary failed; see GET /api/v1/rollouts for the reason).",
                () -> List.of(Sample.of(fleet(numbers).rolloutsByStatus().getOrDefault("halted", 0L))));
        registry.gauge("klp_kernels_by_live_patch_support", "Kernel releases of the catalog by live patch support: current, ending (within 30"
                + " days), ended (past the end of support: their live patches get no more versions).", () -> {
                    List<Sample> out = new ArrayList<>();
                    Map<String, Long> m = fleet(numbers).kernelsBySupport();
                    for (String s : List.of("current", "ending", "ended")) {
                        out.add(Sample.of(m.getOrDefault(s, 0L), s));
                    }
                    return out;
                }, "support");
        registry.gauge("klp_live_patches_past_end_of_support", "Kernel releases whose live patch support has ended (their live patches get no"
                + " more versions; hosts running them need a reboot into a supported kernel).",
                () -> List.of(Sample.of(fleet(numbers).kernelsBySupport().getOrDefault("ended", 0L))));
        registry.gauge("klp_hosts_past_end_of_support", "Hosts running a kernel past its end of live patch support.",
                () -> List.of(Sample.of(fleet(numbers).hostsByState().getOrDefault(PostureState.EXPIRED, 0L))));
    }

    private FleetNumbers fleet(Supplier<FleetNumbers> numbers) {
        FleetNumbers f = fleet;
        Instant now = clock.instant();
        if (f == null || !now.isBefore(f.at().plus(FLEET_REFRESH))) {
            synchronized (this) {
                f = fleet;
                if (f == null || !now.isBefore(f.at().plus(FLEET_REFRESH))) {
                    f = numbers.get();
                    fleet = f;
                }
            }
        }
        return f;
    }

    /**
     * One answered request: its route (the route list's path, null when none matched), method,
     * status and time. A check-in also counts as accepted or refused; {@code refusal} is the reason
     * the route named, null to derive it from the status.
     */
    public void request(String route, String method, int status, long nanos, String refusal) {
        String r = route == null ? "unmatched" : route;
        double seconds = nanos / 1e9;
        requests.inc(r, method, status / 100 + "xx");
        requestDuration.observe(seconds, r, method);
        if (CHECKIN_ROUTE.equals(route) && method.equals("POST")) {
            if (status / 100 == 2) {
                checkins.inc();
                checkinDuration.observe(seconds);
            } else {
                refusals.inc(reason(refusal != null ? refusal : fromStatus(status)));
            }
        }
    }

    private static String fromStatus(int status) {
        return switch (status) {
            case 400 -> "invalid";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 413 -> "too_large";
            case 429, 503 -> "unavailable";
            default -> "error";
        };
    }

    /** A reason as a label: a short lower-case word, one of at most {@link #MAX_REASONS}; anything else is {@code other}. */
    private String reason(String r) {
        if (!REASON.matcher(r).matches()) {
            return "other";
        }
        if (reasons.contains(r)) {
            return r;
        }
        synchronized (reasons) {
            if (reasons.size() >= MAX_REASONS) {
                return "other";
            }
            reasons.add(r);
            return r;
        }
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** The text exposition, as /metrics serves it. */
    public String scrape() {
        return registry.scrape();
    }
}
