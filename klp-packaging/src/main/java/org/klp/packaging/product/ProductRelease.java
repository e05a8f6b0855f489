package org.klp.packaging.product;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import static org.klp.packaging.xml.XmlText.escape;

/**
 * A product or extension as SUSE's tools see it on a host: {@code identifier/version/arch} (what
 * SUSEConnect's {@code -p} names), a summary, and whether it is the base product, a free module or
 * an extension with a subscription of its own. Its release package puts
 * {@code /etc/products.d/IDENTIFIER.prod} on the host, which zypper, SUSEConnect and
 * zypper-lifecycle read to know the installed products.
 */
public record ProductRelease(String identifier, String version, String arch, String summary, Kind kind) {

    /** What a product is to registration and to zypper lifecycle (the .prod file's register flavor). */
    public enum Kind {
        /** The operating system (SLES): the one {@code /etc/products.d/baseproduct} points to. */
        BASE,
        /** A free extension, activated without a code of its own. */
        MODULE,
        /** An extension with a subscription of its own (Live Patching). */
        EXTENSION;

        String flavor() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The release of the product in its .prod file and in {@code product(IDENTIFIER) = VERSION-RELEASE}. */
    public static final String PRODUCT_RELEASE = "0";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");
    private static final Pattern VERSION = Pattern.compile("[0-9][0-9A-Za-z.+~_]{0,19}");
    private static final Pattern ARCH = Pattern.compile("[A-Za-z0-9_]{1,20}");

    public ProductRelease {
        Objects.requireNonNull(kind, "kind");
        requireIdentifier(identifier);
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("Not a product version: '" + version + "' (e.g. 15.5)");
        }
        if (arch == null || !ARCH.matcher(arch).matches()) {
            throw new IllegalArgumentException("Not an architecture: '" + arch + "' (e.g. x86_64)");
        }
        if (summary == null || summary.isBlank() || summary.length() > 200 || summary.chars().anyMatch(c -> c < 0x20)) {
            throw new IllegalArgumentException("A product summary is 1 to 200 printable characters, not '" + summary + "'");
        }
    }

    /** Refuses what cannot be a product identifier (it names files: {@code /etc/products.d/IDENTIFIER.prod}). */
    public static String requireIdentifier(String identifier) {
        if (identifier == null || !IDENTIFIER.matcher(identifier).matches()) {
            throw new IllegalArgumentException("Not a product identifier: '" + identifier + "' (letters, digits, . _ + -; e.g. sle-module-live-patching)");
        }
        return identifier;
    }

    public String triplet() {
        return identifier + "/" + version + "/" + arch;
    }

    /** {@code IDENTIFIER-release}, the package {@code zypper install -t product IDENTIFIER} installs. */
    public String packageName() {
        return identifier + "-release";
    }

    /** {@code /etc/products.d/IDENTIFIER.prod}. */
    public String prodFile() {
        return "/etc/products.d/" + identifier + ".prod";
    }

    /**
     * The registration target, as SUSEConnect derives it from a product ({@code sle-15-x86_64}
     * for every SUSE Linux Enterprise product of major version 15).
     */
    public String registerTarget() {
        String id = identifier.toLowerCase(Locale.ROOT);
        if (id.startsWith("sle")) {
            id = "sle";
        }
        return id + "-" + version.split("\\.")[0] + "-" + arch;
    }

    /** A CPE name for the product, {@code cpe:/o:klp:IDENTIFIER:VERSION}. */
    public String cpe() {
        return "cpe:/o:klp:" + identifier.toLowerCase(Locale.ROOT) + ":" + version;
    }

    /** The .prod file: the installed product as libzypp reads it (libsolv's repo_products). */
    public String prodXml() {
        StringBuilder x = new StringBuilder(1024);
        x.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append("<product schemeversion=\"0\">\n");
        x.append("  <vendor>klp</vendor>\n");
        x.append("  <name>").append(escape(identifier)).append("</name>\n");
        x.append("  <version>").append(escape(version)).append("</version>\n");
        x.append("  <release>").append(PRODUCT_RELEASE).append("</release>\n");
        x.append("  <arch>").append(escape(arch)).append("</arch>\n");
        x.append("  <cpeid>").append(escape(cpe())).append("</cpeid>\n");
        x.append("  <productline>").append(escape(identifier)).append("</productline>\n");
        x.append("  <register>\n");
        x.append("    <target>").append(escape(registerTarget())).append("</target>\n");
        if (kind != Kind.BASE) {
            x.append("    <flavor>").append(kind.flavor()).append("</flavor>\n");
        }
        x.append("  </register>\n");
        x.append("  <summary>").append(escape(summary)).append("</summary>\n");
        x.append("  <shortsummary>").append(escape(summary)).append("</shortsummary>\n");
        x.append("  <description>").append(escape(summary)).append(" (published by a klp server)</description>\n");
        x.append("  <linguas>\n    <lang>en_US</lang>\n  </linguas>\n");
        x.append("  <urls/>\n");
        x.append("  <buildconfig>\n    <producttheme>").append(escape(identifier)).append("</producttheme>\n  </buildconfig>\n");
        x.append("  <installconfig>\n    <defaultlang>en_US</defaultlang>\n    <releasepackage name=\"").append(escape(packageName()))
                .append("\" flag=\"EQ\" version=\"").append(escape(version)).append("\" release=\"").append(PRODUCT_RELEASE).append("\"/>\n")
                .append("  </installconfig>\n");
        x.append("  <runtimeconfig/>\n");
        x.append("</product>\n");
        return x.toString();
    }

    /** A value for an rpm provide such as {@code product-label()}: rpm versions hold no spaces, so libsolv unescapes %XX. */
    static String provideValue(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '~' || c == '-') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
