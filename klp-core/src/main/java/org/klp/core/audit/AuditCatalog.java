package org.klp.core.audit;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.core.scope.ScopePolicy;

/**
 * The fleet-independent half of the audit: CVE records, kernels and their live patches, and the
 * rules that turn a posture class and a CVE into a verdict and its evidence. Both the byte codes
 * of a whole class ({@link #classCodes}) and the evidence of one pair ({@link #classEvidence})
 * come from here and follow the same precedence ({@link Verdict}).
 *
 * <p>Verdict arrays (kernel bases and class codes) are sized to {@link #capacity()}, which grows
 * geometrically as CVEs are added; the caller grows class arrays when it changes.
 */
final class AuditCatalog {

    private final CveTable cves;
    private final Map<KernelRelease, KernelState> kernels = new HashMap<>();
    private final Map<String, TreeMap<KernelRelease, KernelState>> byStream = new HashMap<>();
    /** Per stream, per fix id: the newest kernel of the stream with a live patch carrying the fix. */
    private final Map<String, Map<String, KernelState>> newestCarrier = new HashMap<>();
    private int capacity = 64;

    AuditCatalog(ScopePolicy policy) {
        this.cves = new CveTable(policy);
    }

    CveTable cves() {
        return cves;
    }

    int capacity() {
        return capacity;
    }

    Collection<KernelState> kernels() {
        return kernels.values();
    }

    /** Kernels of one stream, oldest first; those only seen on hosts included. */
    Collection<KernelState> kernelsOfStream(String stream) {
        TreeMap<KernelRelease, KernelState> m = byStream.get(stream);
        return m == null ? List.of() : m.values();
    }

    /** The newest kernel of a stream that the catalog publishes, if any. */
    Optional<KernelState> newestPublished(String stream) {
        TreeMap<KernelRelease, KernelState> m = byStream.get(stream);
        if (m != null) {
            for (KernelState k : m.descendingMap().values()) {
                if (k.entry != null) {
                    return Optional.of(k);
                }
            }
        }
        return Optional.empty();
    }

    /** The state of a kernel, created with its base verdicts on first sight. */
    KernelState kernel(KernelRelease release) {
        KernelState k = kernels.get(release);
        if (k == null) {
            k = new KernelState(release, baseCodes(release));
            kernels.put(release, k);
            byStream.computeIfAbsent(release.stream(), s -> new TreeMap<>()).put(release, k);
        }
        return k;
    }

    KernelState kernelIfKnown(KernelRelease release) {
        return kernels.get(release);
    }

    void addKernel(CatalogKernel entry) {
        kernel(entry.kernel()).entry = entry;
    }

    /**
     * Adds a live patch version; returns the ordinals of the known CVEs whose first carrying
     * version for that kernel changed (only classes on that kernel need them recomputed).
     *
     * @throws IllegalArgumentException if that version was published with other contents
     * @throws org.klp.core.patch.NotCumulativeException if it drops a fix of the version below or
     *         lacks one the version above carries
     */
    Published publish(LivePatchPackage p) {
        KernelState k = kernel(p.kernel());
        LivePatchPackage same = k.packages.get(p.version());
        if (same != null) {
            if (same.equals(p)) {
                return new Published(new int[0], Map.of());
            }
            throw new IllegalArgumentException(p.nameVersion() + " is already published with other contents; publish a new version instead");
        }
        Map.Entry<Integer, LivePatchPackage> below = k.packages.lowerEntry(p.version());
        Map.Entry<Integer, LivePatchPackage> above = k.packages.higherEntry(p.version());
        if (below != null) {
            p.requireCumulativeOver(below.getValue());
        }
        if (above != null) {
            above.getValue().requireCumulativeOver(p);
        }
        Map<String, Integer> before = new HashMap<>();
        for (Fix f : p.fixes()) {
            before.put(f.id(), k.firstVersionCarrying(f.id()));
        }
        k.addPackage(p);
        List<Integer> changed = new ArrayList<>();
        Map<KernelState, List<Integer>> older = new HashMap<>();
        Map<String, KernelState> carriers = newestCarrier.computeIfAbsent(k.release.stream(), x -> new HashMap<>());
        for (Fix f : p.fixes()) {
            int ordinal = cves.ordinal(f.id());
            if (ordinal >= 0 && k.firstVersionCarrying(f.id()) != before.get(f.id())) {
                changed.add(ordinal);
            }
            KernelState was = carriers.get(f.id());
            if (was == null || was.release.compareTo(k.release) < 0) {
                carriers.put(f.id(), k);
                if (ordinal >= 0) {
                    // older kernels of the stream that had no fix now have one to reboot into
                    for (KernelState o : byStream.get(k.release.stream()).headMap(k.release, false).values()) {
                        if (o.base[ordinal] != baseCode(cves.get(ordinal), o.release)) {
                            older.computeIfAbsent(o, x -> new ArrayList<>()).add(ordinal);
                        }
                    }
                }
            }
        }
        Map<KernelState, int[]> rebased = new HashMap<>();
        older.forEach((o, ordinals) -> rebased.put(o, ordinals.stream().mapToInt(Integer::intValue).toArray()));
        return new Published(changed.stream().mapToInt(Integer::intValue).toArray(), rebased);
    }

    /**
     * What a publication changed: the CVE ordinals whose first carrying version on its kernel
     * changed ({@code carried}), and, per older kernel of its stream, the ordinals whose base verdict
     * the caller must set anew ({@link #rebase}), since the newer kernel's live patch now fixes them.
     */
    record Published(int[] carried, Map<KernelState, int[]> rebased) {
    }

    /** Sets a kernel's base verdict of one CVE anew (after {@link Published#rebased}). */
    void rebase(KernelState k, int ordinal) {
        k.base[ordinal] = baseCode(cves.get(ordinal), k.release);
    }

    /** The newest kernel of {@code kernel}'s stream, newer than it, whose live patches carry {@code fixId}; null when none. */
    private KernelState newerCarrier(KernelRelease kernel, String fixId) {
        Map<String, KernelState> carriers = newestCarrier.get(kernel.stream());
        KernelState k = carriers == null ? null : carriers.get(fixId);
        return k != null && k.release.compareTo(kernel) > 0 ? k : null;
    }

    /** Gives every kernel a copy of its base codes, so that a summary scanning the old ones sees them unchanged. */
    void copyBases() {
        for (KernelState k : kernels.values()) {
            k.base = k.base.clone();
        }
    }

    /** Adds or replaces a CVE record, updating every kernel's base; returns its ordinal. */
    int putCve(CveRecord record) {
        int ordinal = cves.put(record);
        if (ordinal >= capacity) {
            capacity = Math.max(capacity * 2, ordinal + 1);
            for (KernelState k : kernels.values()) {
                k.base = Arrays.copyOf(k.base, capacity);
            }
        }
        for (KernelState k : kernels.values()) {
            k.base[ordinal] = baseCode(record, k.release);
        }
        return ordinal;
    }

    /** The verdict codes of a posture class on its kernel, for every CVE. */
    byte[] classCodes(PostureClass key, KernelState k) {
        byte[] codes = Arrays.copyOf(k.base, capacity);
        for (Map.Entry<String, Integer> e : k.firstCarrying.entrySet()) {
            int ordinal = cves.ordinal(e.getKey());
            if (ordinal >= 0 && VerdictCodes.exposedKernel(codes[ordinal])) {
                codes[ordinal] = livePatchCode(key.posture(), e.getValue());
            }
        }
        return codes;
    }

    /** The verdict code of a posture class for one CVE. */
    byte classCode(PostureClass key, KernelState k, int ordinal) {
        byte base = k.base[ordinal];
        if (!VerdictCodes.exposedKernel(base)) {
            return base;
        }
        int carrying = k.firstVersionCarrying(cves.get(ordinal).id());
        return carrying == 0 ? base : livePatchCode(key.posture(), carrying);
    }

    private static byte livePatchCode(Posture posture, int carrying) {
        if (posture.loadedVersion() >= carrying) {
            return posture.settled() ? VerdictCodes.PATCHED_BY_LIVE_PATCH : VerdictCodes.LIVE_PATCH_IN_PROGRESS;
        }
        return VerdictCodes.LIVE_PATCH_AVAILABLE;
    }

    /** The evidence behind {@link #classCode}; {@code today} decides whether the kernel's support has ended. */
    Evidence classEvidence(PostureClass key, KernelState k, int ordinal, LocalDate today) {
        CveRecord r = cves.get(ordinal);
        KernelRelease kernel = k.release;
        switch (r.exposureOf(kernel)) {
            case NOT_AFFECTED:
                return new Evidence.NotAffected(kernel);
            case FIXED:
                return new Evidence.PatchedByKernel(kernel, r.fixedIn(kernel.stream()).orElseThrow());
            default:
                break;
        }
        int carrying = k.firstVersionCarrying(r.id());
        Posture posture = key.posture();
        if (carrying > 0) {
            LivePatchPackage p = k.packages.get(carrying);
            int loaded = posture.loadedVersion();
            if (loaded >= carrying) {
                return posture.settled()
                        ? new Evidence.PatchedByLivePatch(kernel, loaded, carrying, p.nameVersion(), p.releaseDate())
                        : new Evidence.LivePatchInProgress(kernel, loaded, carrying, p.nameVersion(), p.releaseDate(),
                                posture.transition(), posture.forced());
            }
            return new Evidence.LivePatchAvailable(kernel, loaded, carrying, p.nameVersion(), p.releaseDate(), key.pinnedVersion(), key.heldBy());
        }
        Optional<KernelRelease> fixed = r.fixedIn(kernel.stream());
        KernelState carrier = fixed.isEmpty() ? newerCarrier(kernel, r.id()) : null;
        if (fixed.isEmpty() && carrier == null) {
            return new Evidence.NoFixYet(kernel);
        }
        LocalDate end = k.entry == null ? null : k.entry.endOfSupport();
        RebootReason reason = cves.intrinsicRebootReason(ordinal);
        if (reason == null) {
            reason = end != null && today.isAfter(end) ? RebootReason.KERNEL_PAST_END_OF_SUPPORT : RebootReason.NO_LIVE_PATCH_PUBLISHED;
        }
        if (carrier != null) {
            return new Evidence.RebootRequired(kernel, carrier.release, carrier.packages.get(carrier.firstVersionCarrying(r.id())).nameVersion(),
                    reason, end);
        }
        return new Evidence.RebootRequired(kernel, fixed.get(), reason, end);
    }

    /** The evidence of a host: the class evidence with the reboot and staleness overlays of {@link VerdictCodes#overlay}. */
    Evidence hostEvidence(PostureClass key, KernelState k, KernelState boot, int ordinal, LocalDate today,
                          Instant lastCheckIn, Instant deadline, boolean stale) {
        Evidence e = classEvidence(key, k, ordinal, today);
        Verdict v = e.verdict();
        if (v.kernelOnly()) {
            return e;
        }
        if (boot != null && (v == Verdict.REBOOT_REQUIRED || v == Verdict.NO_FIX_YET)
                && VerdictCodes.safeKernel(boot.base[ordinal])) {
            e = new Evidence.RebootPending(k.release, boot.release);
        }
        return stale ? new Evidence.Unknown(k.release, lastCheckIn, deadline, e) : e;
    }

    private byte[] baseCodes(KernelRelease kernel) {
        byte[] base = new byte[capacity];
        BitSet ofStream = cves.ofStream(kernel.stream());
        for (int c = ofStream.nextSetBit(0); c >= 0; c = ofStream.nextSetBit(c + 1)) {
            base[c] = baseCode(cves.get(c), kernel);
        }
        return base;
    }

    /**
     * A kernel's own verdict of a CVE, live patches for it aside: a kernel of the stream with the
     * fix (its first fixed release, or a newer kernel whose live patch carries it) means a reboot
     * fixes it; else nothing does yet.
     */
    private byte baseCode(CveRecord r, KernelRelease kernel) {
        switch (r.exposureOf(kernel)) {
            case NOT_AFFECTED:
                return VerdictCodes.NOT_AFFECTED;
            case FIXED:
                return VerdictCodes.PATCHED_BY_KERNEL;
            default:
                return r.fixedIn(kernel.stream()).isPresent() || newerCarrier(kernel, r.id()) != null
                        ? VerdictCodes.REBOOT_REQUIRED : VerdictCodes.NO_FIX_YET;
        }
    }
}
