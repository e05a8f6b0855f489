package org.klp.packaging.lifecycle;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Lifecycle data in the format of SUSE's {@code zypper lifecycle}
 * ({@code /usr/share/lifecycle/data/*.lifecycle}): comment lines starting with {@code #}, then one
 * {@code name, version, date} line per package, where version may hold {@code *} wildcards and
 * the date is the package's end of support.
 *
 * <p>klp's repositories publish one line per live patch package, {@code version *}: every version
 * of a kernel's live patch ends with the kernel's support, one year after the kernel's release.
 * The same file can be dropped into {@code /usr/share/lifecycle/data/} for {@code zypper lifecycle}.
 */
public record LifecycleData(List<Entry> entries) {

    /** One line: a package name, a version pattern ({@code *} wildcards), the end of support. */
    public record Entry(String name, String version, LocalDate endOfSupport) {
        public boolean matches(String packageName, String packageVersion) {
            return name.equals(packageName) && glob(version).matcher(packageVersion).matches();
        }

        private static Pattern glob(String pattern) {
            StringBuilder re = new StringBuilder();
            for (String part : pattern.split("\\*", -1)) {
                if (re.length() > 0 || pattern.startsWith("*")) {
                    re.append(".*");
                }
                re.append(Pattern.quote(part));
            }
            return Pattern.compile(pattern.equals("*") ? ".*" : re.toString());
        }
    }

    public LifecycleData {
        entries = List.copyOf(entries);
    }

    /** The end of support of a package version, if a line matches it (the last matching line wins, as in zypper lifecycle). */
    public Optional<LocalDate> endOfSupport(String packageName, String packageVersion) {
        LocalDate found = null;
        for (Entry e : entries) {
            if (e.matches(packageName, packageVersion)) {
                found = e.endOfSupport();
            }
        }
        return Optional.ofNullable(found);
    }

    public String write() {
        StringBuilder out = new StringBuilder();
        out.append("# klp live patch lifecycle data, as zypper lifecycle reads it\n");
        out.append("# name, version, end of support (the kernel's release date + 1 year)\n");
        for (Entry e : entries) {
            out.append(e.name()).append(", ").append(e.version()).append(", ").append(e.endOfSupport()).append('\n');
        }
        return out.toString();
    }

    /**
     * Reads lifecycle data; lines with a successor column or an empty date (which klp does not use)
     * are kept if they have a date and skipped otherwise.
     *
     * @throws IllegalArgumentException naming the source and line of a malformed line
     */
    public static LifecycleData parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++) {
            String line = lines[n].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split(",", -1);
            if (cols.length < 3) {
                throw new IllegalArgumentException(source + " line " + (n + 1) + ": expected 'name, version, date', got '" + line + "'");
            }
            String name = cols[0].strip();
            String version = cols[1].strip();
            String date = cols[2].strip();
            if (name.isEmpty() || version.isEmpty()) {
                throw new IllegalArgumentException(source + " line " + (n + 1) + ": name and version must not be empty");
            }
            if (date.isEmpty()) {
                continue;
            }
            try {
                entries.add(new Entry(name, version, LocalDate.parse(date)));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(source + " line " + (n + 1) + ": '" + date + "' is not a date such as 2025-03-01");
            }
        }
        return new LifecycleData(entries);
    }
}
