package org.klp.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.LivePatchPackage;

/**
 * A deterministic synthetic fleet for benchmarks (the server's bench, JMH): a catalog of
 * {@code streams x kernelsPerStream} kernels released two weeks apart, each with cumulative live
 * patch versions every two weeks; {@code cves} CVE records over those streams; and
 * {@code postures} distinct posture classes over which {@code hosts} hosts are spread with a Zipf
 * law (a few big classes, a long tail), every class used.
 *
 * <p>Hosts are not stored: {@link #host(int)} derives host {@code i} from the seed and {@code i},
 * so a million hosts cost nothing until fed. Some hosts have the newest kernel of their stream
 * installed but not running (reboot pending), some are pinned one version below the latest,
 * some have an unfinished or forced transition, some are overdue at {@link #now()}.
 */
public final class SyntheticFleet {

    /** What to generate; {@link #standard} is the target size. */
    public record Shape(int hosts, int postures, int cves, int streams, int kernelsPerStream, int groups, long seed) {
        public Shape {
            if (hosts < postures || postures < 1 || cves < 0 || streams < 1 || kernelsPerStream < 1 || groups < 2) {
                throw new IllegalArgumentException("Not a fleet shape: " + hosts + " hosts over " + postures + " postures, "
                        + cves + " CVEs, " + streams + " streams of " + kernelsPerStream + " kernels, " + groups
                        + " groups (need hosts >= postures >= 1 and at least 2 groups)");
            }
        }

        public static Shape standard(long seed) {
            return new Shape(1_000_000, 2_000, 20_000, 8, 25, 50, seed);
        }
    }

    /**
     * How CVEs are drawn. {@link #UNIFORM}: scores uniform from 2.0 to 10.0 and about one CVE in
     * nine with no fixed kernel yet, so nearly every host has an exposure a reboot or nothing
     * closes. {@link #REALISTIC}: scores as kernel CVEs have them (about a third 7.0 or more); every
     * fix reaches a later kernel of the stream except about 9% of those that qualify for a live
     * patch, which ship as live patches on every kernel of the stream while the kernel fix is on
     * its way (what live patching is for). So hosts on the newest kernel with the newest live patch
     * are safe, older kernels need a reboot for their medium CVEs, and the summary tells hosts apart.
     */
    public enum Mix { UNIFORM, REALISTIC }

    private static final LocalDate FIRST_RELEASE = LocalDate.of(2024, 1, 1);

    private final Shape shape;
    private final List<CatalogKernel> kernels = new ArrayList<>();
    private final List<CveRecord> cves = new ArrayList<>();
    private final List<LivePatchPackage> livePatches = new ArrayList<>();
    private final List<PostureClass> postures = new ArrayList<>();
    private final int[] latest;
    private final double[] cumulativeWeight;
    private final Instant now;

    private SyntheticFleet(Shape shape, Mix mix) {
        this.shape = shape;
        SplittableRandom random = new SplittableRandom(shape.seed());
        int perStream = shape.kernelsPerStream();
        for (int s = 0; s < shape.streams(); s++) {
            for (int j = 0; j < perStream; j++) {
                KernelRelease k = KernelRelease.parse("5.14.21-" + (150000 + 100 * s) + ".55." + (j + 1) + "-default");
                kernels.add(new CatalogKernel(k, FIRST_RELEASE.plusDays(14L * j), FIRST_RELEASE.plusDays(14L * j + 365)));
            }
        }
        now = FIRST_RELEASE.plusDays(14L * perStream + 30).atTime(12, 0).toInstant(ZoneOffset.UTC);
        // CVEs: affected range [intro, fix) of kernel indexes per stream; carried[kernel] collects the live-patchable ones.
        List<List<Fix>> carried = new ArrayList<>();
        for (int i = 0; i < kernels.size(); i++) {
            carried.add(new ArrayList<>());
        }
        for (int c = 0; c < shape.cves(); c++) {
            double cvss = mix == Mix.UNIFORM ? Math.round(random.nextDouble(2.0, 10.0) * 10) / 10.0
                    : Math.round((random.nextInt(3) == 0 ? random.nextDouble(7.0, 9.9) : random.nextDouble(2.0, 7.0)) * 10) / 10.0;
            boolean patchable = random.nextInt(10) > 0;
            FixCategory category = random.nextInt(20) == 0 ? FixCategory.STABILITY : FixCategory.SECURITY;
            List<AffectedStream> affected = new ArrayList<>();
            int streamsHit = 1 + random.nextInt(Math.min(3, shape.streams()));
            int firstStream = random.nextInt(shape.streams());
            int[] fixAt = new int[streamsHit];
            for (int n = 0; n < streamsHit; n++) {
                int s = (firstStream + n) % shape.streams();
                // realistic: a fix reaches the next kernel of the stream, except for some that qualify for a live patch,
                // which ship as live patches while the kernel fix is still on its way
                int fix = mix == Mix.UNIFORM ? random.nextInt(perStream + perStream / 8 + 1)
                        : patchable && (cvss >= 7.0 || category == FixCategory.STABILITY) && random.nextInt(100) < 9 ? perStream
                        : random.nextInt(perStream);
                fixAt[n] = Math.min(fix, perStream);
                KernelRelease fixedIn = fix >= perStream ? null : kernels.get(s * perStream + fix).kernel();
                affected.add(fixedIn == null ? AffectedStream.unfixed(kernels.get(s * perStream).kernel().stream())
                        : AffectedStream.fixedIn(fixedIn));
            }
            CveRecord r = new CveRecord(String.format("CVE-%d-%05d", 2024 + c / 90_000, 10_000 + c % 90_000), cvss, "",
                    "synthetic flaw " + c, FIRST_RELEASE.plusDays(random.nextInt(14 * perStream)), category, patchable, affected);
            cves.add(r);
            if (patchable && (cvss >= 7.0 || category == FixCategory.STABILITY)) {
                Fix fix = r.asFix();
                for (int n = 0; n < streamsHit; n++) {
                    int s = (firstStream + n) % shape.streams();
                    for (int j = 0; j < fixAt[n]; j++) {
                        if (random.nextInt(3) > 0 || (mix == Mix.REALISTIC && fixAt[n] == perStream)) {
                            carried.get(s * perStream + j).add(fix);
                        }
                    }
                }
            }
        }
        // Live patches: version 1 empty, then cumulative slices of the carried fixes, every two weeks until now.
        latest = new int[kernels.size()];
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        for (int i = 0; i < kernels.size(); i++) {
            CatalogKernel k = kernels.get(i);
            int versions = 1 + (int) Math.min(12, java.time.temporal.ChronoUnit.DAYS.between(k.released(), today) / 14);
            List<Fix> fixes = carried.get(i);
            for (int v = 1; v <= versions; v++) {
                int upTo = v == 1 ? 0 : (int) ((long) fixes.size() * (v - 1) / (versions - 1));
                livePatches.add(new LivePatchPackage(k.kernel(), v, k.released().plusDays(14L * (v - 1)),
                        List.copyOf(fixes.subList(0, upTo)), List.of()));
            }
            latest[i] = versions;
        }
        // Postures: distinct classes, newer kernels more likely, mostly on a recent version.
        Set<PostureClass> seen = new HashSet<>();
        while (postures.size() < shape.postures()) {
            int s = random.nextInt(shape.streams());
            int j = perStream - 1 - Math.min(perStream - 1, (int) Math.abs(random.nextGaussian() * perStream / 3));
            int i = s * perStream + j;
            KernelRelease k = kernels.get(i).kernel();
            int loaded = random.nextInt(10) == 0 ? 0 : Math.max(1, latest[i] - random.nextInt(4));
            Transition t = loaded > 0 && random.nextInt(20) == 0 ? Transition.IN_PROGRESS : Transition.COMPLETE;
            boolean forced = loaded > 0 && random.nextInt(50) == 0;
            int pin = random.nextInt(10) == 0 ? Math.max(1, latest[i] - 1) : 0;
            PostureClass p = new PostureClass(new Posture(k, loaded, t, forced), pin);
            if (seen.add(p)) {
                postures.add(p);
            }
        }
        cumulativeWeight = new double[postures.size()];
        double sum = 0;
        for (int p = 0; p < cumulativeWeight.length; p++) {
            sum += 1.0 / (p + 1);
            cumulativeWeight[p] = sum;
        }
    }

    public static SyntheticFleet generate(Shape shape) {
        return new SyntheticFleet(shape, Mix.UNIFORM);
    }

    public static SyntheticFleet generate(Shape shape, Mix mix) {
        return new SyntheticFleet(shape, mix);
    }

    public Shape shape() {
        return shape;
    }

    public List<CatalogKernel> kernels() {
        return kernels;
    }

    public List<CveRecord> cves() {
        return cves;
    }

    public List<LivePatchPackage> livePatches() {
        return livePatches;
    }

    public List<PostureClass> postures() {
        return postures;
    }

    /** The instant the fleet is generated for: after the last kernel's release, some kernels past support. */
    public Instant now() {
        return now;
    }

    /** Host {@code i}: the first {@code postures} hosts take one class each, the rest follow the Zipf law. */
    public HostFacts host(int i) {
        SplittableRandom r = new SplittableRandom(shape.seed() * 0x9E3779B97F4A7C15L + i);
        int p = i < postures.size() ? i : zipf(r.nextDouble() * cumulativeWeight[cumulativeWeight.length - 1]);
        return hostIn(i, postures.get(p), r);
    }

    /** A later check-in of host {@code i}: a posture of another class, checked in at {@link #now()}. */
    public HostFacts checkIn(int i, long variant) {
        SplittableRandom r = new SplittableRandom(shape.seed() * 31 + i * 0x2545F4914F6CDD1DL + variant);
        HostFacts h = hostIn(i, postures.get(r.nextInt(postures.size())), r);
        return new HostFacts(i, h.group(), h.posture(), h.pinnedVersion(), h.installedKernels(), now, h.checkInInterval());
    }

    /** Feeds the catalog, the CVEs and every host to an audit. */
    public void feed(PostureAudit audit) {
        kernels.forEach(audit::addKernel);
        cves.forEach(audit::putCve);
        livePatches.forEach(audit::publish);
        for (int i = 0; i < shape.hosts(); i++) {
            audit.checkIn(host(i));
        }
    }

    private HostFacts hostIn(int i, PostureClass p, SplittableRandom r) {
        KernelRelease running = p.posture().kernel();
        int index = kernelIndex(running);
        int newest = (index / shape.kernelsPerStream() + 1) * shape.kernelsPerStream() - 1;
        List<KernelRelease> installed = r.nextInt(7) == 0 && newest != index
                ? List.of(running, kernels.get(newest).kernel()) : List.of(running);
        // Pinned classes belong to the pinned tenth of the groups.
        int pinnedGroups = Math.max(1, shape.groups() / 10);
        int group = p.pinnedVersion() != 0 ? r.nextInt(pinnedGroups) : pinnedGroups + r.nextInt(shape.groups() - pinnedGroups);
        Duration interval = Duration.ofHours(1);
        Instant checkedIn = r.nextInt(50) == 0 ? now.minus(Duration.ofHours(2 + r.nextInt(48))) : now.minusSeconds(r.nextInt(3600));
        return new HostFacts(i, group, p.posture(), p.pinnedVersion(), installed, checkedIn, interval);
    }

    /** Kernel releases are {@code 5.14.21-<150000 + 100 s>.55.<j + 1>-default}: index {@code s * kernelsPerStream + j}. */
    private int kernelIndex(KernelRelease k) {
        String[] release = k.release().split("\\.");
        int s = (Integer.parseInt(release[0]) - 150000) / 100;
        int j = Integer.parseInt(release[2]) - 1;
        return s * shape.kernelsPerStream() + j;
    }

    private int zipf(double u) {
        int lo = 0;
        int hi = cumulativeWeight.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulativeWeight[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
