package org.klp.server.store;

/**
 * A product or extension as SCC names it: {@code identifier/version/arch}, e.g.
 * {@code sle-module-live-patching/15.5/x86_64}, with a friendly name and the base product it
 * extends (null for a base product). A {@code free} extension activates without a registration
 * code of its own.
 */
public record Product(int id, String identifier, String version, String arch, String name, Integer baseId, boolean free) {

    /**
     * Identifier, version and arch become the folders of the product's repository
     * ({@code repos/IDENTIFIER/VERSION/ARCH}) and parts of its URL: each starts with a letter or
     * digit (so none is {@code .}, {@code ..} or hidden) and holds no separator.
     */
    public static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,99}");
    public static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,19}");
    public static final java.util.regex.Pattern ARCH = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_]{0,19}");

    public String triplet() {
        return identifier + "/" + version + "/" + arch;
    }

    public boolean isBase() {
        return baseId == null;
    }

    /**
     * The name of the product's repository service, as SCC and RMT name services (the product's
     * name with underscores, and its architecture): {@code SUSE_Linux_Enterprise_Live_Patching_15_SP5_x86_64}.
     * It names files on hosts ({@code /etc/zypp/credentials.d/NAME}, zypper's service alias), so it
     * holds letters, digits, {@code . _ -} only.
     */
    public String serviceName() {
        String base = name.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("_+", "_").replaceAll("^[_.-]+|_+$", "");
        if (base.isEmpty()) {
            base = (identifier + "_" + version).replaceAll("[^A-Za-z0-9._-]+", "_");
        }
        return base.endsWith("_" + arch) || base.equals(arch) ? base : base + "_" + arch;
    }
}
