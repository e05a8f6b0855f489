package org.klp.server.export;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.klp.core.audit.CveRecord;
import org.klp.core.scope.ScopePolicy;

/**
 * What an export describes, read at one instant: the catalog's kernels in its scope with their
 * published live patch versions, the CVE records that concern those kernels' streams, and the scope
 * policy that decides which CVEs qualify for a live patch. Exports ({@link OvalDefinitions},
 * {@link CsafVex}) are pure functions of it; {@link ExportSource} reads it from the store.
 *
 * <p>{@code streams} are the kernel streams the export speaks for: a product's or one stream's, or
 * every stream a CVE record or kernel names when the scope is the whole catalog. An export says
 * nothing of releases outside them.
 *
 * @param scope a few words naming the scope, for titles ("product SLES/15.5/x86_64", "the whole catalog")
 */
public record ExportCatalog(Instant generatedAt, String scope, Set<String> streams, List<ExportKernel> kernels, List<CveRecord> cves,
                            ScopePolicy policy) {

    public ExportCatalog {
        Objects.requireNonNull(generatedAt, "generatedAt");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(policy, "policy");
        streams = Set.copyOf(new TreeSet<>(streams));
        kernels = kernels.stream().sorted(Comparator.comparing(ExportKernel::release)).toList();
        cves = cves.stream().sorted(Comparator.comparing(CveRecord::id)).toList();
    }

    /** The CVE record with this id, if the export has it. */
    public Optional<CveRecord> cve(String id) {
        return cves.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    /** The kernels of one stream, oldest first. */
    public List<ExportKernel> kernelsOf(String stream) {
        return kernels.stream().filter(k -> k.release().stream().equals(stream)).toList();
    }

    /** Whether a CVE record names a stream this export speaks for. */
    public boolean concerns(CveRecord cve) {
        return cve.affected().stream().anyMatch(a -> streams.contains(a.stream()));
    }
}
