package org.klp.core.audit;

import java.util.Comparator;
import java.util.Objects;

/** One CVE's verdict on one host, with its evidence. */
public record Finding(String cveId, double cvss, Evidence evidence) {

    /** Worst first: by severity rank, then CVSS score, both descending, then by CVE id. */
    public static final Comparator<Finding> WORST_FIRST = Comparator
            .comparingInt((Finding f) -> f.verdict().rank()).reversed()
            .thenComparing(Comparator.comparingDouble(Finding::cvss).reversed())
            .thenComparing(Finding::cveId);

    public Finding {
        Objects.requireNonNull(cveId, "cveId");
        Objects.requireNonNull(evidence, "evidence");
    }

    public Verdict verdict() {
        return evidence.verdict();
    }
}
