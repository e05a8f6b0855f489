package org.klp.core.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
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
     * Two streams are set apart: the newest ({@code streams - 1}) has a kernel fix for every CVE
     * that touches it, and the oldest (0) carries a few fresh CVEs that nothing fixes yet. Posture
     * classes are then drawn so that the hosts' worst verdicts follow {@link #REALISTIC_TARGET}
     * (see {@link #intendedMix()}), and 1% of the hosts are stale.
     */
    public enum Mix { UNIFORM, REALISTIC }

    /**
     * The share of hosts the {@link Mix#REALISTIC} generator aims at for each worst verdict,
     * before staleness (1% of the hosts, whose live patch verdicts become {@link Verdict#UNKNOWN}).
     * No host is {@link Verdict#NOT_AFFECTED} by every CVE of a 20,000-CVE catalog, nor does a
     * synthetic host wait for a reboot into a kernel it has not installed: those stay at 0.
     */
    public static final Map<Verdict, Double> REALISTIC_TARGET = Map.of(
            Verdict.PATCHED_BY_KERNEL, 0.08,
            Verdict.PATCHED_BY_LIVE_PATCH, 0.22,
            Verdict.LIVE_PATCH_IN_PROGRESS, 0.02,
            Verdict.LIVE_PATCH_AVAILABLE, 0.22,
            Verdict.REBOOT_PENDING, 0.08,
            Verdict.REBOOT_REQUIRED, 0.30,
            Verdict.NO_FIX_YET, 0.08);

    /** The share of hosts of a {@link Mix#REALISTIC} fleet whose last check-in is past its deadline. */
    public static final double REALISTIC_STALE_SHARE = 0.01;

    private static final LocalDate FIRST_RELEASE = LocalDate.of(2024, 1, 1);

    private final Shape shape;
    private final List<CatalogKernel> kernels = new ArrayList<>();
    private final List<CveRecord> cves = new ArrayList<>();
    private final List<LivePatchPackage> livePatches = new ArrayList<>();
    private final List<PostureClass> postures = new ArrayList<>();
    /** For {@link Mix#REALISTIC}: the worst verdict each class is drawn for (null for {@link Mix#UNIFORM}). */
    private final List<Verdict> roles = new ArrayList<>();
    private final Mix mix;
    private final int[] latest;
    private final double[] cumulativeWeight;
    private final Instant now;

    private SyntheticFleet(Shape shape, Mix mix) {
        this.shape = shape;
        this.mix = mix;
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
                        : patchable && (cvss >= 7.0 || category == FixCategory.STABILITY) && random.nextInt(100) < 9 && s != cleanStream() ? perStream
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
        if (mix == Mix.REALISTIC) {
            // fresh flaws of the oldest stream nothing fixes yet: medium scores (no live patch qualifies), every kernel of stream 0 affected
            for (int c = 0; c < Math.max(1, shape.cves() / 2_000); c++) {
                int n = shape.cves() + c;
                cves.add(new CveRecord(String.format("CVE-%d-%05d", 2024 + n / 90_000, 10_000 + n % 90_000), 5.5, "", "synthetic flaw " + n + ", no fix yet",
                        FIRST_RELEASE.plusDays(14L * perStream), FixCategory.SECURITY, false,
                        List.of(AffectedStream.unfixed(kernels.get(0).kernel().stream()))));
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
        cumulativeWeight = new double[shape.postures()];
        double sum = 0;
        for (int p = 0; p < cumulativeWeight.length; p++) {
            sum += 1.0 / (p + 1);
            cumulativeWeight[p] = sum;
        }
        if (mix == Mix.UNIFORM) {
            uniformPostures(random);
        } else {
            realisticPostures(random);
        }
    }

    /** Distinct classes, newer kernels more likely, mostly on a recent version. */
    private void uniformPostures(SplittableRandom random) {
        int perStream = shape.kernelsPerStream();
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
                roles.add(null);
            }
        }
    }

    /**
     * Classes in Zipf order, each drawn for the worst verdict furthest below its target share so
     * far (weighing each class by the hosts it will have); a verdict whose distinct classes run out
     * (few postures patch a host by live patch) leaves its share to the others. The biggest class
     * is the current posture, as in a maintained fleet: it also has the fewest distinct classes.
     */
    private void realisticPostures(SplittableRandom random) {
        Set<PostureClass> seen = new HashSet<>();
        Map<Verdict, Double> assigned = new EnumMap<>(Verdict.class);
        Set<Verdict> exhausted = java.util.EnumSet.noneOf(Verdict.class);
        while (postures.size() < shape.postures()) {
            double share = classShare(postures.size());
            Verdict role = postures.isEmpty() ? Verdict.PATCHED_BY_LIVE_PATCH : null;
            double deficit = postures.isEmpty() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            for (Map.Entry<Verdict, Double> e : REALISTIC_TARGET.entrySet()) {
                double d = e.getValue() - assigned.getOrDefault(e.getKey(), 0.0);
                if (!exhausted.contains(e.getKey()) && (d > deficit || d == deficit && e.getKey().compareTo(role) < 0)) {
                    role = e.getKey();
                    deficit = d;
                }
            }
            if (role == null) {
                throw new IllegalStateException("too many postures for the realistic mix: " + shape.postures() + " classes, " + postures.size()
                        + " distinct ones drawn");
            }
            PostureClass drawn = null;
            for (int attempt = 0; attempt < 200 && drawn == null; attempt++) {
                PostureClass p = draw(role, random);
                if (seen.add(p)) {
                    drawn = p;
                }
            }
            if (drawn == null) {
                exhausted.add(role);
                continue;
            }
            postures.add(drawn);
            roles.add(role);
            assigned.merge(role, share, Double::sum);
        }
    }

    /** A posture class whose worst verdict over the realistic catalog is {@code role}. */
    private PostureClass draw(Verdict role, SplittableRandom random) {
        int perStream = shape.kernelsPerStream();
        int newest = perStream - 1;
        // streams 1 .. streams-2: live patches first for some high CVEs; 0 has unfixed flaws; streams-1 a kernel fix for everything
        int regular = shape.streams() <= 2 ? 0 : 1 + random.nextInt(shape.streams() - 2);
        // older kernels still in support: released less than a year before now
        int older = Math.max(0, perStream - 2 - (int) Math.min(perStream - 3, Math.abs(random.nextGaussian() * perStream / 3)));
        int i;
        int loaded;
        Transition t = Transition.COMPLETE;
        boolean forced = false;
        int pin = 0;
        switch (role) {
            case PATCHED_BY_KERNEL -> {
                i = cleanStream() * perStream + newest;
                loaded = random.nextInt(latest[i] + 1);
                t = loaded > 0 && random.nextInt(4) == 0 ? Transition.IN_PROGRESS : Transition.COMPLETE;
                forced = loaded > 0 && random.nextInt(4) == 0;
            }
            case PATCHED_BY_LIVE_PATCH -> {
                i = regular * perStream + newest;
                loaded = latest[i];
            }
            case LIVE_PATCH_IN_PROGRESS -> {
                i = regular * perStream + newest;
                loaded = latest[i];
                forced = random.nextBoolean();
                t = !forced || random.nextBoolean() ? Transition.IN_PROGRESS : Transition.COMPLETE;
            }
            case LIVE_PATCH_AVAILABLE -> {
                i = regular * perStream + newest;
                loaded = random.nextInt(latest[i]);
                pin = loaded == latest[i] - 1 && random.nextBoolean() ? loaded : 0;
            }
            case REBOOT_PENDING -> {
                // the newest kernel installed but not running (hostIn installs it for this role); the live patches up to date
                i = regular * perStream + older;
                loaded = latest[i];
            }
            case REBOOT_REQUIRED -> {
                i = regular * perStream + older;
                loaded = random.nextInt(10) == 0 ? 0 : Math.max(1, latest[i] - random.nextInt(4));
                t = loaded > 0 && random.nextInt(20) == 0 ? Transition.IN_PROGRESS : Transition.COMPLETE;
            }
            case NO_FIX_YET -> {
                i = perStream - 1 - Math.min(perStream - 1, (int) Math.abs(random.nextGaussian() * perStream / 3));
                loaded = random.nextInt(10) == 0 ? 0 : Math.max(1, latest[i] - random.nextInt(4));
                t = loaded > 0 && random.nextInt(20) == 0 ? Transition.IN_PROGRESS : Transition.COMPLETE;
            }
            default -> throw new IllegalArgumentException("the realistic mix draws no class for " + role);
        }
        return new PostureClass(new Posture(kernels.get(i).kernel(), loaded, t, forced), pin);
    }

    /** The newest stream: a kernel fix reaches it for every CVE. */
    private int cleanStream() {
        return shape.streams() - 1;
    }

    /** The expected share of hosts in class {@code p}: host p itself, then its Zipf weight of the rest. */
    private double classShare(int p) {
        double rest = shape.hosts() - shape.postures();
        double weight = (cumulativeWeight[p] - (p == 0 ? 0 : cumulativeWeight[p - 1])) / cumulativeWeight[cumulativeWeight.length - 1];
        return (1 + rest * weight) / shape.hosts();
    }

    /**
     * The share of hosts per worst verdict this fleet is built to have at {@link #now()} (every
     * verdict present, summing to 1): for {@link Mix#REALISTIC} each class's expected share under
     * its drawn verdict, the stale hosts of the classes with a live patch verdict under
     * {@link Verdict#UNKNOWN}. Empty for {@link Mix#UNIFORM}, which intends no mix.
     */
    public Map<Verdict, Double> intendedMix() {
        if (mix == Mix.UNIFORM) {
            return Map.of();
        }
        Map<Verdict, Double> m = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            m.put(v, 0.0);
        }
        for (int p = 0; p < postures.size(); p++) {
            Verdict role = roles.get(p);
            double share = classShare(p);
            if (role.kernelOnly()) {
                m.merge(role, share, Double::sum);
            } else {
                m.merge(role, share * (1 - REALISTIC_STALE_SHARE), Double::sum);
                m.merge(Verdict.UNKNOWN, share * REALISTIC_STALE_SHARE, Double::sum);
            }
        }
        return Map.copyOf(m);
    }

    public Mix mix() {
        return mix;
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
        return hostIn(i, p, r);
    }

    /** A later check-in of host {@code i}: a posture of another class, checked in at {@link #now()}. */
    public HostFacts checkIn(int i, long variant) {
        SplittableRandom r = new SplittableRandom(shape.seed() * 31 + i * 0x2545F4914F6CDD1DL + variant);
        HostFacts h = hostIn(i, r.nextInt(postures.size()), r);
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

    /**
     * Host {@code i} in class {@code c}. Uniform: one host in seven has its stream's newest kernel
     * installed, one in fifty is 2 to 50 hours overdue, the rest checked in within the hour. Realistic:
     * the newest kernel is installed on the hosts drawn to wait for a reboot into it, one host in a
     * hundred is overdue, the rest checked in within the last 30 minutes (a bench that runs for a
     * while after loading them still finds them current).
     */
    private HostFacts hostIn(int i, int c, SplittableRandom r) {
        PostureClass p = postures.get(c);
        KernelRelease running = p.posture().kernel();
        int index = kernelIndex(running);
        int newest = (index / shape.kernelsPerStream() + 1) * shape.kernelsPerStream() - 1;
        boolean installsNewest = mix == Mix.UNIFORM ? r.nextInt(7) == 0 : roles.get(c) == Verdict.REBOOT_PENDING;
        List<KernelRelease> installed = installsNewest && newest != index ? List.of(running, kernels.get(newest).kernel()) : List.of(running);
        // Pinned classes belong to the pinned tenth of the groups.
        int pinnedGroups = Math.max(1, shape.groups() / 10);
        int group = p.pinnedVersion() != 0 ? r.nextInt(pinnedGroups) : pinnedGroups + r.nextInt(shape.groups() - pinnedGroups);
        Duration interval = Duration.ofHours(1);
        Instant checkedIn;
        if (mix == Mix.UNIFORM) {
            checkedIn = r.nextInt(50) == 0 ? now.minus(Duration.ofHours(2 + r.nextInt(48))) : now.minusSeconds(r.nextInt(3600));
        } else {
            checkedIn = r.nextDouble() < REALISTIC_STALE_SHARE ? now.minus(Duration.ofHours(2 + r.nextInt(48))) : now.minusSeconds(r.nextInt(1800));
        }
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
