package org.klp.core.patch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fixes a live patch package carries, read from its RPM changelog as SUSE writes it. The
 * package database is where a host learns what a live patch fixes; klp's own record only adds
 * scores and categories. Three shapes of line are understood, in any entry:
 *
 * <pre>
 * - Fix for CVE-2024-50115 ("KVM: nSVM: ignore nCR3[4:0]") (bsc#1233019).   SUSE's live patches
 *   * CVE-2024-50115 (CVSS 7.8): KVM: nSVM: ignore nCR3[4:0]               klp-pack's packages
 *   References: bsc#1233019 CVE-2024-50115                                 both
 * </pre>
 *
 * <p>Any other item naming a CVE makes that CVE a fix; an item naming only bug ids ({@code bsc#},
 * {@code boo#}, {@code bnc#}, {@code jsc#}) makes each a bug fix. Bug ids in an item or
 * {@code References:} line with exactly one CVE are that CVE's references; with several CVEs they
 * cannot be paired and stand as bug fixes of their own.
 *
 * <p>The changelog is untrusted text: entries, lines and summaries are bounded, control
 * characters are dropped, and only ids matching {@link Fix#normalizeId} survive. Parsing never
 * fails; text without ids yields no fixes.
 */
public final class ChangelogFixes {

    /** More entries than any live patch stream has versions; the oldest beyond are ignored. */
    static final int MAX_ENTRIES = 1_000;
    static final int MAX_ENTRY_CHARS = 32_768;
    static final int MAX_FIXES = 2_000;
    static final int MAX_SUMMARY_CHARS = 200;

    private static final String ID = "(?:CVE-\\d{4}-\\d{4,19}|(?:bsc|boo|bnc|jsc)#[A-Za-z0-9-]{1,40})";
    private static final Pattern ANY_ID = Pattern.compile("(?i)(?<![A-Za-z0-9#-])" + ID + "(?![A-Za-z0-9#])");
    private static final Pattern SUSE_FIX = Pattern.compile("(?i)^fix(?:es)? for (" + ID + ")(?:\\s*\\(\"(.*?)\"\\))?");
    private static final Pattern KLP_FIX = Pattern.compile("(?i)^(" + ID + ")(?: \\(CVSS (\\d{1,2}(?:\\.\\d)?)\\))?(?::\\s*(.*))?$");
    private static final Pattern REFERENCES = Pattern.compile("(?i)^references:(.*)$");

    private final Map<String, Draft> byId = new LinkedHashMap<>();

    private ChangelogFixes() {
    }

    /** The fixes named in a changelog, oldest first; {@code entriesNewestFirst} as rpm lists them. */
    public static List<Fix> parse(List<String> entriesNewestFirst) {
        ChangelogFixes parser = new ChangelogFixes();
        int from = Math.min(entriesNewestFirst.size(), MAX_ENTRIES) - 1;
        for (int i = from; i >= 0; i--) {
            String entry = entriesNewestFirst.get(i);
            if (entry != null) {
                parser.entry(entry.length() > MAX_ENTRY_CHARS ? entry.substring(0, MAX_ENTRY_CHARS) : entry);
            }
        }
        return parser.fixes();
    }

    private void entry(String text) {
        for (String item : items(clean(text))) {
            item(item);
        }
    }

    /** Items of an entry: a line starting with '-' or '*' (after indentation), or 'References:', starts one; other lines continue it. */
    private static List<String> items(String text) {
        List<String> items = new ArrayList<>();
        StringBuilder current = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            boolean starts = line.startsWith("- ") || line.startsWith("* ") || REFERENCES.matcher(line).matches();
            if (starts || current == null) {
                if (current != null) {
                    items.add(current.toString());
                }
                current = new StringBuilder(starts && !line.regionMatches(true, 0, "references:", 0, 11) ? line.substring(2).strip() : line);
            } else {
                current.append(' ').append(line);
            }
        }
        if (current != null) {
            items.add(current.toString());
        }
        return items;
    }

    private void item(String item) {
        Matcher refs = REFERENCES.matcher(item);
        if (refs.matches()) {
            pairIds(ids(refs.group(1)), "");
            return;
        }
        Matcher suse = SUSE_FIX.matcher(item);
        if (suse.find()) {
            Draft d = draft(suse.group(1));
            if (d == null) {
                return;
            }
            d.summary(suse.group(2) == null ? "" : suse.group(2));
            List<String> others = ids(item).stream().filter(id -> !id.equals(d.id)).toList();
            if (d.isCve()) {
                others.stream().filter(id -> !id.startsWith("CVE-")).forEach(d.references::add);
                others.stream().filter(id -> id.startsWith("CVE-")).forEach(this::draft);
            } else {
                others.forEach(this::draft);
            }
            return;
        }
        Matcher klp = KLP_FIX.matcher(item);
        if (klp.matches()) {
            Draft d = draft(klp.group(1));
            if (d != null) {
                if (klp.group(2) != null) {
                    d.cvss = Math.max(d.cvss, Math.min(10.0, Double.parseDouble(klp.group(2))));
                }
                d.summary(klp.group(3) == null ? "" : withoutIds(klp.group(3)));
            }
            return;
        }
        List<String> ids = ids(item);
        if (!ids.isEmpty()) {
            pairIds(ids, withoutIds(item));
        }
    }

    /** Bug ids go to the one CVE beside them; without exactly one CVE every id is a fix of its own. */
    private void pairIds(List<String> ids, String summary) {
        List<String> cves = ids.stream().filter(id -> id.startsWith("CVE-")).toList();
        List<String> bugs = ids.stream().filter(id -> !id.startsWith("CVE-")).toList();
        if (cves.size() == 1) {
            Draft cve = draft(cves.get(0));
            if (cve != null) {
                cve.summary(summary);
                bugs.stream().filter(b -> !isReferenced(b)).forEach(cve.references::add);
            }
            return;
        }
        cves.forEach(this::draft);
        for (String b : bugs) {
            if (!isReferenced(b)) {
                Draft d = draft(b);
                if (d != null && bugs.size() == 1 && cves.isEmpty()) {
                    d.summary(summary);
                }
            }
        }
    }

    private boolean isReferenced(String bug) {
        return byId.values().stream().anyMatch(d -> d.references.contains(bug));
    }

    private Draft draft(String rawId) {
        String id = Fix.normalizeId(rawId);
        Draft d = byId.get(id);
        if (d == null) {
            if (byId.size() >= MAX_FIXES) {
                return null;
            }
            d = new Draft(id);
            byId.put(id, d);
        }
        return d;
    }

    private List<Fix> fixes() {
        List<Fix> out = new ArrayList<>();
        for (Draft d : byId.values()) {
            // a bug id that became a CVE's reference later is no fix of its own
            if (!d.isCve() && d.summary.isEmpty() && isReferenced(d.id)) {
                continue;
            }
            d.references.remove(d.id);
            out.add(new Fix(d.id, d.cvss, d.summary, List.copyOf(d.references),
                    d.isCve() ? FixCategory.SECURITY : FixCategory.OTHER, false));
        }
        return out;
    }

    private static List<String> ids(String text) {
        Set<String> found = new LinkedHashSet<>();
        Matcher m = ANY_ID.matcher(text);
        while (m.find()) {
            found.add(Fix.normalizeId(m.group()));
        }
        return new ArrayList<>(found);
    }

    /** A summary from free text: the ids, empty brackets and trailing punctuation removed. */
    private static String withoutIds(String text) {
        String s = ANY_ID.matcher(text).replaceAll("");
        s = s.replaceAll("\\(\\s*[,;]?\\s*(?:[,;]\\s*)*\\)", "").replaceAll("\\s+", " ").strip();
        s = s.replaceAll("^(?i)(?:fix(?:es)? for|fix(?:es)?)\\s*[:,]?\\s*$", "");
        s = s.replaceAll("[\\s.,;:]+$", "");
        return s;
    }

    /** Drops control characters (terminal escapes among them) but keeps line breaks. */
    private static String clean(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\n' || c == '\t') {
                sb.append(c == '\t' ? ' ' : '\n');
            } else if (!Character.isISOControl(c) && Character.getType(c) != Character.FORMAT) {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }

    private static final class Draft {
        final String id;
        final Set<String> references = new LinkedHashSet<>();
        double cvss;
        String summary = "";

        Draft(String id) {
            this.id = id;
        }

        boolean isCve() {
            return id.startsWith("CVE-");
        }

        void summary(String text) {
            String s = text.strip();
            if (summary.isEmpty() && !s.isEmpty()) {
                summary = s.length() > MAX_SUMMARY_CHARS ? s.substring(0, MAX_SUMMARY_CHARS - 1) + "…" : s;
            }
        }
    }
}
