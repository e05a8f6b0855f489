package org.klp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.klp.core.audit.CatalogKernel;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.HostFacts;
import org.klp.core.audit.NaiveAudit;
import org.klp.core.audit.Posture;
import org.klp.core.audit.Transition;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.CveStore;
import org.klp.server.store.SystemRecord;
import org.klp.server.store.SystemStore;

/**
 * A small fleet for the audit's server tests, built over the real API: two kernels of SLES 15 SP5
 * (one past its end of support), live patches, a CVE feed, hosts in every interesting posture, two
 * of them stale; and the naive audit of the very data the server stored, the oracle to check the
 * server's answers against.
 */
final class AuditFleet {

    static final String K83 = TestServer.KERNEL;
    static final String K65 = "5.14.21-150500.55.65-default";
    static final String K90 = "5.14.21-150500.55.90-default";
    static final String UNKNOWN = "6.12.0-160000.5-default";
    static final Duration STALE_AFTER = Duration.ofMinutes(90);

    static final String FEED = String.join("\n",
            "{\"id\":\"CVE-2024-1086\",\"cvss\":7.8,\"vector\":\"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H\",\"summary\":\"netfilter: nf_tables:"
                    + " use-after-free in nft_verdict_init\",\"published\":\"2024-01-31\",\"affected\":[{\"fixedIn\":\"" + K90 + "\"}]}",
            "{\"id\":\"CVE-2024-36971\",\"cvss\":7.8,\"summary\":\"net: use-after-free in __dst_negative_advice\",\"published\":\"2024-06-10\","
                    + "\"affected\":[{\"fixedIn\":\"" + K83 + "\"}]}",
            "{\"id\":\"CVE-2024-26925\",\"cvss\":5.5,\"summary\":\"netfilter: nf_tables: release mutex after nft_gc_seq_end\",\"published\":"
                    + "\"2024-04-25\",\"affected\":[{\"fixedIn\":\"" + K83 + "\"}]}",
            "{\"id\":\"CVE-2024-26581\",\"cvss\":7.8,\"summary\":\"netfilter: nft_set_rbtree: skip end interval element from gc\",\"published\":"
                    + "\"2024-02-22\",\"livePatchPossible\":false,\"affected\":[{\"fixedIn\":\"" + K90 + "\"}]}",
            "{\"id\":\"CVE-2024-27397\",\"cvss\":7.0,\"summary\":\"netfilter: nf_tables: use timestamp to check for set element timeout\","
                    + "\"published\":\"2024-05-14\",\"affected\":[{\"stream\":\"5.14.21-150500-default\"}]}",
            "{\"id\":\"CVE-2023-52434\",\"cvss\":8.0,\"summary\":\"smb: client: fix potential OOBs in smb2_parse_contexts()\",\"published\":"
                    + "\"2024-02-20\",\"affected\":[{\"stream\":\"6.4.0-150600-default\"}]}");

    /** One host of the fleet. */
    record Spec(String name, String group, String kernel, int version, boolean inProgress, boolean forced, List<String> installed, boolean stale) {
    }

    static final List<Spec> HOSTS = List.of(
            new Spec("h01", "default", K83, 0, false, false, List.of(), false),
            new Spec("h02", "default", K83, 2, false, false, List.of(), false),
            new Spec("h03", "default", K83, 3, false, false, List.of(), false),
            new Spec("h04", "default", K83, 3, true, false, List.of(), false),
            new Spec("h05", "default", K83, 3, false, true, List.of(), false),
            new Spec("h06", "db", K83, 1, false, false, List.of(), false),
            new Spec("h07", "db", K83, 2, false, false, List.of(), false),
            new Spec("h08", "default", K65, 3, false, false, List.of(), false),
            new Spec("h09", "default", K65, 0, false, false, List.of(K83), false),
            new Spec("h10", "db", K65, 2, false, false, List.of(), false),
            new Spec("h11", "default", UNKNOWN, 0, false, false, List.of(), false),
            new Spec("h12", "hold", K83, 2, false, false, List.of(), false),
            new Spec("h13", "default", K83, 3, false, false, List.of(), true),
            new Spec("h14", "db", K65, 3, false, false, List.of(K90), true));

    final TestServer t;
    final Map<String, TestServer.Announced> systems = new LinkedHashMap<>();

    private AuditFleet(TestServer t) {
        this.t = t;
    }

    /** The catalog, the feed, and the fleet (stale hosts check in two hours before the others); the db group pinned last. */
    static AuditFleet build(TestServer t) {
        AuditFleet f = new AuditFleet(t);
        t.admin("POST", "/api/v1/kernels", "{\"product\":\"" + TestServer.LP + "\",\"release\":\"" + K65 + "\",\"released\":\"2024-05-01\"}", 201);
        t.publishVersion(K65, 2, "CVE-2024-1086");
        t.publishVersion(K65, 3, "CVE-2024-1086", "CVE-2024-36971");
        t.publishVersion(K83, 3, "CVE-2024-1086", "CVE-2024-50115");
        TestServer.Response imported = t.admin("POST", "/api/v1/cves", FEED, 200);
        // the two the live patches carry have records already (made from their fixes): the feed replaces them
        assertThat(imported.body().path("added").asInt()).isEqualTo(4);
        assertThat(imported.body().path("updated").asInt()).isEqualTo(2);
        t.admin("PUT", "/api/v1/groups/hold", "{\"policy\":\"pin\"}", 200);
        for (Spec s : HOSTS) {
            if (s.stale()) {
                f.checkIn(s);
            }
        }
        t.clock.advance(Duration.ofHours(2));
        for (Spec s : HOSTS) {
            if (!s.stale()) {
                f.checkIn(s);
            }
        }
        t.admin("PUT", "/api/v1/groups/db/pins/" + K83, "{\"version\":1}", 200);
        return f;
    }

    private void checkIn(Spec s) {
        TestServer.Announced a = systems.computeIfAbsent(s.name(), n -> t.announce(n));
        if (!s.group().equals("default")) {
            t.admin("PUT", "/api/v1/systems/" + a.id() + "/group", "{\"group\":\"" + s.group() + "\"}", 200);
        }
        TestServer.Response r = t.send("POST", "/connect/systems/checkin", a.basic(), posture(s.kernel(), s.version(), s.inProgress(), s.forced(),
                s.installed()));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
    }

    static String posture(String kernel, int version, boolean inProgress, boolean forced, List<String> alsoInstalled) {
        List<String> installed = new ArrayList<>(alsoInstalled);
        installed.add(0, kernel);
        String kernels = String.join("\",\"", installed);
        return "{\"posture\":{\"kernel\":\"" + kernel + "\",\"installedKernels\":[\"" + kernels + "\"],\"installedLivePatches\":[],"
                + "\"loadedPatch\":" + (version == 0 ? "null" : "\"klp_" + version + "\"") + ",\"loadedPackage\":null,\"loadedVersion\":" + version
                + ",\"transition\":\"" + (inProgress ? "in_progress" : "ready") + "\",\"transitionSeconds\":0,\"blockers\":0,\"taint\":0,\"forced\":"
                + forced + ",\"lastApply\":null},\"agent\":\"test\"}";
    }

    long id(String name) {
        return systems.get(name).id();
    }

    // ---- the oracle: the naive audit of what the server stored

    /** The stored inputs and, per system id, its facts as the naive computation sees them. */
    record Stored(NaiveAudit naive, List<CveRecord> cves, Map<Long, HostFacts> hosts, Map<Long, String> groups, List<CatalogKernel> kernels) {
    }

    /**
     * Everything read back from the database, not from the audit: CVE records, catalog, systems.
     * Pins by the policies the fleet set: group db pinned to 1 on K83; group hold (policy pin)
     * holds its loaded version where it is below the newest.
     */
    static Stored stored(TestServer t) {
        t.server.checkins().sync();
        CatalogStore catalog = new CatalogStore(t.db.jdbi());
        List<CveRecord> cves = t.withDb(h -> new CveStore().changedSince(h, -1)).stream().map(CveStore.StoredCve::record).toList();
        List<CatalogKernel> kernels = catalog.kernels().stream().map(k -> new CatalogKernel(k.release(), k.released(), k.endOfSupport())).toList();
        List<LivePatchPackage> packages = catalog.livePatches().stream()
                .map(e -> new LivePatchPackage(KernelRelease.parse(e.kernel()), e.version(), e.released(), e.fixes(), List.of())).toList();
        Map<String, Integer> newest = new HashMap<>();
        packages.forEach(p -> newest.merge(p.kernel().uname(), p.version(), Math::max));
        Map<Long, HostFacts> hosts = new LinkedHashMap<>();
        Map<Long, String> groups = new HashMap<>();
        Map<String, Integer> groupIds = new HashMap<>();
        for (SystemRecord r : new SystemStore(t.db.jdbi()).list(SystemStore.Filter.ALL, 10_000, 0)) {
            HostPosture p = r.posture();
            if (p == null) {
                continue;
            }
            KernelRelease k = KernelRelease.parse(p.kernel());
            Posture posture = p.loadedVersion() == 0 ? Posture.unpatched(k)
                    : new Posture(k, p.loadedVersion(), p.transition().equals("in_progress") ? Transition.IN_PROGRESS : Transition.COMPLETE, p.forced());
            int pin = 0;
            org.klp.core.audit.HoldReason heldBy = org.klp.core.audit.HoldReason.PIN;
            if (r.group().equals("db") && p.kernel().equals(K83)) {
                pin = 1;
            } else if (r.group().equals("hold") && newest.containsKey(p.kernel()) && p.loadedVersion() > 0 && p.loadedVersion() < newest.get(p.kernel())) {
                pin = p.loadedVersion();
                heldBy = org.klp.core.audit.HoldReason.GROUP_POLICY;
            }
            hosts.put(r.id(), new HostFacts((int) r.id(), groupIds.computeIfAbsent(r.group(), g -> groupIds.size()), posture, pin, heldBy,
                    p.installedKernels().stream().map(KernelRelease::parse).toList(), r.lastCheckin(), STALE_AFTER));
            groups.put(r.id(), r.group());
        }
        NaiveAudit naive = new NaiveAudit(ScopePolicy.DEFAULT, ZoneOffset.UTC, cves, kernels, packages);
        return new Stored(naive, cves, hosts, groups, kernels);
    }

    static Instant now(TestServer t) {
        return t.clock.instant();
    }
}
