package org.klp.server.export;

import org.klp.core.patch.Fix;

/**
 * What an export covers: the whole catalog, one product's kernels (the product's and its
 * extensions'), or one kernel stream; optionally only one CVE. Checked on construction, so a bad
 * parameter is refused before anything is read.
 *
 * @param product IDENTIFIER/VERSION/ARCH, or null
 * @param stream  a kernel stream such as {@code 5.14.21-150500-default}, or null
 * @param cve     a CVE id, or null for every CVE of the scope
 */
public record ExportScope(String product, String stream, String cve) {

    public static final ExportScope ALL = new ExportScope(null, null, null);

    /** The scope of one kernel release: its stream (a host running it can run any release of the stream after an update). */
    public static ExportScope ofKernel(String release, String cve) {
        return new ExportScope(null, org.klp.core.kernel.KernelRelease.parse(release).stream(), cve);
    }

    public ExportScope {
        if (product != null && stream != null) {
            throw new IllegalArgumentException("give a product or a kernel stream, not both");
        }
        if (product != null && product.split("/", -1).length != 3) {
            throw new IllegalArgumentException("Not a product: '" + product + "' (expected IDENTIFIER/VERSION/ARCH such as sle-module-live-patching/15.5/x86_64)");
        }
        if (stream != null) {
            StreamPattern.of(stream);
        }
        if (cve != null) {
            cve = Fix.normalizeId(cve);
            if (!cve.startsWith("CVE-")) {
                throw new IllegalArgumentException("Not a CVE id: '" + cve + "' (expected CVE-YYYY-NNNN)");
            }
        }
    }

    /** A few words naming the scope, for titles. */
    public String describe() {
        String what = product != null ? "product " + product : stream != null ? "kernel stream " + stream : "the whole catalog";
        return cve == null ? what : cve + " in " + what;
    }
}
