package org.klp.packaging.testing;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How SUSE's zypper-lifecycle reads {@code /usr/share/lifecycle/data/PRODUCT.lifecycle}, written
 * down independently of klp's own reader: Ruby's CSV with blank lines and lines matching
 * {@code /^\s*#/} skipped, every field stripped, then {@code name, version, date[, successor]};
 * a version with {@code *} is a glob over the package's {@code VERSION-RELEASE} (its "edition").
 */
public final class ZypperLifecycleFormat {

    public record Row(String name, String version, LocalDate date, String successor) {
        public boolean matchesEdition(String edition) {
            return Pattern.compile("^" + Pattern.quote(version).replace("*", "\\E.*\\Q") + "$").matcher(edition).matches();
        }
    }

    private ZypperLifecycleFormat() {
    }

    public static List<Row> parse(String text) {
        List<Row> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.matches("^\\s*#.*")) {
                continue;
            }
            if (line.contains("\"")) {
                throw new IllegalArgumentException("quoted CSV fields are not expected in klp's lifecycle data: " + line);
            }
            String[] f = line.split(",", -1);
            if (f.length < 3 || f.length > 4) {
                throw new IllegalArgumentException("zypper-lifecycle expects name, version, date[, successor]: " + line);
            }
            String date = f[2].strip();
            rows.add(new Row(f[0].strip(), f[1].strip(), date.isEmpty() ? null : LocalDate.parse(date), f.length == 4 ? f[3].strip() : null));
        }
        return rows;
    }
}
