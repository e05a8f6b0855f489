package org.klp.packaging.rpm;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.klp.core.patch.Fix;
import org.klp.core.patch.LivePatchPackage;

/**
 * The RPM changelog of a live patch package, newest entry first, in SUSE's style: one entry per
 * live patch version, listing the fixes that version added and a {@code References:} line with
 * every bug and CVE id, which SUSE's tooling and humans grep for.
 *
 * <pre>
 * * Tue Nov 05 2024 klp &lt;klp@localhost&gt; - 3-1
 * - Update to version 3 of the live patch for kernel 5.14.21-150500.55.49-default:
 *   * CVE-2024-50115 (CVSS 7.8): KVM: nSVM: Ignore nCR3[4:0] when loading PDPTEs
 *   References: bsc#1233019 CVE-2024-50115
 * </pre>
 */
public record Changelog(List<Entry> entries) {

    /** One entry: time (seconds since the epoch, noon UTC of the release day), author line and text. */
    public record Entry(long time, String author, String text) {
    }

    public static final String DEFAULT_AUTHOR = "klp <klp@localhost>";

    public Changelog {
        entries = List.copyOf(entries);
    }

    /** Reads the changelog of a package (to carry it into the next version). */
    public static Changelog of(RpmPackage rpm) {
        long[] times = rpm.header().numbers(RpmTags.CHANGELOGTIME);
        List<String> names = rpm.header().strings(RpmTags.CHANGELOGNAME);
        List<String> texts = rpm.header().strings(RpmTags.CHANGELOGTEXT);
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < times.length && i < names.size() && i < texts.size(); i++) {
            out.add(new Entry(times[i], names.get(i), texts.get(i)));
        }
        return new Changelog(out);
    }

    /** The entry for {@code patch}, which adds {@code added} over its previous version. */
    public static Entry entryFor(LivePatchPackage patch, List<Fix> added, String author) {
        return entryFor(patch, added, List.of(), author);
    }

    /** The entry for {@code patch}, which adds {@code added} and, on the publisher's explicit decision, drops {@code dropped}. */
    public static Entry entryFor(LivePatchPackage patch, List<Fix> added, List<Fix> dropped, String author) {
        long time = patch.releaseDate().atTime(12, 0).toEpochSecond(ZoneOffset.UTC);
        String kernel = patch.kernel().uname();
        StringBuilder text = new StringBuilder();
        if (patch.isInitial()) {
            text.append("- Initial live patch for kernel ").append(kernel)
                    .append(": no fixes yet; the seed that later live patches for this kernel replace.");
        } else {
            text.append("- Update to version ").append(patch.version()).append(" of the live patch for kernel ").append(kernel).append(':');
            List<Fix> listed = added.isEmpty() ? patch.fixes() : added;
            List<String> refs = new ArrayList<>();
            for (Fix f : listed) {
                text.append("\n  * ").append(f.id());
                if (f.cvss() > 0) {
                    text.append(String.format(Locale.ROOT, " (CVSS %.1f)", f.cvss()));
                }
                if (!f.summary().isEmpty()) {
                    text.append(": ").append(f.summary());
                }
                for (String id : f.allIds()) {
                    if (!refs.contains(id)) {
                        refs.add(id);
                    }
                }
            }
            refs.sort((a, b) -> Boolean.compare(a.startsWith("CVE-"), b.startsWith("CVE-")) != 0
                    ? Boolean.compare(a.startsWith("CVE-"), b.startsWith("CVE-")) : a.compareTo(b));
            text.append("\n  References: ").append(String.join(" ", refs));
            for (Fix f : dropped) {
                text.append("\n- Dropped ").append(f.id()).append(" (carried by version ").append(patch.version() - 1)
                        .append("): this version no longer fixes it");
            }
        }
        return new Entry(time, author + " - " + patch.version() + "-1", text.toString());
    }

    /** This changelog with {@code entry} on top; an older entry of the same version is dropped. */
    public Changelog prepend(Entry entry) {
        List<Entry> out = new ArrayList<>();
        out.add(entry);
        String suffix = entry.author().substring(entry.author().lastIndexOf(' ') + 1);
        for (Entry e : entries) {
            if (!e.author().endsWith(" " + suffix)) {
                out.add(e);
            }
        }
        return new Changelog(out);
    }
}
