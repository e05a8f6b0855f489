package org.klp.packaging.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.klp.core.patch.Fix;
import org.klp.core.patch.FixCategory;
import org.klp.core.patch.PatchedFunction;
import org.klp.core.patch.SystemState;

/**
 * Reads one fix folder's files (given as text, so the rules are testable without a disk):
 *
 * <pre>
 * fix.properties        id = CVE-2024-1234           (required; a CVE or a bug id such as bsc#1233019)
 *                       cvss = 7.8                   summary = one line
 *                       references = bsc#1 CVE-…     category = security|stability|data-corruption|other
 *                       changes-data-structures = false
 *                       init = fix_init              cleanup = fix_cleanup   (optional C functions)
 *                       states = 1:2 7:1             (klp system states ID:VERSION)
 *                       kernel-symbols = vmlinux:get_task_cmdline vmlinux:some_static,2
 * patched_funcs.csv     object old_function[,sympos] new_function   (one per line; # comments)
 * *.c, *.h              the replacement code
 * </pre>
 *
 * Every refusal names the file and line. A replacement, init or cleanup function must be defined,
 * not {@code static}, in one of the fix's C files: the generated module main refers to it.
 */
public final class FixSourceParser {

    public static final String PROPERTIES = "fix.properties";
    public static final String FUNCTIONS = "patched_funcs.csv";
    static final Pattern C_IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z][A-Za-z0-9-]*)\\s*[=:]\\s*(.*)");

    private FixSourceParser() {
    }

    /**
     * @param folder     the fix's folder as the user knows it (messages say {@code folder/fix.properties:3})
     * @param properties the text of {@code fix.properties}
     * @param functions  the text of {@code patched_funcs.csv}
     * @param files      the fix's C sources and headers
     */
    public static FixSource parse(String folder, String properties, String functions, List<FixSource.SourceFile> files) {
        String propsFile = folder + "/" + PROPERTIES;
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        String[] propLines = properties.split("\n", -1);
        for (int i = 0; i < propLines.length; i++) {
            String line = propLines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = KEY_VALUE.matcher(line);
            String where = propsFile + ":" + (i + 1);
            if (!m.matches()) {
                throw new FixSourceException(where + ": expected 'key = value', not '" + line + "'");
            }
            String key = m.group(1).toLowerCase(Locale.ROOT);
            if (!List.of("id", "cvss", "summary", "references", "category", "changes-data-structures", "init", "cleanup", "states",
                    "kernel-symbols").contains(key)) {
                throw new FixSourceException(where + ": unknown key '" + m.group(1) + "' (known: id, cvss, summary, references, category,"
                        + " changes-data-structures, init, cleanup, states, kernel-symbols)");
            }
            if (values.containsKey(key)) {
                throw new FixSourceException(where + ": '" + key + "' is set twice (first on line " + lines.get(key) + ")");
            }
            values.put(key, m.group(2).strip());
            lines.put(key, i + 1);
        }
        if (!values.containsKey("id")) {
            throw new FixSourceException(propsFile + ": no 'id' (the fix's CVE or bug id, e.g. id = CVE-2024-50115)");
        }
        String id = checked(propsFile, lines, "id", () -> Fix.normalizeId(values.get("id")));
        // each optional field is checked on its own line, so the message points at it
        double cvss = values.containsKey("cvss") ? checked(propsFile, lines, "cvss", () -> parseCvss(values.get("cvss"))) : 0.0;
        FixCategory category = values.containsKey("category")
                ? checked(propsFile, lines, "category", () -> FixCategory.parse(values.get("category")))
                : id.startsWith("CVE-") ? FixCategory.SECURITY : FixCategory.OTHER;
        boolean changesData = values.containsKey("changes-data-structures")
                && checked(propsFile, lines, "changes-data-structures", () -> parseBoolean(values.get("changes-data-structures")));
        List<String> refs = values.containsKey("references")
                ? checked(propsFile, lines, "references", () -> new Fix(id, 0, "", List.of(values.get("references").split("[\\s,]+"))
                        .stream().filter(r -> !r.isEmpty()).toList(), FixCategory.OTHER, false).references())
                : List.of();
        Fix full = new Fix(id, cvss, values.getOrDefault("summary", ""), refs, category, changesData);
        List<SystemState> states = values.containsKey("states")
                ? checked(propsFile, lines, "states", () -> parseStates(values.get("states"))) : List.of();
        List<KernelSymbol> symbols = values.containsKey("kernel-symbols")
                ? checked(propsFile, lines, "kernel-symbols", () -> parseSymbols(values.get("kernel-symbols"), propsFile + ":" + lines.get("kernel-symbols")))
                : List.of();

        List<ReplacedFunction> replaced = parseFunctions(folder + "/" + FUNCTIONS, functions);
        if (replaced.isEmpty()) {
            throw new FixSourceException(folder + "/" + FUNCTIONS + ": lists no function (a fix replaces at least one:"
                    + " 'object old_function[,sympos] new_function', e.g. 'vmlinux cmdline_proc_show klp_cmdline_proc_show')");
        }
        if (files.stream().noneMatch(FixSource.SourceFile::isC)) {
            throw new FixSourceException(folder + ": has no C source (*.c) holding the replacement functions");
        }
        for (ReplacedFunction r : replaced) {
            requireDefined(folder, r.replacement(), r.where(), files);
        }
        Optional<String> init = Optional.ofNullable(values.get("init"));
        Optional<String> cleanup = Optional.ofNullable(values.get("cleanup"));
        for (String key : List.of("init", "cleanup")) {
            String name = values.get(key);
            if (name != null) {
                String where = propsFile + ":" + lines.get(key);
                if (!C_IDENTIFIER.matcher(name).matches()) {
                    throw new FixSourceException(where + ": " + key + " must name a C function, not '" + name + "'");
                }
                requireDefined(folder, name, where, files);
            }
        }
        return new FixSource(folder, full, replaced, files, init, cleanup, states, symbols);
    }

    private static List<ReplacedFunction> parseFunctions(String file, String text) {
        List<ReplacedFunction> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            String[] cols = line.split("\\s+");
            if (cols.length != 3) {
                throw new FixSourceException(where + ": expected 'object old_function[,sympos] new_function', not '" + line + "'");
            }
            String old = cols[1];
            int sympos = 0;
            int comma = old.indexOf(',');
            if (comma >= 0) {
                try {
                    sympos = Integer.parseInt(old.substring(comma + 1));
                } catch (NumberFormatException e) {
                    throw new FixSourceException(where + ": the symbol position after ',' must be a number, not '" + old.substring(comma + 1) + "'");
                }
                old = old.substring(0, comma);
            }
            if (!C_IDENTIFIER.matcher(old).matches()) {
                throw new FixSourceException(where + ": '" + old + "' is not a C function name");
            }
            if (!C_IDENTIFIER.matcher(cols[2]).matches()) {
                throw new FixSourceException(where + ": '" + cols[2] + "' is not a C function name");
            }
            String oldName = old;
            int pos = sympos;
            PatchedFunction target = checkedAt(where, () -> new PatchedFunction(cols[0], oldName, pos));
            out.add(new ReplacedFunction(target, cols[2], where));
        }
        return out;
    }

    /**
     * Refuses unless {@code name} is defined (a body, not only declared) and not {@code static}
     * in one of the C files. Comments and string literals are blanked first so that a mention in
     * them does not count.
     */
    static void requireDefined(String folder, String name, String where, List<FixSource.SourceFile> files) {
        Pattern call = Pattern.compile("\\b" + Pattern.quote(name) + "\\s*\\(");
        for (FixSource.SourceFile f : files) {
            if (!f.isC()) {
                continue;
            }
            String code = CCode.blankCommentsAndStrings(f.text());
            Matcher m = call.matcher(code);
            while (m.find()) {
                int close = CCode.matchingParen(code, m.end() - 1);
                if (close < 0 || CCode.depthAt(code, m.start()) != 0) {
                    continue;
                }
                int next = CCode.skipAttributesAndSpace(code, close + 1);
                if (next < code.length() && code.charAt(next) == '{') {
                    String head = CCode.declarationHead(code, m.start());
                    if (Pattern.compile("\\bstatic\\b").matcher(head).find()) {
                        throw new FixSourceException(where + ": " + name + " is static in " + folder + "/" + f.name() + ":"
                                + CCode.lineOf(code, m.start()) + "; the generated module refers to it, so it must not be static");
                    }
                    return;
                }
            }
        }
        throw new FixSourceException(where + ": " + name + " is not defined in the C sources of " + folder
                + " (" + String.join(", ", files.stream().filter(FixSource.SourceFile::isC).map(FixSource.SourceFile::name).toList()) + ")");
    }

    private static double parseCvss(String text) {
        try {
            double v = Double.parseDouble(text);
            if (Double.isNaN(v) || v < 0 || v > 10) {
                throw new IllegalArgumentException("cvss must be 0.0 to 10.0, not " + text);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cvss must be a number such as 7.8, not '" + text + "'");
        }
    }

    private static boolean parseBoolean(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw new IllegalArgumentException("expected true or false, not '" + text + "'");
        };
    }

    private static List<SystemState> parseStates(String text) {
        List<SystemState> out = new ArrayList<>();
        for (String s : text.split("[\\s,]+")) {
            if (!s.isEmpty()) {
                SystemState state = SystemState.parse(s);
                if (out.stream().anyMatch(o -> o.id() == state.id())) {
                    throw new IllegalArgumentException("system state " + state.id() + " is declared twice");
                }
                out.add(state);
            }
        }
        return out;
    }

    private static List<KernelSymbol> parseSymbols(String text, String where) {
        List<KernelSymbol> out = new ArrayList<>();
        for (String s : text.split("\\s+")) {
            if (s.isEmpty()) {
                continue;
            }
            int colon = s.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("'" + s + "' is not OBJECT:SYMBOL[,SYMPOS] (e.g. vmlinux:get_task_cmdline)");
            }
            String name = s.substring(colon + 1);
            int pos = 0;
            int comma = name.indexOf(',');
            if (comma >= 0) {
                try {
                    pos = Integer.parseInt(name.substring(comma + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + s + "': the symbol position after ',' must be a number");
                }
                name = name.substring(0, comma);
            }
            KernelSymbol k = new KernelSymbol(s.substring(0, colon), name, pos, where);
            if (out.stream().anyMatch(o -> o.name().equals(k.name()))) {
                throw new IllegalArgumentException("kernel symbol " + k.name() + " is declared twice");
            }
            out.add(k);
        }
        return out;
    }

    private static <T> T checked(String file, Map<String, Integer> lines, String key, java.util.function.Supplier<T> parse) {
        return checkedAt(file + ":" + lines.get(key), parse);
    }

    private static <T> T checkedAt(String where, java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (FixSourceException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new FixSourceException(where + ": " + e.getMessage());
        }
    }
}
