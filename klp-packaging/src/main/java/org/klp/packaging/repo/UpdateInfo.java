package org.klp.packaging.repo;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;
import org.klp.packaging.record.PatchRecord;

import static org.klp.packaging.xml.XmlText.escape;

/**
 * {@code updateinfo.xml}: one security update ("patch" in zypper's words) per live patch release
 * N ≥ 2, as SUSE publishes them, so that {@code zypper list-patches} shows a live patch as needed
 * until it is installed, and {@code zypper patch --cve} finds it.
 *
 * <ul>
 * <li>id {@code klp-<kernel package form>-<N>}, type {@code security}, status {@code stable};</li>
 * <li>severity from the highest CVSS among the fixes the release adds: critical (9.0+),
 *     important (7.0+), moderate (4.0+), low otherwise;</li>
 * <li>references: each CVE ({@code type="cve"}) and bug ({@code type="bugzilla"}) the release adds
 *     (all of its fixes when N-1 is not in the repository);</li>
 * <li>the package of that release in {@code pkglist}.</li>
 * </ul>
 * The initial patch (N = 1) fixes nothing and gets no update.
 */
public final class UpdateInfo {

    private UpdateInfo() {
    }

    public static String severity(double cvss) {
        if (cvss >= 9.0) {
            return "critical";
        }
        if (cvss >= 7.0) {
            return "important";
        }
        if (cvss >= 4.0) {
            return "moderate";
        }
        return "low";
    }

    public static String updateId(LivePatchPackage p) {
        return "klp-" + p.kernel().packageForm() + "-" + p.version();
    }

    /**
     * The {@code <update>} element of one live patch release, listing what it adds over
     * {@code previous} (version N-1, or null when the repository lacks it: then all its fixes);
     * empty for the initial patch.
     */
    public static String update(PackageEntry e, PatchRecord record, PatchRecord previous) {
        LivePatchPackage p = record.livePatch();
        if (p.isInitial()) {
            return "";
        }
        List<Fix> added = previous == null ? p.fixes() : p.changeFrom(previous.livePatch()).gained();
        StringBuilder x = new StringBuilder(1024);
        update(x, e, p, added);
        return x.toString();
    }

    private static void update(StringBuilder x, PackageEntry e, LivePatchPackage p, List<Fix> added) {
        double cvss = added.stream().mapToDouble(Fix::cvss).max().orElse(0.0);
        String kernel = p.kernel().uname();
        x.append("  <update from=\"klp\" status=\"stable\" type=\"security\" version=\"1\">\n");
        x.append("    <id>").append(escape(updateId(p))).append("</id>\n");
        x.append("    <title>Security update for the Linux kernel (live patch ").append(p.version()).append(" for ")
                .append(escape(kernel)).append(")</title>\n");
        x.append("    <severity>").append(severity(cvss)).append("</severity>\n");
        x.append("    <release>klp live patches</release>\n");
        x.append("    <issued date=\"").append(p.releaseDate().atTime(12, 0).toEpochSecond(ZoneOffset.UTC)).append("\"/>\n");
        x.append("    <references>\n");
        List<String> seen = new ArrayList<>();
        for (Fix f : added) {
            for (String id : f.allIds()) {
                if (seen.contains(id)) {
                    continue;
                }
                seen.add(id);
                reference(x, id, id.equals(f.id()) ? f.summary() : f.id());
            }
        }
        x.append("    </references>\n");
        StringBuilder d = new StringBuilder();
        d.append("Live patch ").append(p.version()).append(" for kernel ").append(kernel)
                .append(" (cumulative: it carries every fix of the earlier live patches) adds these fixes:\n");
        for (Fix f : added) {
            d.append("\n- ").append(f.id());
            if (f.cvss() > 0) {
                d.append(String.format(Locale.ROOT, " (CVSS %.1f)", f.cvss()));
            }
            if (!f.summary().isEmpty()) {
                d.append(": ").append(f.summary());
            }
        }
        x.append("    <description>").append(escape(d.toString())).append("</description>\n");
        x.append("    <pkglist>\n      <collection>\n");
        x.append("        <package name=\"").append(escape(e.name())).append("\" epoch=\"").append(e.epoch()).append("\" version=\"")
                .append(escape(e.version())).append("\" release=\"").append(escape(e.release())).append("\" arch=\"").append(escape(e.arch()))
                .append("\" src=\"").append(escape(e.sourceRpm())).append("\">\n");
        x.append("          <filename>").append(escape(e.location().substring(e.location().lastIndexOf('/') + 1))).append("</filename>\n");
        x.append("        </package>\n      </collection>\n    </pkglist>\n");
        x.append("  </update>\n");
    }

    private static void reference(StringBuilder x, String id, String title) {
        if (id.startsWith("CVE-")) {
            x.append("      <reference href=\"https://www.cve.org/CVERecord?id=").append(escape(id)).append("\" id=\"").append(escape(id))
                    .append("\" title=\"").append(escape(title)).append("\" type=\"cve\"/>\n");
        } else {
            int hash = id.indexOf('#');
            String tracker = id.substring(0, hash);
            String number = id.substring(hash + 1);
            String href = tracker.equals("bsc") || tracker.equals("boo")
                    ? "https://bugzilla.suse.com/show_bug.cgi?id=" + number : "";
            x.append("      <reference href=\"").append(escape(href)).append("\" id=\"").append(escape(tracker.equals("bsc") || tracker.equals("boo") ? number : id))
                    .append("\" title=\"").append(escape(id + (title.isEmpty() || title.equals(id) ? "" : ": " + title)))
                    .append("\" type=\"bugzilla\"/>\n");
        }
    }
}
