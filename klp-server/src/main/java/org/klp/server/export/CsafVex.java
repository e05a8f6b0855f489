package org.klp.server.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.KernelExposure;
import org.klp.core.audit.RebootReason;
import org.klp.core.kernel.EffectiveKernelRelease;
import org.klp.core.kernel.KernelRelease;
import org.klp.core.patch.LivePatchPackage;

/**
 * A CSAF 2.0 VEX document per CVE: what the catalog's kernels of the CVE's streams are, with and
 * without each live patch version, towards that CVE.
 *
 * <h2>Why one document per CVE</h2>
 * A VEX document answers "is product P affected by vulnerability V"; a scanner holding a CVE looks
 * up one document and finds every kernel's status, as with SUSE's own per-CVE VEX files. One
 * document per live patch release would re-state each CVE in every later release (versions are
 * cumulative) and leave the scanner to join them. A new live patch or kernel that fixes the CVE adds
 * a revision to its document.
 *
 * <h2>Products</h2>
 * Each kernel release of the CVE's streams is a product (id: its {@code uname -r}), each version of
 * its live patch package is a product, and "kernel K with version N loaded" is a product of the
 * relationship {@code installed_on} with the id {@code K+lpN}, the effective kernel release that
 * {@code klp uname -r} prints on such a host. Statuses, as klp's audit decides them for a host with a
 * settled transition:
 * <ul>
 *   <li>K outside the affected range: K and every K+lpN {@code known_not_affected}, with the reason
 *       as an impact statement.</li>
 *   <li>K at or after the first fixed release: {@code fixed}.</li>
 *   <li>K affected, C the first version carrying the fix: K and K+lpN for N &lt; C
 *       {@code known_affected} with remediations (install and load version C or later, no reboot; or
 *       the fixed kernel and a reboot), K+lpN for N &ge; C {@code fixed}.</li>
 *   <li>K affected, no version carries it: {@code known_affected}; the remediation is the fixed kernel
 *       and a reboot, saying why no live patch helps (out of scope, not live patchable, the kernel
 *       past its end of support, or none published yet), or {@code none_available} without a fix.</li>
 * </ul>
 * Scores: the CVSS v3 base score computed from the feed's vector, for the affected products only.
 * Every object's keys are written in alphabetical order, as the CSAF validator's optional test asks.
 */
public final class CsafVex {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** Who publishes the documents: a name and the server's public URL, which is also where the documents are. */
    public record Publisher(String name, String namespace) {
        public Publisher {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(namespace, "namespace");
            if (!namespace.startsWith("http://") && !namespace.startsWith("https://")) {
                throw new IllegalArgumentException("A CSAF publisher namespace is a URL, such as https://klp.example.com; was '" + namespace + "'");
            }
            namespace = namespace.endsWith("/") ? namespace.substring(0, namespace.length() - 1) : namespace;
        }

        /** Where the document of a CVE is served: its canonical URL, which ends in the file name CSAF derives from the tracking id. */
        public String url(String cveId) {
            return namespace + "/api/v1/export/csaf/" + fileName(cveId);
        }
    }

    private final ExportCatalog catalog;
    private final CveRecord cve;
    private final Publisher publisher;
    private final LocalDate today;
    /** product id to its status; every product the tree defines gets one. */
    private final Map<String, String> status = new TreeMap<>();
    /** remediation (category, details, restart) to the products it is for. */
    private final Map<List<String>, TreeSet<String>> remediations = new LinkedHashMap<>();
    private final Map<String, TreeSet<String>> impacts = new LinkedHashMap<>();
    private boolean unfixed;

    private CsafVex(ExportCatalog catalog, CveRecord cve, Publisher publisher) {
        this.catalog = catalog;
        this.cve = cve;
        this.publisher = publisher;
        this.today = LocalDate.ofInstant(catalog.generatedAt(), ZoneOffset.UTC);
    }

    /** The tracking id of a CVE's document: {@code KLP-CVE-2024-1086}. */
    public static String trackingId(String cveId) {
        return "KLP-" + cveId;
    }

    /** The file name CSAF derives from the tracking id: {@code klp-cve-2024-1086.json}. */
    public static String fileName(String cveId) {
        return trackingId(cveId).toLowerCase(Locale.ROOT).replaceAll("[^+\\-a-z0-9]+", "_") + ".json";
    }

    /** The CVE a file name names, as {@link #fileName} makes them. */
    public static String cveOfFileName(String file) {
        if (file == null || !file.matches("klp-cve-\\d{4}-\\d{4,}\\.json")) {
            throw new IllegalArgumentException("Not a klp CSAF document name: '" + file + "' (expected such as klp-cve-2024-1086.json)");
        }
        return file.substring(4, file.length() - 5).toUpperCase(Locale.ROOT);
    }

    /** Whether the catalog has a kernel of a stream the CVE names: otherwise a document would have no product. */
    public static boolean hasProducts(ExportCatalog catalog, CveRecord cve) {
        return cve.affected().stream().anyMatch(a -> !catalog.kernelsOf(a.stream()).isEmpty());
    }

    /**
     * The document of one CVE of the catalog.
     *
     * @throws NoSuchElementException when the catalog has no such CVE, or no kernel of its streams
     */
    public static JsonNode document(ExportCatalog catalog, String cveId, Publisher publisher) {
        CveRecord cve = catalog.cve(cveId).orElseThrow(() -> new NoSuchElementException("no CVE record " + cveId
                + "; import it with the CVE feed (POST /api/v1/cves)"));
        if (!hasProducts(catalog, cve)) {
            throw new NoSuchElementException(cveId + " names no kernel stream the catalog maintains ("
                    + String.join(", ", cve.affected().stream().map(AffectedStream::stream).toList()) + "): a VEX document would have no product");
        }
        return sorted(new CsafVex(catalog, cve, publisher).build());
    }

    /** The document's bytes as served: UTF-8 JSON, keys sorted. */
    public static byte[] bytes(JsonNode document) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a CSAF document: " + e.getMessage(), e);
        }
    }

    private ObjectNode build() {
        ObjectNode doc = NODES.objectNode();
        ObjectNode productTree = productTree();
        doc.set("document", document());
        doc.set("product_tree", productTree);
        doc.set("vulnerabilities", NODES.arrayNode().add(vulnerability()));
        return doc;
    }

    // ---- products and their status

    private ObjectNode productTree() {
        ArrayNode families = NODES.arrayNode();
        ArrayNode relationships = NODES.arrayNode();
        Map<String, List<ExportKernel>> byProduct = new TreeMap<>();
        for (AffectedStream a : cve.affected()) {
            for (ExportKernel k : catalog.kernelsOf(a.stream())) {
                byProduct.computeIfAbsent(k.productName(), p -> new ArrayList<>()).add(k);
            }
        }
        byProduct.forEach((productName, kernels) -> {
            ArrayNode kernelVersions = NODES.arrayNode();
            ArrayNode livePatchNames = NODES.arrayNode();
            for (ExportKernel k : kernels) {
                kernelVersions.add(branch("product_version", k.release().uname(), product(k.release().uname(), "Linux kernel " + k.release(),
                        helper("pkg:rpm/" + k.distribution() + "/kernel-" + k.release().flavor() + "@" + k.release().versionRelease() + "?arch="
                                + k.arch()))));
                ArrayNode versions = NODES.arrayNode();
                for (ShippedLivePatch p : k.livePatches()) {
                    versions.add(branch("product_version", Integer.toString(p.version()), product(packageId(p), p.livePatch().nameVersion(),
                            helper("pkg:rpm/" + k.distribution() + "/" + p.livePatch().name() + "@" + p.version() + "-1?arch=" + k.arch()))));
                    relationships.add(relationship(k, p));
                }
                if (!versions.isEmpty()) {
                    livePatchNames.add(branch("product_name", LivePatchPackage.packageName(k.release()), null).set("branches", versions));
                }
                judge(k);
            }
            ArrayNode names = NODES.arrayNode();
            names.add(branch("product_name", "Linux kernel", null).set("branches", kernelVersions));
            livePatchNames.forEach(names::add);
            families.add(branch("product_family", productName, null).set("branches", names));
        });
        ObjectNode vendor = branch("vendor", publisher.name(), null);
        vendor.set("branches", families);
        ObjectNode tree = NODES.objectNode();
        tree.set("branches", NODES.arrayNode().add(vendor));
        if (!relationships.isEmpty()) {
            tree.set("relationships", relationships);
        }
        return tree;
    }

    private ObjectNode relationship(ExportKernel k, ShippedLivePatch p) {
        ObjectNode full = product(effective(k, p.version()), "Linux kernel " + k.release() + " with live patch version " + p.version() + " loaded ("
                + p.livePatch().nameVersion() + ")", NODES.objectNode().set("x_generic_uris", NODES.arrayNode().add(NODES.objectNode()
                .put("namespace", publisher.namespace() + "/effective-kernel-release")
                .put("uri", "urn:klp:uname-r:" + effective(k, p.version())))));
        ObjectNode r = NODES.objectNode();
        r.put("category", "installed_on");
        r.set("full_product_name", full);
        r.put("product_reference", packageId(p));
        r.put("relates_to_product_reference", k.release().uname());
        return r;
    }

    /** The statuses and remediations of kernel K and of K with each live patch version. */
    private void judge(ExportKernel k) {
        List<String> all = new ArrayList<>();
        all.add(k.release().uname());
        k.livePatches().forEach(p -> all.add(effective(k, p.version())));
        KernelExposure exposure = cve.exposureOf(k.release());
        if (exposure == KernelExposure.NOT_AFFECTED) {
            all.forEach(id -> status.put(id, "known_not_affected"));
            impacts.computeIfAbsent(notAffectedBecause(k.release()), x -> new TreeSet<>()).addAll(all);
            return;
        }
        if (exposure == KernelExposure.FIXED) {
            all.forEach(id -> status.put(id, "fixed"));
            return;
        }
        Optional<KernelRelease> fixedIn = cve.fixedIn(k.release().stream());
        Optional<ShippedLivePatch> carrying = k.firstCarrying(cve.id());
        List<String> affected = new ArrayList<>();
        affected.add(k.release().uname());
        if (carrying.isPresent()) {
            int c = carrying.get().version();
            k.below(c).forEach(p -> affected.add(effective(k, p.version())));
            k.from(c).forEach(p -> status.put(effective(k, p.version()), "fixed"));
            remedy("vendor_fix", "Install " + carrying.get().livePatch().name() + " version " + c + " or later and load it: 'klp update' (or"
                    + " 'zypper in " + carrying.get().livePatch().name() + "') applies it without a reboot. The fix is in force once the"
                    + " transition completes: 'klp status' says ready and 'klp uname -r' prints " + k.release() + "+lp" + c + " or later.", "none",
                    affected);
            fixedIn.ifPresent(f -> remedy("vendor_fix", "Or update the kernel to " + f + " or later and reboot into it.", "machine", affected));
        } else {
            k.livePatches().forEach(p -> affected.add(effective(k, p.version())));
            if (fixedIn.isPresent()) {
                remedy("vendor_fix", "Update the kernel to " + fixedIn.get() + " or later and reboot into it: no live patch for " + k.release()
                        + " will carry this fix, because " + rebootReason(k).description() + ".", "machine", affected);
            } else {
                unfixed = true;
                remedy("none_available", "No kernel of stream " + k.release().stream() + " and no live patch carries a fix yet.", null, affected);
            }
        }
        affected.forEach(id -> status.put(id, "known_affected"));
    }

    /** Why no live patch for this kernel carries the fix, as the audit says it (the CVE's own properties first). */
    private RebootReason rebootReason(ExportKernel k) {
        return cve.intrinsicRebootReason(catalog.policy()).orElse(today.isAfter(k.entry().endOfSupport())
                ? RebootReason.KERNEL_PAST_END_OF_SUPPORT : RebootReason.NO_LIVE_PATCH_PUBLISHED);
    }

    private String notAffectedBecause(KernelRelease k) {
        for (AffectedStream a : cve.affected()) {
            if (a.stream().equals(k.stream()) && a.introducedIn() != null) {
                return "The flaw was introduced in " + a.introducedIn() + "; " + k + " and live patches for it do not contain it.";
            }
        }
        return "Kernel " + k + " does not contain the flaw.";
    }

    private void remedy(String category, String details, String restart, List<String> products) {
        remediations.computeIfAbsent(java.util.Arrays.asList(category, details, restart), x -> new TreeSet<>()).addAll(products);
    }

    /** {@code K+lpN}: what {@code klp uname -r} prints on a host running K with version N in force. */
    private static String effective(ExportKernel k, int version) {
        return new EffectiveKernelRelease(k.release(), version).uname();
    }

    private static String packageId(ShippedLivePatch p) {
        return p.livePatch().nameVersion();
    }

    // ---- the vulnerability

    private ObjectNode vulnerability() {
        ObjectNode v = NODES.objectNode();
        v.put("cve", cve.id());
        if (!cve.summary().isEmpty()) {
            v.put("title", cve.summary());
        }
        v.put("release_date", dateTime(cve.published()));
        v.set("notes", NODES.arrayNode().add(note("description", "CVE description",
                cve.summary().isEmpty() ? "The CVE feed has no summary of " + cve.id() + "." : cve.summary()))
                .add(note("details", "Live patch scope", scope())));
        v.set("references", NODES.arrayNode().add(reference("external", cve.id() + " at cve.org", "https://www.cve.org/CVERecord?id=" + cve.id())));
        ObjectNode productStatus = NODES.objectNode();
        for (String s : List.of("fixed", "known_affected", "known_not_affected")) {
            ArrayNode ids = NODES.arrayNode();
            status.forEach((id, st) -> {
                if (s.equals(st)) {
                    ids.add(id);
                }
            });
            if (!ids.isEmpty()) {
                productStatus.set(s, ids);
            }
        }
        v.set("product_status", productStatus);
        ArrayNode rem = NODES.arrayNode();
        remediations.forEach((key, products) -> {
            ObjectNode r = NODES.objectNode();
            r.put("category", key.get(0));
            r.put("details", key.get(1));
            r.set("product_ids", ids(products));
            if (key.get(2) != null) {
                r.set("restart_required", NODES.objectNode().put("category", key.get(2)));
            }
            rem.add(r);
        });
        if (!rem.isEmpty()) {
            v.set("remediations", rem);
        }
        ArrayNode affected = productStatus.has("known_affected") ? (ArrayNode) productStatus.get("known_affected") : NODES.arrayNode();
        Optional<CvssV3> cvss = CvssV3.parse(cve.vector());
        if (cvss.isPresent() && !affected.isEmpty()) {
            ObjectNode score = NODES.objectNode();
            score.set("cvss_v3", NODES.objectNode().put("baseScore", cvss.get().baseScore()).put("baseSeverity", cvss.get().baseSeverity())
                    .put("vectorString", cvss.get().vector()).put("version", cvss.get().version()));
            score.set("products", affected.deepCopy());
            v.set("scores", NODES.arrayNode().add(score));
        }
        ArrayNode threats = NODES.arrayNode();
        impacts.forEach((details, products) -> threats.add(NODES.objectNode().put("category", "impact").put("details", details)
                .set("product_ids", ids(products))));
        if (!threats.isEmpty()) {
            v.set("threats", threats);
        }
        return v;
    }

    private String scope() {
        String decision = switch (cve.intrinsicRebootReason(catalog.policy()).orElse(RebootReason.NO_LIVE_PATCH_PUBLISHED)) {
            case OUT_OF_SCOPE -> "It does not qualify for a live patch: " + RebootReason.OUT_OF_SCOPE.description() + ".";
            case NOT_LIVE_PATCHABLE -> "It cannot be live patched: " + RebootReason.NOT_LIVE_PATCHABLE.description() + ".";
            default -> "It qualifies for a live patch (CVSS " + cve.cvss() + ", " + cve.category().label() + ").";
        };
        return decision + " A live patch fixes it only while loaded with its transition complete; products named KERNEL+lpN are kernel"
                + " KERNEL with live patch version N loaded, as 'klp uname -r' prints the effective kernel release of such a host.";
    }

    // ---- the document's own data

    private ObjectNode document() {
        ObjectNode d = NODES.objectNode();
        d.put("category", "csaf_vex");
        d.put("csaf_version", "2.0");
        d.set("distribution", NODES.objectNode().set("tlp", NODES.objectNode().put("label", "WHITE")));
        d.put("lang", "en");
        d.set("notes", NODES.arrayNode().add(note("summary", "What this document says", "The status of every kernel release of the streams "
                + cve.id() + " affects that " + publisher.name() + " maintains, with and without each of its live patch versions loaded.")));
        d.set("publisher", NODES.objectNode().put("category", "vendor").put("name", publisher.name()).put("namespace", publisher.namespace()));
        d.set("references", NODES.arrayNode()
                .add(reference("self", "This document", publisher.url(cve.id())))
                .add(reference("external", cve.id() + " at cve.org", "https://www.cve.org/CVERecord?id=" + cve.id())));
        d.put("title", "Live patch status of " + cve.id() + (cve.summary().isEmpty() ? "" : ": " + cve.summary()));
        d.set("tracking", tracking());
        return d;
    }

    /**
     * Revisions follow the catalog: the CVE's publication, then each date a live patch version or a
     * kernel release of its streams first fixed it. The same catalog gives the same document, so a
     * document changes version only when what it says changes.
     */
    private ObjectNode tracking() {
        TreeMap<LocalDate, List<String>> events = new TreeMap<>();
        events.computeIfAbsent(cve.published(), x -> new ArrayList<>()).add(cve.id() + " published");
        for (AffectedStream a : cve.affected()) {
            for (ExportKernel k : catalog.kernelsOf(a.stream())) {
                if (cve.exposureOf(k.release()) == KernelExposure.AFFECTED) {
                    k.firstCarrying(cve.id()).ifPresent(p -> events.computeIfAbsent(p.livePatch().releaseDate(), x -> new ArrayList<>())
                            .add(p.livePatch().nameVersion() + " fixes it for " + k.release()));
                }
                if (a.fixedIn() != null && k.release().equals(a.fixedIn())) {
                    events.computeIfAbsent(k.entry().released(), x -> new ArrayList<>()).add("kernel " + k.release() + " fixes it");
                }
            }
        }
        ArrayNode history = NODES.arrayNode();
        int n = 0;
        for (Map.Entry<LocalDate, List<String>> e : events.entrySet()) {
            n++;
            history.add(NODES.objectNode().put("date", dateTime(e.getKey())).put("number", Integer.toString(n))
                    .put("summary", (n == 1 ? "Initial version: " : "") + String.join("; ", e.getValue())));
        }
        ObjectNode t = NODES.objectNode();
        t.put("current_release_date", dateTime(events.lastKey()));
        t.set("generator", NODES.objectNode().put("date", DATE_TIME.format(catalog.generatedAt().truncatedTo(ChronoUnit.MILLIS)))
                .set("engine", NODES.objectNode().put("name", "klp").put("version", ExportVersion.get())));
        t.put("id", trackingId(cve.id()));
        t.put("initial_release_date", dateTime(events.firstKey()));
        t.set("revision_history", history);
        t.put("status", unfixed ? "interim" : "final");
        t.put("version", Integer.toString(n));
        return t;
    }

    // ---- building blocks

    private static ObjectNode branch(String category, String name, ObjectNode product) {
        ObjectNode b = NODES.objectNode().put("category", category).put("name", name);
        if (product != null) {
            b.set("product", product);
        }
        return b;
    }

    private static ObjectNode product(String id, String name, ObjectNode helper) {
        ObjectNode p = NODES.objectNode().put("name", name).put("product_id", id);
        p.set("product_identification_helper", helper);
        return p;
    }

    private static ObjectNode helper(String purl) {
        return NODES.objectNode().put("purl", purl);
    }

    private static ObjectNode note(String category, String title, String text) {
        return NODES.objectNode().put("category", category).put("text", text).put("title", title);
    }

    private static ObjectNode reference(String category, String summary, String url) {
        return NODES.objectNode().put("category", category).put("summary", summary).put("url", url);
    }

    private static ArrayNode ids(Iterable<String> ids) {
        ArrayNode a = NODES.arrayNode();
        ids.forEach(a::add);
        return a;
    }

    private static String dateTime(LocalDate date) {
        return DATE_TIME.format(date.atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    /** A copy with every object's keys in alphabetical order (arrays keep their order). */
    static JsonNode sorted(JsonNode n) {
        if (n.isObject()) {
            ObjectNode out = NODES.objectNode();
            TreeMap<String, JsonNode> fields = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                fields.put(e.getKey(), e.getValue());
            }
            fields.forEach((k, v) -> out.set(k, sorted(v)));
            return out;
        }
        if (n.isArray()) {
            ArrayNode out = NODES.arrayNode();
            n.forEach(e -> out.add(sorted(e)));
            return out;
        }
        return n;
    }
}
