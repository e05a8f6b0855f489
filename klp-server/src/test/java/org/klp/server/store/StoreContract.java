package org.klp.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.klp.core.fleet.HostPosture;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.OnTimeout;
import org.klp.core.rollout.RolloutState;
import org.klp.core.rollout.UpdatePolicy;

/**
 * The stores' behaviour, run against H2 ({@link H2StoreTest}) and PostgreSQL ({@link PostgresStoreTest}):
 * the same SQL must mean the same thing on both.
 */
abstract class StoreContract {

    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    static final String KERNEL = "5.14.21-150500.55.83-default";

    abstract Database db();

    private HostPosture posture(int version, long taint, HostPosture.ApplyReport last) {
        return new HostPosture(KERNEL, List.of(KERNEL), List.of(new HostPosture.InstalledLivePatch("kernel-livepatch-5_14_21-150500_55_83-default", 2)),
                version == 0 ? null : "klp_" + version, null, version, "ready", 0, 0, taint, false, last);
    }

    private long system(String login, String group) {
        SystemStore systems = new SystemStore(db().jdbi());
        return db().jdbi().inTransaction(h -> systems.register(h, login, Secrets.hash("pw"), login, group, T0));
    }

    @Test
    void checkinsAreStoredInGroupsWithHistoryOnlyWhenSomethingChanges() throws Exception {
        long id = system("SCC_checkins", "web");
        try (CheckinWriter w = new CheckinWriter(db().jdbi())) {
            CheckinWriter.Stored s1 = w.submit(CheckinWriter.Checkin.of(id, posture(0, 0, null), T0)).get();
            assertThat(s1.found()).isTrue();
            assertThat(s1.group()).isEqualTo("web");
            HostPosture.ApplyReport done = new HostPosture.ApplyReport("update", 2, "completed", "ok", T0.plusSeconds(5).toString());
            List<CompletableFuture<CheckinWriter.Stored>> burst = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                burst.add(w.submit(CheckinWriter.Checkin.of(id, posture(2, 1L << 15, done), T0.plusSeconds(10 + i))));
            }
            for (CompletableFuture<CheckinWriter.Stored> f : burst) {
                assertThat(f.get().found()).isTrue();
            }
            assertThat(w.submit(CheckinWriter.Checkin.of(999_999, posture(0, 0, null), T0)).get().found()).isFalse();
            // a new warning taint (W) on top of the live patch's own flags
            w.submit(CheckinWriter.Checkin.of(id, posture(2, (1L << 15) | (1L << 9), done), T0.plusSeconds(100))).get();
        }
        SystemRecord r = new SystemStore(db().jdbi()).find(id).orElseThrow();
        assertThat(r.checkins()).isEqualTo(52);
        assertThat(r.posture().loadedVersion()).isEqualTo(2);
        assertThat(r.posture().lastApply().result()).isEqualTo("completed");
        assertThat(r.newTaint()).isEqualTo(1L << 9);
        assertThat(r.lastSeen()).isEqualTo(T0.plusSeconds(100));
        List<String> kinds = new SystemStore(db().jdbi()).events(id, 100).stream().map(SystemEvent::kind).toList();
        assertThat(kinds).containsExactly("taint", "apply-completed", "posture", "first-checkin");
    }

    @Test
    void aCheckinTheDatabaseRefusesFailsAloneAndTheRestOfItsGroupIsStored() throws Exception {
        List<Long> good = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            good.add(system("SCC_group_" + i, "web"));
        }
        long bad = system("SCC_group_poison", "web");
        // longer than its column: what the API's checks refuse, sent to the writer directly as if they had missed it
        HostPosture overflow = new HostPosture(KERNEL, List.of(KERNEL), List.of(), "p".repeat(65), null, 1, "ready", 0, 0, 0, false, null);
        try (CheckinWriter w = new CheckinWriter(db().jdbi())) {
            List<CompletableFuture<CheckinWriter.Stored>> goods = new ArrayList<>();
            CompletableFuture<CheckinWriter.Stored> poisoned = null;
            for (int i = 0; i < good.size(); i++) {
                if (i == good.size() / 2) {
                    poisoned = w.submit(CheckinWriter.Checkin.of(bad, overflow, T0.plusSeconds(1)));
                }
                goods.add(w.submit(CheckinWriter.Checkin.of(good.get(i), posture(2, 0, null), T0.plusSeconds(1))));
            }
            for (CompletableFuture<CheckinWriter.Stored> f : goods) {
                assertThat(f.get().found()).isTrue();
            }
            CompletableFuture<CheckinWriter.Stored> refused = poisoned;
            assertThatThrownBy(refused::get).isInstanceOf(java.util.concurrent.ExecutionException.class);
        }
        SystemStore systems = new SystemStore(db().jdbi());
        for (long id : good) {
            assertThat(systems.find(id).orElseThrow().posture().loadedVersion()).isEqualTo(2);
        }
        assertThat(systems.find(bad).orElseThrow().posture()).isNull();
    }

    @Test
    void aFeedRecordTheDatabaseRefusesIsRefusedAloneWithItsLineAndTheRestOfItsChunkIsStored() {
        CveStore cves = new CveStore();
        org.klp.server.audit.CveImporter importer = new org.klp.server.audit.CveImporter(db().jdbi(), cves, new PolicyStore(db().jdbi()),
                org.klp.core.scope.ScopePolicy.DEFAULT, java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
        List<org.klp.server.audit.CveFeed.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            entries.add(new org.klp.server.audit.CveFeed.Entry(i + 1, new org.klp.core.audit.CveRecord("CVE-2033-" + (10_000 + i), 7.5, "", "s",
                    LocalDate.of(2033, 1, 1), org.klp.core.patch.FixCategory.SECURITY, true, List.of())));
        }
        // a fixed release longer than its column (the feed's reader refuses it; here it comes as if the reader had missed it)
        KernelRelease tooLong = KernelRelease.parse("5.14.21-" + "1".repeat(150) + "-default");
        entries.set(700, new org.klp.server.audit.CveFeed.Entry(701, new org.klp.core.audit.CveRecord("CVE-2033-99999", 7.5, "", "s",
                LocalDate.of(2033, 1, 1), org.klp.core.patch.FixCategory.SECURITY, true, List.of(org.klp.core.audit.AffectedStream.fixedIn(tooLong)))));
        org.klp.server.audit.CveImporter.Report r = importer.importFeed(new org.klp.server.audit.CveFeed.Parsed(1500, entries, List.of()));
        assertThat(r.added()).isEqualTo(1499);
        assertThat(r.refusedTotal()).isEqualTo(1);
        assertThat(r.refused().get(0).line()).isEqualTo(701);
        assertThat(r.refused().get(0).error()).doesNotContainIgnoringCase("insert").doesNotContain("Exception");
        long stored = db().jdbi().withHandle(h -> h.createQuery("select count(*) from cves where id like 'CVE-2033-%'").mapTo(Long.class).one());
        assertThat(stored).isEqualTo(1499);
    }

    @Test
    void systemsAreFilteredByKernelVersionGroupStateAndLastSeen() throws Exception {
        long a = system("SCC_filter_a", "db");
        long b = system("SCC_filter_b", "db");
        system("SCC_filter_c", "web");
        try (CheckinWriter w = new CheckinWriter(db().jdbi())) {
            w.submit(CheckinWriter.Checkin.of(a, posture(3, 0, null), T0.plusSeconds(60))).get();
            w.submit(CheckinWriter.Checkin.of(b, posture(1, 0, new HostPosture.ApplyReport("update", 3, "reverted", "blocked", T0.toString())),
                    T0.plusSeconds(120))).get();
        }
        SystemStore s = new SystemStore(db().jdbi());
        assertThat(s.count(new SystemStore.Filter(KERNEL, 3, "db", null, null, null, null))).isEqualTo(1);
        assertThat(s.count(new SystemStore.Filter(null, null, "db", null, "failed", null, null))).isEqualTo(1);
        assertThat(s.list(new SystemStore.Filter(null, null, null, null, "new", null, null), 10, 0)).extracting(SystemRecord::login)
                .contains("SCC_filter_c").doesNotContain("SCC_filter_a");
        assertThat(s.count(new SystemStore.Filter(null, null, "db", null, null, T0.plusSeconds(100), null))).isEqualTo(1);
        assertThat(s.count(new SystemStore.Filter(null, null, "db", null, null, null, T0.plusSeconds(100)))).isEqualTo(1);
        assertThat(s.postureCounts()).isNotEmpty();
    }

    @Test
    void catalogPoliciesAndRegistrationCodesRoundTrip() {
        CatalogStore catalog = new CatalogStore(db().jdbi());
        PolicyStore policies = new PolicyStore(db().jdbi());
        RegistrationStore reg = new RegistrationStore(db().jdbi());
        long gen = policies.generation();
        KernelEntry k = db().jdbi().inTransaction(h -> {
            int pid = catalog.nextProductId(h);
            catalog.addProduct(h, new org.klp.server.store.Product(pid, "sle-module-live-patching", "15." + pid, "x86_64", "LP", null, false));
            KernelEntry e = catalog.addKernel(h, pid, KernelRelease.parse("6.4.0-150600.23." + pid + "-default"), "x86_64",
                    LocalDate.of(2025, 1, 2), LocalDate.of(2026, 1, 2), T0);
            catalog.addLivePatch(h, e, 1, LocalDate.of(2025, 1, 2), "m1", "a.rpm", "00", List.of(), T0);
            catalog.addLivePatch(h, e, 2, LocalDate.of(2025, 2, 2), "m2", "b.rpm", "11",
                    List.of(Fix.security("CVE-2024-1086", 7.8, "nf_tables")), T0);
            policies.putGroup(h, GroupPolicy.of("prod", "staged", "canary", Duration.ofHours(2), 2, true, "wait", null), T0);
            policies.putPin(h, new PolicyStore.Pin("*", e.release().uname(), 1), T0);
            policies.startRollout(h, "prod", e.release().uname(), 2, T0);
            return e;
        });
        assertThat(policies.generation()).isGreaterThan(gen);
        List<LivePatchEntry> patches = db().jdbi().withHandle(h -> catalog.livePatches(h, k.release().uname()));
        assertThat(patches).hasSize(2)
                .last().satisfies(p -> assertThat(p.fixes()).extracting(Fix::id).containsExactly("CVE-2024-1086"));
        assertThat(db().jdbi().withHandle(policies::groups)).anySatisfy(g -> {
            assertThat(g.name()).isEqualTo("prod");
            assertThat(g.update()).isEqualTo(new UpdatePolicy.Staged("canary", Duration.ofHours(2), 2));
            assertThat(g.kernelLock()).isTrue();
            assertThat(g.onTimeout()).isEqualTo(OnTimeout.WAIT);
        });
        assertThat(db().jdbi().withHandle(policies::rollouts)).anySatisfy(r -> assertThat(r.status()).isEqualTo(RolloutState.CANARY));
        assertThatThrownBy(() -> db().jdbi().useTransaction(h -> policies.startRollout(h, "prod", k.release().uname(), 2, T0)))
                .hasMessageContaining("rollouts");

        long codeId = db().jdbi().inTransaction(h -> reg.addCode(h, "KLP-TEST-" + k.id(), "test", k.productId(), 2, "web", T0.plusSeconds(60), T0));
        RegistrationCode c = db().jdbi().inTransaction(h -> reg.codeForUpdate(h, "KLP-TEST-" + k.id())).orElseThrow();
        assertThat(c.id()).isEqualTo(codeId);
        assertThat(c.group()).isEqualTo("web");
        assertThat(c.expiresAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(c.used()).isZero();
        java.util.Optional<RegistrationCode> none = db().jdbi().inTransaction(h -> reg.codeForUpdate(h, "KLP-NOT-IT"));
        assertThat(none).isEmpty();
    }

    @Test
    void cveRecordsRoundTripChangesAreFoundByRevisionAndTheCatalogViewDerivesCarryingVersions() {
        CatalogStore catalog = new CatalogStore(db().jdbi());
        PolicyStore policies = new PolicyStore(db().jdbi());
        CveStore cves = new CveStore();
        org.klp.server.audit.CveImporter importer = new org.klp.server.audit.CveImporter(db().jdbi(), cves, policies,
                org.klp.core.scope.ScopePolicy.DEFAULT, java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
        long since = db().jdbi().withHandle(policies::generation);
        KernelRelease k = KernelRelease.parse("5.3.18-150300.59.1" + since + "-default");
        String stream = k.stream();
        // a live patch carrying two CVEs and a bug; the view sees the CVEs only, from their first version on
        db().jdbi().useTransaction(h -> {
            int pid = catalog.nextProductId(h);
            catalog.addProduct(h, new Product(pid, "sle-module-live-patching", "15.3." + pid, "x86_64", "LP", null, false));
            KernelEntry e = catalog.addKernel(h, pid, k, "x86_64", LocalDate.of(2025, 1, 2), LocalDate.of(2026, 1, 2), T0);
            catalog.addLivePatch(h, e, 1, LocalDate.of(2025, 1, 2), "m1", null, null, List.of(), T0);
            List<Fix> fixes = List.of(Fix.security("CVE-2031-1001", 7.8, "one"), Fix.security("CVE-2031-1002", 9.1, "two"),
                    new Fix("bsc#99", 0.0, "a bug", List.of(), org.klp.core.patch.FixCategory.STABILITY, false));
            catalog.addLivePatch(h, e, 2, LocalDate.of(2025, 2, 2), "m2", null, null, fixes.subList(0, 1), T0);
            catalog.addLivePatch(h, e, 3, LocalDate.of(2025, 3, 2), "m3", null, null, fixes, T0);
        });
        java.util.SortedMap<String, Integer> carrying = db().jdbi().withHandle(h -> cves.livePatchesCarrying(h, "CVE-2031-1001"));
        assertThat(carrying).containsExactly(java.util.Map.entry(k.uname(), 2));
        java.util.Map<String, java.util.Set<String>> carried = db().jdbi().withHandle(h -> cves.carriedStreams(h, List.of("CVE-2031-1002", "bsc#99")));
        assertThat(carried).containsOnlyKeys("CVE-2031-1002");
        // published before CVE records existed: made at start from the fixes
        assertThat(importer.reconcileWithCatalog()).isEqualTo(2);
        assertThat(importer.reconcileWithCatalog()).isZero();
        CveStore.StoredCve made = db().jdbi().withHandle(h -> cves.find(h, "CVE-2031-1002")).orElseThrow();
        assertThat(made.source()).isEqualTo(CveStore.Source.CATALOG);
        assertThat(made.record().cvss()).isEqualTo(9.1);
        assertThat(made.record().published()).isEqualTo(LocalDate.of(2025, 3, 2));
        assertThat(made.catalogStreams()).containsExactly(stream);
        // the feed replaces it, keeping the stream the live patch names; qualifies follows the score
        org.klp.server.audit.CveFeed.Parsed feed = org.klp.server.audit.CveFeed.parse(("{\"id\":\"CVE-2031-1002\",\"cvss\":6.5,"
                + "\"vector\":\"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N\",\"published\":\"2024-12-01\",\"affected\":[{\"stream\":"
                + "\"6.4.0-150600-default\",\"introducedIn\":\"6.4.0-150600.1-default\",\"fixedIn\":\"6.4.0-150600.23.7-default\"}]}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(importer.importFeed(feed).updated()).isEqualTo(1);
        assertThat(importer.importFeed(feed).unchanged()).isEqualTo(1);
        CveStore.StoredCve replaced = db().jdbi().withHandle(h -> cves.find(h, "CVE-2031-1002")).orElseThrow();
        assertThat(replaced.source()).isEqualTo(CveStore.Source.FEED);
        assertThat(replaced.record().cvss()).isEqualTo(6.5);
        assertThat(replaced.record().affected()).extracting(org.klp.core.audit.AffectedStream::stream).containsExactly(stream, "6.4.0-150600-default");
        assertThat(replaced.record().affected().get(1).introducedIn()).isEqualTo(KernelRelease.parse("6.4.0-150600.1-default"));
        assertThat(replaced.catalogStreams()).containsExactly(stream);
        boolean qualifies = db().jdbi().withHandle(h -> h.createQuery("select qualifies from cves where id = 'CVE-2031-1002'").mapTo(Boolean.class).one());
        assertThat(qualifies).isFalse();
        // every instance finds what changed after the revision it saw, in order
        List<String> changed = db().jdbi().withHandle(h -> cves.changedSince(h, since)).stream().map(c -> c.record().id()).toList();
        assertThat(changed).containsExactly("CVE-2031-1001", "CVE-2031-1002");
        List<CveStore.StoredCve> none = db().jdbi().withHandle(h -> cves.changedSince(h, replaced.revision()));
        assertThat(none).isEmpty();
    }

    @Test
    void theFleetFeedNumbersEventsOfConcurrentWritersInCommitOrderWithoutGaps() throws Exception {
        long before = db().jdbi().withHandle(FleetFeed::head);
        int writers = 8;
        int each = 25;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        int n = 1 + (i % 3);
                        boolean rollBack = i % 7 == 3;
                        try {
                            db().jdbi().useTransaction(h -> {
                                List<FleetFeed.Event> events = new ArrayList<>();
                                for (int k = 0; k < n; k++) {
                                    events.add(new FleetFeed.Seen(T0, 1000L * writer + k));
                                }
                                FleetFeed.append(h, events);
                                if (rollBack) {
                                    throw new IllegalStateException("rolled back on purpose");
                                }
                            });
                        } catch (IllegalStateException expected) {
                            // its numbers are given back
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        long head = db().jdbi().withHandle(FleetFeed::head);
        List<FleetFeed.Numbered> events = db().jdbi().withHandle(h -> FleetFeed.after(h, before, 100_000));
        assertThat(events).hasSize((int) (head - before));
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).seq()).isEqualTo(before + 1 + i);
        }
        int committed = 0;
        for (int i = 0; i < each; i++) {
            committed += i % 7 == 3 ? 0 : 1 + (i % 3);
        }
        assertThat(head - before).isEqualTo((long) committed * writers);
    }

    @Test
    void repeatedCheckinsAreFoldedFromTheFeedOnceAndTheFeedIsPrunedBehindEveryLiveInstance() throws Exception {
        long id = system("SCC_fold", "web");
        try (CheckinWriter w = new CheckinWriter(db().jdbi())) {
            w.submit(CheckinWriter.Checkin.of(id, posture(2, 0, null), T0)).get();
            for (int i = 1; i <= 20; i++) {
                w.submit(CheckinWriter.Checkin.of(id, posture(2, 0, null), T0.plusSeconds(i))).get();
            }
            long head = db().jdbi().withHandle(FleetFeed::head);
            db().jdbi().useTransaction(h -> FleetFeed.heartbeat(h, "slow-instance", head - 5, Instant.now()));
            w.sync();
            SystemRecord r = new SystemStore(db().jdbi()).find(id).orElseThrow();
            assertThat(r.checkins()).isEqualTo(21);
            assertThat(r.lastCheckin()).isEqualTo(T0.plusSeconds(20));
            assertThat(r.postureSince()).isEqualTo(T0);
            assertThat(db().jdbi().withHandle(FleetFeed::folded)).isEqualTo(head);
            // the slow instance still needs the last five events
            List<FleetFeed.Numbered> kept = db().jdbi().withHandle(h -> FleetFeed.after(h, 0, 1000));
            assertThat(kept).extracting(FleetFeed.Numbered::seq).containsExactly(head - 4, head - 3, head - 2, head - 1, head);
            db().jdbi().useTransaction(h -> FleetFeed.leave(h, "slow-instance"));
            w.sync();
            List<FleetFeed.Numbered> left = db().jdbi().withHandle(h -> FleetFeed.after(h, 0, 1000));
            assertThat(left).isEmpty();
            assertThat(new SystemStore(db().jdbi()).find(id).orElseThrow().checkins()).as("folded once").isEqualTo(21);
        }
    }
}
