package org.klp.server.store;

/**
 * A product or extension as SCC names it: {@code identifier/version/arch}, e.g.
 * {@code sle-module-live-patching/15.5/x86_64}, with a friendly name and the base product it
 * extends (null for a base product). A {@code free} extension activates without a registration
 * code of its own.
 */
public record Product(int id, String identifier, String version, String arch, String name, Integer baseId, boolean free) {

    public String triplet() {
        return identifier + "/" + version + "/" + arch;
    }

    public boolean isBase() {
        return baseId == null;
    }
}
