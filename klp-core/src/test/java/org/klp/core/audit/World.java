package org.klp.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;

/**
 * The inputs of an audit as plain lists, fed to a {@link PostureAudit} and to a
 * {@link NaiveAudit}; {@link #evidence} asks both and insists they agree.
 */
final class World {

    static final ZoneOffset ZONE = ZoneOffset.UTC;
    static final Duration HOUR = Duration.ofHours(1);

    final ScopePolicy policy = ScopePolicy.DEFAULT;
    final List<CatalogKernel> kernels = new ArrayList<>();
    final List<LivePatchPackage> packages = new ArrayList<>();
    final Map<String, CveRecord> cves = new LinkedHashMap<>();
    final Map<Integer, HostFacts> hosts = new TreeMap<>();

    static KernelRelease k(String uname) {
        return KernelRelease.parse(uname);
    }

    static Instant at(String day) {
        return LocalDate.parse(day).atTime(12, 0).toInstant(ZONE);
    }

    World kernel(KernelRelease kernel, String released, String endOfSupport) {
        kernels.add(new CatalogKernel(kernel, LocalDate.parse(released), LocalDate.parse(endOfSupport)));
        return this;
    }

    World livePatch(KernelRelease kernel, int version, String published, String... fixIds) {
        List<Fix> fixes = new ArrayList<>();
        for (String id : fixIds) {
            CveRecord r = cves.get(id);
            fixes.add(r == null ? Fix.security(id, 7.5, "") : r.asFix());
        }
        packages.add(new LivePatchPackage(kernel, version, LocalDate.parse(published), fixes, List.of()));
        return this;
    }

    World cve(CveRecord r) {
        cves.put(r.id(), r);
        return this;
    }

    World host(HostFacts h) {
        hosts.put(h.hostId(), h);
        return this;
    }

    PostureAudit audit() {
        PostureAudit a = PostureAudit.create(policy, ZONE);
        kernels.forEach(a::addKernel);
        cves.values().forEach(a::putCve);
        packages.forEach(a::publish);
        hosts.values().forEach(a::checkIn);
        return a;
    }

    NaiveAudit naive() {
        return new NaiveAudit(policy, ZONE, cves.values(), kernels, packages);
    }

    /** The evidence of one pair, from the engine's host report, checked against the oracle and the CVE query. */
    Evidence evidence(int hostId, String cveId, Instant now) {
        PostureAudit audit = audit();
        Evidence expected = naive().evidence(hosts.get(hostId), cves.get(cveId), now);
        HostReport report = audit.host(hostId, now).orElseThrow();
        Optional<Finding> finding = report.findings().stream().filter(f -> f.cveId().equals(cveId)).findFirst();
        Evidence actual = finding.map(Finding::evidence).orElse(new Evidence.NotAffected(hosts.get(hostId).posture().kernel()));
        assertThat(actual).as("engine vs naive for host %d, %s", hostId, cveId).isEqualTo(expected);
        CveExposure exposure = audit.cve(cveId, now, HostFilter.ALL, EnumSet.allOf(Verdict.class)).orElseThrow();
        assertThat(exposure.hosts(expected.verdict()).contains(hostId)).as("CVE query lists host %d under %s", hostId, expected.verdict()).isTrue();
        return actual;
    }

    static HostFacts facts(int id, Posture posture) {
        return new HostFacts(id, 0, posture, 0, List.of(), at("2025-01-01"), HOUR);
    }
}
