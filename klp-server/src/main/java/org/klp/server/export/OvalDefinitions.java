package org.klp.server.export;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.klp.core.audit.AffectedStream;
import org.klp.core.audit.CveRecord;
import org.klp.core.audit.KernelExposure;
import org.klp.core.kernel.KernelRelease;
import org.klp.packaging.xml.XmlText;

/**
 * The catalog's CVEs as OVAL 5.11 vulnerability definitions: a definition per CVE is true (the host
 * is vulnerable) when the running kernel is in an affected range of the CVE and no live patch
 * carrying the fix is in force. A scanner such as {@code oscap oval eval} then gives, CVE by CVE,
 * klp's audit verdict for that host: false for not affected, patched by the kernel and patched by a
 * live patch; true for every verdict that leaves the host exposed.
 *
 * <h2>What the criteria read, and why</h2>
 * <ul>
 *   <li>The running kernel: {@code /proc/sys/kernel/osrelease} (what {@code uname -r} prints). Not the
 *       kernel package: a host boots one of several installed kernels. A range is a pattern of the
 *       stream's releases and version comparisons of the part that differs ({@link StreamPattern}).</li>
 *   <li>"Safe by live patch" for a kernel K whose version C is the first carrying the fix: K runs,
 *       package {@code kernel-livepatch-<K>} is installed at some version V &ge; C <em>and</em> V's
 *       module is loaded and enabled ({@code /sys/kernel/livepatch/<module>/enabled} is 1), no
 *       transition is under way ({@code transition} of every patch is 0), and no transition was
 *       forced in this boot (klp's host record {@code /var/lib/klp/state} names held modules or a
 *       reboot reason for the current boot id). An installed package alone never counts: it may
 *       not be loaded. These are the facts klp's agent reports and the audit judges (installed
 *       package records name the loaded module's version), so both agree.</li>
 *   <li>A CVE that no published live patch carries for a kernel, whatever the reason (out of scope,
 *       not live patchable, kernel past its end of support, none published yet), has no live patch
 *       branch for that kernel: only a kernel with the fix makes the host safe.</li>
 * </ul>
 *
 * <p>Ids: {@code oval:org.klp:def:YYYYNNNN} for CVE-YYYY-NNNN (SUSE's scheme); tests, objects,
 * states and variables are numbered in the order first used, so one catalog gives one document.
 */
public final class OvalDefinitions {

    static final String NS = "org.klp";
    static final String OSRELEASE = "/proc/sys/kernel/osrelease";
    static final String BOOT_ID = "/proc/sys/kernel/random/boot_id";
    static final String HOST_RECORD = "/var/lib/klp/state";
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    private final ExportCatalog catalog;
    private final Map<String, String> tests = new LinkedHashMap<>();
    private final Map<String, String> objects = new LinkedHashMap<>();
    private final Map<String, String> states = new LinkedHashMap<>();
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> ids = new LinkedHashMap<>();

    private OvalDefinitions(ExportCatalog catalog) {
        this.catalog = catalog;
    }

    /** The OVAL document of every CVE the catalog's scope concerns (CVEs naming none of its streams are left out). */
    public static String render(ExportCatalog catalog) {
        return new OvalDefinitions(catalog).document();
    }

    /** The definition id of a CVE: {@code oval:org.klp:def:20241086} for CVE-2024-1086. */
    public static String definitionId(String cveId) {
        String[] parts = cveId.split("-");
        return "oval:" + NS + ":def:" + parts[1] + parts[2];
    }

    private String document() {
        StringBuilder defs = new StringBuilder();
        for (CveRecord cve : catalog.cves()) {
            if (catalog.concerns(cve)) {
                definition(cve, defs);
            }
        }
        StringBuilder out = new StringBuilder(64 * 1024 + defs.length() * 2);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<oval_definitions xmlns=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\"")
                .append(" xmlns:oval=\"http://oval.mitre.org/XMLSchema/oval-common-5\"")
                .append(" xmlns:ind=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#independent\"")
                .append(" xmlns:linux=\"http://oval.mitre.org/XMLSchema/oval-definitions-5#linux\"")
                .append(" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"")
                .append(" xsi:schemaLocation=\"http://oval.mitre.org/XMLSchema/oval-definitions-5 oval-definitions-schema.xsd")
                .append(" http://oval.mitre.org/XMLSchema/oval-definitions-5#independent independent-definitions-schema.xsd")
                .append(" http://oval.mitre.org/XMLSchema/oval-definitions-5#linux linux-definitions-schema.xsd")
                .append(" http://oval.mitre.org/XMLSchema/oval-common-5 oval-common-schema.xsd\">\n")
                .append("  <generator>\n")
                .append("    <oval:product_name>klp</oval:product_name>\n")
                .append("    <oval:product_version>").append(XmlText.escape(ExportVersion.get())).append("</oval:product_version>\n")
                .append("    <oval:schema_version>5.11.1</oval:schema_version>\n")
                .append("    <oval:timestamp>").append(TIMESTAMP.format(catalog.generatedAt().truncatedTo(ChronoUnit.SECONDS)))
                .append("</oval:timestamp>\n")
                .append("  </generator>\n");
        if (defs.isEmpty()) {
            // the schema wants a definitions element with at least one definition, or none at all
            out.append("</oval_definitions>\n");
            return out.toString();
        }
        out.append("  <definitions>\n").append(defs).append("  </definitions>\n");
        section(out, "tests", tests);
        section(out, "objects", objects);
        section(out, "states", states);
        section(out, "variables", variables);
        out.append("</oval_definitions>\n");
        return out.toString();
    }

    private static void section(StringBuilder out, String name, Map<String, String> entries) {
        if (entries.isEmpty()) {
            return;
        }
        out.append("  <").append(name).append(">\n");
        entries.values().forEach(out::append);
        out.append("  </").append(name).append(">\n");
    }

    // ---- definitions

    private void definition(CveRecord cve, StringBuilder out) {
        List<AffectedStream> streams = cve.affected().stream().filter(a -> catalog.streams().contains(a.stream())).toList();
        TreeSet<String> platforms = new TreeSet<>();
        List<String> carried = new ArrayList<>();
        for (AffectedStream a : streams) {
            for (ExportKernel k : catalog.kernelsOf(a.stream())) {
                platforms.add(k.productName());
                if (cve.exposureOf(k.release()) == KernelExposure.AFFECTED) {
                    k.firstCarrying(cve.id()).ifPresent(p -> carried.add(p.livePatch().nameVersion() + " and later for " + k.release()));
                }
            }
        }
        if (platforms.isEmpty()) {
            platforms.add("Linux kernel");
        }
        out.append("    <definition class=\"vulnerability\" id=\"").append(definitionId(cve.id())).append("\" version=\"1\">\n")
                .append("      <metadata>\n")
                .append("        <title>").append(cve.id()).append(cve.summary().isEmpty() ? "" : ": " + XmlText.escape(cve.summary()))
                .append("</title>\n")
                .append("        <affected family=\"unix\">\n");
        platforms.forEach(p -> out.append("          <platform>").append(XmlText.escape(p)).append("</platform>\n"));
        out.append("        </affected>\n")
                .append("        <reference ref_id=\"").append(cve.id()).append("\" ref_url=\"https://www.cve.org/CVERecord?id=").append(cve.id())
                .append("\" source=\"CVE\"/>\n")
                .append("        <description>").append(XmlText.escape(description(cve, carried))).append("</description>\n")
                .append("      </metadata>\n");
        Criteria top = Criteria.or(cve.id() + " affects the running kernel and no live patch carrying the fix is in force");
        for (AffectedStream a : streams) {
            top.add(stream(cve, a));
        }
        top.write(out, "      ");
        out.append("    </definition>\n");
    }

    private static String description(CveRecord cve, List<String> carried) {
        StringBuilder d = new StringBuilder();
        if (!cve.summary().isEmpty()) {
            d.append(cve.summary()).append(". ");
        }
        d.append("CVSS ").append(cve.cvss()).append('.');
        List<String> fixed = cve.affected().stream().filter(a -> a.fixedIn() != null).map(a -> a.fixedIn().uname()).toList();
        if (!fixed.isEmpty()) {
            d.append(" Fixed in kernel ").append(String.join(", ", fixed)).append('.');
        }
        if (!carried.isEmpty()) {
            d.append(" Live patches carrying the fix: ").append(String.join("; ", carried))
                    .append(" (safe only while loaded with the transition complete).");
        }
        return d.toString();
    }

    /** The running kernel is in this affected range of the stream, and no live patch of it carrying the fix is in force. */
    private Criteria stream(CveRecord cve, AffectedStream a) {
        StreamPattern p = StreamPattern.of(a.stream());
        Criteria c = Criteria.and("kernel stream " + a.stream() + range(a));
        if (a.introducedIn() == null && a.fixedIn() == null) {
            c.add(new Criterion(inStream(p), false, "the running kernel is of stream " + a.stream()));
        }
        if (a.introducedIn() != null) {
            c.add(new Criterion(atOrAfter(p, a.introducedIn()), false, "the running kernel is " + a.introducedIn() + " or later"));
        }
        if (a.fixedIn() != null) {
            c.add(new Criterion(before(p, a.fixedIn()), false, "the running kernel is older than " + a.fixedIn()));
        }
        Criteria safe = Criteria.or("a live patch carrying the fix is loaded, its transition complete and not forced").negate();
        for (ExportKernel k : catalog.kernelsOf(a.stream())) {
            if (cve.exposureOf(k.release()) != KernelExposure.AFFECTED) {
                continue;
            }
            Optional<ShippedLivePatch> first = k.firstCarrying(cve.id());
            first.ifPresent(carrying -> safe.add(livePatchInForce(k, carrying.version())));
        }
        if (!safe.isEmpty()) {
            c.add(safe);
        }
        return c;
    }

    private static String range(AffectedStream a) {
        if (a.introducedIn() == null && a.fixedIn() == null) {
            return ", every release";
        }
        return ": " + (a.introducedIn() == null ? "" : "from " + a.introducedIn()) + (a.introducedIn() != null && a.fixedIn() != null ? " " : "")
                + (a.fixedIn() == null ? "" : "before " + a.fixedIn());
    }

    /** Kernel K runs with a version from {@code carrying} on loaded from its installed package, every transition complete, none forced. */
    private Criteria livePatchInForce(ExportKernel k, int carrying) {
        String pkg = org.klp.core.patch.LivePatchPackage.packageName(k.release());
        Criteria c = Criteria.and(k.release() + " runs with " + pkg + " version " + carrying + " or later loaded");
        c.add(new Criterion(running(k.release()), false, "the running kernel is " + k.release()));
        Criteria loaded = Criteria.or("an installed version from " + carrying + " on is the loaded live patch");
        for (ShippedLivePatch v : k.from(carrying)) {
            Criteria one = Criteria.and(pkg + " version " + v.version() + " is installed and its module " + v.moduleName() + " is enabled");
            one.add(new Criterion(packageVersion(pkg, v.version()), false, pkg + " version " + v.version() + " is installed"));
            one.add(new Criterion(enabled(v.moduleName()), false, "live patch " + v.moduleName() + " is enabled"));
            loaded.add(one);
        }
        c.add(loaded);
        c.add(new Criterion(transitionUnderWay(), true, "no live patch transition is under way"));
        Criteria forced = Criteria.and("a transition was forced in this boot (klp's host record)").negate();
        forced.add(new Criterion(forcedMarker(), false, "klp's host record names held modules or a reboot reason"));
        forced.add(new Criterion(recordOfAnotherBoot(), true, "that record is of the current boot"));
        c.add(forced);
        return c;
    }

    // ---- tests, objects, states: each made once and shared by every definition that needs it

    private String running(KernelRelease k) {
        String object = textObject("osrelease", OSRELEASE, "^(.+)$", "the running kernel release");
        String state = state("ind:textfilecontent54_state", "release " + k, "<ind:subexpression>" + k.uname() + "</ind:subexpression>");
        return test("ind:textfilecontent54_test", "running " + k, "the running kernel is " + k, object, state);
    }

    private String inStream(StreamPattern p) {
        return test("ind:textfilecontent54_test", "stream " + p.stream(), "the running kernel is of stream " + p.stream(), streamObject(p), null);
    }

    private String before(StreamPattern p, KernelRelease fixed) {
        String state = state("ind:textfilecontent54_state", "before " + fixed,
                "<ind:subexpression datatype=\"version\" operation=\"less than\">" + p.tail(fixed) + "</ind:subexpression>");
        return test("ind:textfilecontent54_test", "before " + fixed, "the running kernel is of stream " + p.stream() + " and older than " + fixed,
                streamObject(p), state);
    }

    private String atOrAfter(StreamPattern p, KernelRelease introduced) {
        String state = state("ind:textfilecontent54_state", "from " + introduced,
                "<ind:subexpression datatype=\"version\" operation=\"greater than or equal\">" + p.tail(introduced) + "</ind:subexpression>");
        return test("ind:textfilecontent54_test", "from " + introduced, "the running kernel is of stream " + p.stream() + " and " + introduced
                + " or later", streamObject(p), state);
    }

    private String streamObject(StreamPattern p) {
        return textObject("stream " + p.stream(), OSRELEASE, p.regex(), "the running kernel release when it is of stream " + p.stream());
    }

    private String packageVersion(String pkg, int version) {
        String object = object("linux:rpminfo_object", "rpm " + pkg, pkg, "<linux:name>" + pkg + "</linux:name>");
        String state = state("linux:rpminfo_state", "version " + version, "<linux:version>" + version + "</linux:version>");
        return test("linux:rpminfo_test", "rpm " + pkg + " " + version, pkg + " version " + version + " is installed", object, state);
    }

    private String enabled(String module) {
        String object = textObject("enabled " + module, "/sys/kernel/livepatch/" + module + "/enabled", "^1$", "live patch " + module + " is enabled");
        return test("ind:textfilecontent54_test", "enabled " + module, "live patch " + module + " is loaded and enabled", object, null);
    }

    private String transitionUnderWay() {
        String id = ids.get("object transition");
        if (id == null) {
            id = newId("obj", "object transition");
            objects.put(id, "    <ind:textfilecontent54_object id=\"" + id + "\" version=\"1\" comment=\"transition files that read 1\">\n"
                    + "      <ind:filepath operation=\"pattern match\">^/sys/kernel/livepatch/[^/]+/transition$</ind:filepath>\n"
                    + "      <ind:pattern operation=\"pattern match\">^1$</ind:pattern>\n"
                    + "      <ind:instance datatype=\"int\" operation=\"greater than or equal\">1</ind:instance>\n"
                    + "    </ind:textfilecontent54_object>\n");
        }
        return test("ind:textfilecontent54_test", "transition", "a live patch transition is under way", id, null);
    }

    private String forcedMarker() {
        String object = textObject("host record held", HOST_RECORD, "^(?:held|reboot\\.reason)=(.*)$",
                "klp's host record: modules a forced transition holds, or why a reboot is advised");
        return test("ind:textfilecontent54_test", "host record held", "klp's host record names held modules or a reboot reason", object, null);
    }

    private String recordOfAnotherBoot() {
        String bootObject = textObject("boot id", BOOT_ID, "^(.+)$", "this boot's id");
        String variable = ids.get("variable boot id");
        if (variable == null) {
            variable = newId("var", "variable boot id");
            variables.put(variable, "    <local_variable id=\"" + variable + "\" version=\"1\" datatype=\"string\" comment=\"this boot's id\">\n"
                    + "      <object_component item_field=\"subexpression\" object_ref=\"" + bootObject + "\"/>\n"
                    + "    </local_variable>\n");
        }
        String object = textObject("host record boot", HOST_RECORD, "^reboot\\.boot=(.+)$", "the boot klp's host record was written in");
        String state = state("ind:textfilecontent54_state", "another boot",
                "<ind:subexpression operation=\"not equal\" var_ref=\"" + variable + "\"/>");
        return test("ind:textfilecontent54_test", "host record boot", "klp's host record was written in another boot", object, state);
    }

    private String textObject(String key, String path, String pattern, String comment) {
        return object("ind:textfilecontent54_object", key, comment, "<ind:filepath>" + XmlText.escape(path) + "</ind:filepath>\n"
                + "      <ind:pattern operation=\"pattern match\">" + XmlText.escape(pattern) + "</ind:pattern>\n"
                + "      <ind:instance datatype=\"int\">1</ind:instance>");
    }

    private String object(String element, String key, String comment, String body) {
        String id = ids.get("object " + key);
        if (id == null) {
            id = newId("obj", "object " + key);
            objects.put(id, "    <" + element + " id=\"" + id + "\" version=\"1\" comment=\"" + XmlText.escape(comment) + "\">\n      " + body + "\n"
                    + "    </" + element + ">\n");
        }
        return id;
    }

    private String state(String element, String key, String body) {
        String id = ids.get("state " + element + " " + key);
        if (id == null) {
            id = newId("ste", "state " + element + " " + key);
            states.put(id, "    <" + element + " id=\"" + id + "\" version=\"1\">\n      " + body + "\n    </" + element + ">\n");
        }
        return id;
    }

    /** A test that at least one item exists and, with a state, that every item matches it. */
    private String test(String element, String key, String comment, String object, String state) {
        String id = ids.get("test " + key);
        if (id == null) {
            id = newId("tst", "test " + key);
            String prefix = element.substring(0, element.indexOf(':') + 1);
            tests.put(id, "    <" + element + " id=\"" + id + "\" version=\"1\" check=\"all\" check_existence=\"at_least_one_exists\" comment=\""
                    + XmlText.escape(comment) + "\">\n"
                    + "      <" + prefix + "object object_ref=\"" + object + "\"/>\n"
                    + (state == null ? "" : "      <" + prefix + "state state_ref=\"" + state + "\"/>\n")
                    + "    </" + element + ">\n");
        }
        return id;
    }

    private String newId(String kind, String key) {
        int n = switch (kind) {
            case "tst" -> tests.size();
            case "obj" -> objects.size();
            case "ste" -> states.size();
            default -> variables.size();
        } + 1;
        String id = "oval:" + NS + ":" + kind + ":" + n;
        ids.put(key, id);
        return id;
    }

    // ---- criteria

    private sealed interface Node permits Criteria, Criterion {
        void write(StringBuilder out, String indent);
    }

    private record Criterion(String test, boolean negate, String comment) implements Node {
        @Override
        public void write(StringBuilder out, String indent) {
            out.append(indent).append("<criterion test_ref=\"").append(test).append('"').append(negate ? " negate=\"true\"" : "")
                    .append(" comment=\"").append(XmlText.escape(comment)).append("\"/>\n");
        }
    }

    private static final class Criteria implements Node {
        private final String operator;
        private final String comment;
        private boolean negate;
        private final List<Node> children = new ArrayList<>();

        private Criteria(String operator, String comment) {
            this.operator = operator;
            this.comment = comment;
        }

        static Criteria and(String comment) {
            return new Criteria("AND", comment);
        }

        static Criteria or(String comment) {
            return new Criteria("OR", comment);
        }

        Criteria negate() {
            negate = true;
            return this;
        }

        void add(Node n) {
            children.add(n);
        }

        boolean isEmpty() {
            return children.isEmpty();
        }

        @Override
        public void write(StringBuilder out, String indent) {
            out.append(indent).append("<criteria operator=\"").append(operator).append('"').append(negate ? " negate=\"true\"" : "")
                    .append(" comment=\"").append(XmlText.escape(comment)).append("\">\n");
            for (Node n : children) {
                n.write(out, indent + "  ");
            }
            out.append(indent).append("</criteria>\n");
        }
    }
}
