package org.klp.packaging.repo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rpm-md "products" and "patterns" documents: for every package that provides
 * {@code product() = NAME} or {@code pattern() = NAME}, the {@code <product>} or {@code <pattern>}
 * that libsolv's auto-products and auto-patterns would make of it.
 *
 * <p>SUSE's libsolv turns such packages into products and patterns itself (repo_autopattern), but
 * only when built for SUSE; other builds of libsolv and zypper (Debian's, for one) read products
 * and patterns only from these documents. With both, a host's solver sees the same product or
 * pattern once: libsolv does not add an auto-pattern it already has.
 *
 * <p>The package's provides are read from its primary fragment (already rendered, and cached), so
 * a publish finds them without reading packages again; only fragments naming {@code product()} or
 * {@code pattern()} are parsed.
 */
final class ProductsAndPatterns {

    private static final byte[] PRODUCT = "name=\"product()\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PATTERN = "name=\"pattern()\"".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern PROVIDES = Pattern.compile("<rpm:provides>(.*?)</rpm:provides>", Pattern.DOTALL);
    private static final Pattern ENTRY = Pattern.compile(
            "<rpm:entry name=\"([^\"]*)\"(?: flags=\"([A-Z]+)\" epoch=\"([^\"]*)\" ver=\"([^\"]*)\"(?: rel=\"([^\"]*)\")?)?");
    private static final Pattern SUMMARY = Pattern.compile("<summary>(.*?)</summary>", Pattern.DOTALL);
    private static final Pattern DESCRIPTION = Pattern.compile("<description>(.*?)</description>", Pattern.DOTALL);

    /** A provide as primary has it: the values still XML-escaped, as they go into the documents again. */
    private record Provide(String name, String flags, String epoch, String version, String release) {
        /** The value as rpm wrote it ({@code ver} and {@code rel} joined), unescaped (libsolv unescapes %XX). */
        String value() {
            String v = version == null ? "" : version + (release == null ? "" : "-" + release);
            return percentDecode(xmlUnescape(v));
        }
    }

    /** The two documents (empty when no package defines a product or a pattern). */
    record Documents(List<byte[]> products, List<byte[]> patterns) {
    }

    private ProductsAndPatterns() {
    }

    static Documents of(List<PackageEntry> entries) {
        List<byte[]> products = new ArrayList<>();
        List<byte[]> patterns = new ArrayList<>();
        for (PackageEntry e : entries) {
            byte[] primary = e.primaryXml();
            boolean product = contains(primary, PRODUCT);
            boolean pattern = contains(primary, PATTERN);
            if (!product && !pattern) {
                continue;
            }
            String xml = new String(primary, StandardCharsets.UTF_8);
            List<Provide> provides = provides(xml);
            if (product) {
                product(e, xml, provides).ifPresent(products::add);
            }
            if (pattern) {
                pattern(e, xml, provides).ifPresent(patterns::add);
            }
        }
        return new Documents(products, patterns);
    }

    private static java.util.Optional<byte[]> product(PackageEntry e, String xml, List<Provide> provides) {
        String name = provides.stream().filter(p -> p.name().equals("product()") && "EQ".equals(p.flags())).map(Provide::value)
                .findFirst().orElse(null);
        if (name == null) {
            return java.util.Optional.empty();
        }
        Provide link = provides.stream().filter(p -> p.name().equals("product(" + xmlEscape(name) + ")") && "EQ".equals(p.flags()))
                .findFirst().orElse(null);
        if (link == null) {
            return java.util.Optional.empty(); // libsolv too makes no product without product(NAME) = VERSION
        }
        StringBuilder x = new StringBuilder(1024);
        x.append("<product>\n");
        x.append("  <name>").append(xmlEscape(name)).append("</name>\n");
        x.append("  <arch>").append(xmlEscape(e.arch())).append("</arch>\n");
        x.append("  <version epoch=\"").append(link.epoch()).append("\" ver=\"").append(link.version()).append('"');
        if (link.release() != null) {
            x.append(" rel=\"").append(link.release()).append('"');
        }
        x.append("/>\n");
        texts(x, xml);
        x.append("  <rpm:provides>\n");
        x.append("    <rpm:entry name=\"autoproduct()\" flags=\"EQ\" epoch=\"0\" ver=\"").append(xmlEscape(e.name())).append("\"/>\n");
        x.append("  </rpm:provides>\n");
        x.append("  <rpm:requires>\n");
        x.append("    ").append(entry(link)).append('\n');
        x.append("  </rpm:requires>\n");
        x.append("</product>\n");
        return java.util.Optional.of(x.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static java.util.Optional<byte[]> pattern(PackageEntry e, String xml, List<Provide> provides) {
        String name = provides.stream().filter(p -> p.name().equals("pattern()") && "EQ".equals(p.flags())).map(Provide::value)
                .findFirst().orElse(null);
        if (name == null || name.startsWith(".")) {
            return java.util.Optional.empty(); // libsolv: a name starting with '.' makes no pattern
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        boolean visible = false;
        for (Provide p : provides) {
            switch (p.name()) {
                case "pattern-visible()" -> visible = true;
                case "pattern-icon()" -> attributes.put("icon", p.value());
                case "pattern-order()" -> attributes.put("order", p.value());
                case "pattern-category()" -> attributes.put("category", p.value());
                default -> {
                }
            }
        }
        StringBuilder x = new StringBuilder(1024);
        x.append("<pattern>\n");
        x.append("  <name>").append(xmlEscape(name)).append("</name>\n");
        x.append("  <arch>").append(xmlEscape(e.arch())).append("</arch>\n");
        x.append("  <version epoch=\"").append(e.epoch()).append("\" ver=\"").append(xmlEscape(e.version())).append("\" rel=\"")
                .append(xmlEscape(e.release())).append("\"/>\n");
        texts(x, xml);
        if (visible) {
            x.append("  <uservisible/>\n");
        }
        if (attributes.containsKey("category")) {
            x.append("  <category lang=\"en\">").append(xmlEscape(attributes.get("category"))).append("</category>\n");
        }
        if (attributes.containsKey("icon")) {
            x.append("  <icon>").append(xmlEscape(attributes.get("icon"))).append("</icon>\n");
        }
        if (attributes.containsKey("order")) {
            x.append("  <order>").append(xmlEscape(attributes.get("order"))).append("</order>\n");
        }
        x.append("  <rpm:provides>\n");
        x.append("    <rpm:entry name=\"autopattern()\" flags=\"EQ\" epoch=\"0\" ver=\"").append(xmlEscape(e.name())).append("\"/>\n");
        x.append("  </rpm:provides>\n");
        x.append("  <rpm:requires>\n");
        x.append("    <rpm:entry name=\"").append(xmlEscape(e.name())).append("\" flags=\"EQ\" epoch=\"").append(e.epoch()).append("\" ver=\"")
                .append(xmlEscape(e.version())).append("\" rel=\"").append(xmlEscape(e.release())).append("\"/>\n");
        x.append("  </rpm:requires>\n");
        x.append("</pattern>\n");
        return java.util.Optional.of(x.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void texts(StringBuilder x, String primary) {
        Matcher s = SUMMARY.matcher(primary);
        x.append("  <summary>").append(s.find() ? s.group(1) : "").append("</summary>\n");
        Matcher d = DESCRIPTION.matcher(primary);
        x.append("  <description>").append(d.find() ? d.group(1) : "").append("</description>\n");
    }

    private static String entry(Provide p) {
        return "<rpm:entry name=\"" + p.name() + "\" flags=\"" + p.flags() + "\" epoch=\"" + p.epoch() + "\" ver=\"" + p.version() + "\""
                + (p.release() == null ? "" : " rel=\"" + p.release() + "\"") + "/>";
    }

    private static List<Provide> provides(String primary) {
        List<Provide> out = new ArrayList<>();
        Matcher block = PROVIDES.matcher(primary);
        if (block.find()) {
            Matcher m = ENTRY.matcher(block.group(1));
            while (m.find()) {
                out.add(new Provide(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)));
            }
        }
        return out;
    }

    private static boolean contains(byte[] data, byte[] what) {
        outer:
        for (int i = 0; i <= data.length - what.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (data[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String xmlEscape(String s) {
        return org.klp.packaging.xml.XmlText.escape(s);
    }

    private static String xmlUnescape(String s) {
        return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    }

    private static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            int hi = i + 2 < b.length ? Character.digit(b[i + 1], 16) : -1;
            int lo = i + 2 < b.length ? Character.digit(b[i + 2], 16) : -1;
            if (b[i] == '%' && hi >= 0 && lo >= 0) {
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(b[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
