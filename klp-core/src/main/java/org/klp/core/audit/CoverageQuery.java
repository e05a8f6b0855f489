package org.klp.core.audit;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.klp.core.scope.ScopeDecision;

/**
 * Coverage per kernel stream, from the CVE records and the catalog only. A CVE counts for a
 * stream when it lists the stream as affected and qualifies under the scope policy; it is live
 * patched when a live patch of any kernel of the stream carries it (the catalog is the truth:
 * a carried fix counts even if the feed called it not live patchable), and its delay is from the
 * CVE's publication to the first such live patch. Cost: CVEs x kernels of their streams.
 */
final class CoverageQuery {

    private final AuditCatalog catalog;

    CoverageQuery(AuditCatalog catalog) {
        this.catalog = catalog;
    }

    List<StreamCoverage> run() {
        CveTable cves = catalog.cves();
        TreeSet<String> streams = new TreeSet<>(cves.streams());
        for (KernelState k : catalog.kernels()) {
            if (k.entry != null) {
                streams.add(k.release.stream());
            }
        }
        List<StreamCoverage> out = new ArrayList<>();
        for (String stream : streams) {
            List<KernelState> patched = catalog.kernelsOfStream(stream).stream().filter(k -> !k.packages.isEmpty()).toList();
            BitSet ofStream = cves.ofStream(stream);
            int qualifying = 0;
            List<Long> days = new ArrayList<>();
            List<StreamCoverage.UncoveredFix> uncovered = new ArrayList<>();
            for (int c = ofStream.nextSetBit(0); c >= 0; c = ofStream.nextSetBit(c + 1)) {
                CveRecord r = cves.get(c);
                RebootReason intrinsic = cves.intrinsicRebootReason(c);
                if (intrinsic == RebootReason.OUT_OF_SCOPE) {
                    continue;
                }
                qualifying++;
                LocalDate first = null;
                for (KernelState k : patched) {
                    int v = k.firstVersionCarrying(r.id());
                    if (v > 0) {
                        LocalDate d = k.packages.get(v).releaseDate();
                        first = first == null || d.isBefore(first) ? d : first;
                    }
                }
                if (first != null) {
                    days.add(ChronoUnit.DAYS.between(r.published(), first));
                } else if (intrinsic == RebootReason.NOT_LIVE_PATCHABLE) {
                    String detail = ((ScopeDecision.RebootRequired) r.scope(cves.policy())).reason();
                    uncovered.add(new StreamCoverage.UncoveredFix(r.id(), r.cvss(), RebootReason.NOT_LIVE_PATCHABLE, detail));
                } else {
                    uncovered.add(new StreamCoverage.UncoveredFix(r.id(), r.cvss(), RebootReason.NO_LIVE_PATCH_PUBLISHED,
                            "no live patch for a kernel of " + stream + " carries " + r.id() + " yet"));
                }
            }
            uncovered.sort(Comparator.comparingDouble(StreamCoverage.UncoveredFix::cvss).reversed()
                    .thenComparing(StreamCoverage.UncoveredFix::cveId));
            out.add(new StreamCoverage(stream, qualifying, days.size(), median(days), uncovered));
        }
        return out;
    }

    private static Double median(List<Long> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = values.stream().sorted().toList();
        int mid = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2.0;
    }
}
