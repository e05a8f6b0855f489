package org.klp.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;

/**
 * Random, small, nasty audit inputs from a seed: few streams and kernels so that postures collide
 * into classes, every verdict reachable (loaded versions past the catalog, pins, in-progress and
 * forced transitions, kernels unknown to the catalog, installed kernels of other flavors and
 * streams, overdue check-ins, live patches carrying fixes no kernel has, unknown fix ids).
 */
final class RandomWorld {

    static final Instant EPOCH = Instant.parse("2025-01-01T00:00:00Z");

    final Random random;
    final List<KernelRelease> catalogKernels = new ArrayList<>();
    final List<KernelRelease> allKernels = new ArrayList<>();
    final List<String> streams = new ArrayList<>();
    final List<CatalogKernel> kernelEntries = new ArrayList<>();
    final List<CveRecord> cves = new ArrayList<>();
    final List<LivePatchPackage> packages = new ArrayList<>();
    final List<HostFacts> hosts = new ArrayList<>();
    final Instant now;

    RandomWorld(long seed) {
        random = new Random(seed);
        int streamCount = 1 + random.nextInt(3);
        for (int s = 0; s < streamCount; s++) {
            String flavor = s == 2 ? "rt" : "default";
            int kernelsInStream = 1 + random.nextInt(4);
            for (int i = 0; i < kernelsInStream; i++) {
                KernelRelease k = KernelRelease.parse("5.14.21-1505" + s + "0.55." + (10 + 3 * i) + "-" + flavor);
                allKernels.add(k);
                if (random.nextInt(5) > 0) {
                    catalogKernels.add(k);
                    LocalDate released = LocalDate.of(2024, 1, 1).plusDays(random.nextInt(400));
                    kernelEntries.add(new CatalogKernel(k, released, released.plusDays(random.nextInt(400))));
                }
            }
            streams.add(allKernels.get(allKernels.size() - 1).stream());
        }
        int cveCount = random.nextInt(12);
        for (int i = 0; i < cveCount; i++) {
            cves.add(randomCve("CVE-2024-" + (1000 + i)));
        }
        for (KernelRelease k : catalogKernels) {
            int versions = random.nextInt(5);
            Set<Fix> fixes = new LinkedHashSet<>();
            LocalDate day = LocalDate.of(2024, 6, 1).plusDays(random.nextInt(200));
            for (int v = 1; v <= versions; v++) {
                if (v > 1) {
                    for (CveRecord r : cves) {
                        if (random.nextInt(4) == 0) {
                            fixes.add(r.asFix());
                        }
                    }
                    if (random.nextInt(5) == 0) {
                        fixes.add(Fix.security("CVE-2099-" + (1000 + random.nextInt(20)), 9.0, "not in the feed"));
                    }
                }
                packages.add(new LivePatchPackage(k, v, day, List.copyOf(fixes), List.of()));
                day = day.plusDays(random.nextInt(60));
            }
        }
        Collections.shuffle(packages, random);
        int hostCount = random.nextInt(40);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            ids.add(i);
        }
        Collections.shuffle(ids, random);
        for (int i = 0; i < hostCount; i++) {
            hosts.add(randomHost(ids.get(i)));
        }
        now = EPOCH.plus(Duration.ofHours(random.nextInt(24 * 500)));
    }

    CveRecord randomCve(String id) {
        List<AffectedStream> affected = new ArrayList<>();
        for (String stream : streams) {
            if (random.nextInt(5) < 3) {
                List<KernelRelease> ofStream = allKernels.stream().filter(k -> k.stream().equals(stream)).toList();
                int fixedAt = random.nextInt(ofStream.size() + 1);
                KernelRelease fixedIn = fixedAt == ofStream.size() ? null : ofStream.get(fixedAt);
                KernelRelease introducedIn = null;
                if (random.nextInt(4) == 0 && fixedAt > 0) {
                    introducedIn = ofStream.get(random.nextInt(fixedAt));
                }
                if (fixedIn != null && fixedAt == 0 && random.nextBoolean()) {
                    fixedIn = null;
                }
                affected.add(new AffectedStream(stream, introducedIn, fixedIn));
            }
        }
        FixCategory category = FixCategory.values()[random.nextInt(FixCategory.values().length)];
        double cvss = random.nextInt(101) / 10.0;
        return new CveRecord(id, cvss, "", "", LocalDate.of(2024, 1, 1).plusDays(random.nextInt(500)), category,
                random.nextInt(4) > 0, affected);
    }

    HostFacts randomHost(int id) {
        KernelRelease kernel = random.nextInt(10) == 0
                ? KernelRelease.parse("5.14.21-150500.55." + (11 + random.nextInt(9)) + "-default")
                : allKernels.get(random.nextInt(allKernels.size()));
        int latest = (int) packages.stream().filter(p -> p.kernel().equals(kernel)).count();
        int loaded = random.nextInt(3) == 0 ? 0 : random.nextInt(latest + 2);
        Transition t = loaded > 0 && random.nextInt(4) == 0 ? Transition.IN_PROGRESS : Transition.COMPLETE;
        boolean forced = loaded > 0 && random.nextInt(5) == 0;
        int pin = random.nextInt(3) == 0 ? 1 + random.nextInt(latest + 1) : 0;
        List<KernelRelease> installed = new ArrayList<>();
        installed.add(kernel);
        for (KernelRelease k : allKernels) {
            if (random.nextInt(4) == 0) {
                installed.add(k);
            }
        }
        Instant checkIn = EPOCH.plus(Duration.ofHours(random.nextInt(24 * 500)));
        Duration interval = Duration.ofHours(1 + random.nextInt(24 * 30));
        HoldReason heldBy = HoldReason.values()[random.nextInt(HoldReason.values().length)];
        return new HostFacts(id, random.nextInt(4), new Posture(kernel, loaded, t, forced), pin, heldBy, installed, checkIn, interval);
    }

    /** A new random check-in for a host id, possibly from a kernel the world has not seen. */
    HostFacts checkIn(int id) {
        return randomHost(id);
    }
}
