package org.klp.packaging.build;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.klp.core.patch.PatchedFunction;
import org.klp.core.patch.SystemState;

/**
 * Generates the sources of one cumulative live patch module from fix sources: the main file
 * ({@value #MAIN}) and the {@code Kbuild} file; the fixes' own files go into one folder each.
 * Pure: the same fixes give byte-identical files.
 *
 * <p>The main file holds one {@code struct klp_patch} with {@code .replace = true}; its
 * {@code klp_object}s group the replaced functions by object ({@code vmlinux} first, then
 * modules by name), each with its {@code klp_func} list in fix order; the system states are
 * merged over the fixes (the highest version per id). The module's init runs each fix's init in
 * fix order, then enables the patch; when one fails, the cleanups of the fixes already
 * initialized run in reverse order and the module load fails with that error. The exit runs every
 * cleanup in reverse. {@code MODULE_INFO} records what the packager and klp read without running
 * the module: {@code livepatch=Y}, {@code replace=Y}, each {@code function=OBJECT:NAME,SYMPOS},
 * each {@code state=ID:VERSION} and each {@code fix=ID}.
 *
 * <p>A function replaced by two fixes is refused, naming both fixes and lines: the kernel takes
 * one replacement per function, and silently keeping one would drop the other fix.
 */
public final class ModuleGenerator {

    public static final String MAIN = "klp_main.c";
    public static final String KBUILD = "Kbuild";
    private static final Pattern MODULE_NAME = Pattern.compile("[a-z0-9_]{1,55}");

    /** The generated tree: relative path to text, in a stable order. */
    public record GeneratedModule(String moduleName, Map<String, String> files, List<PatchedFunction> functions, List<SystemState> states) {
        public GeneratedModule {
            files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
            functions = List.copyOf(functions);
            states = List.copyOf(states);
        }
    }

    private ModuleGenerator() {
    }

    public static GeneratedModule generate(String moduleName, List<FixSource> fixes) {
        Objects.requireNonNull(fixes, "fixes");
        if (moduleName == null || !MODULE_NAME.matcher(moduleName).matches() || moduleName.equals("klp_main")) {
            throw new IllegalArgumentException("Not a module name: '" + moduleName
                    + "' (expected 1 to 55 lower-case letters, digits and underscores, not klp_main)");
        }
        requireUnique(fixes);
        Map<String, String> files = new LinkedHashMap<>();
        List<String> objects = new ArrayList<>();
        objects.add(MAIN.replace(".c", ".o"));
        List<String> folders = folders(fixes);
        for (int i = 0; i < fixes.size(); i++) {
            for (FixSource.SourceFile f : fixes.get(i).files()) {
                files.put(folders.get(i) + "/" + f.name(), f.text());
                if (f.isC()) {
                    objects.add(folders.get(i) + "/" + f.name().substring(0, f.name().length() - 2) + ".o");
                }
            }
        }
        List<SystemState> states = SystemState.merge(fixes.stream().flatMap(f -> f.states().stream()).toList());
        List<PatchedFunction> functions = fixes.stream().flatMap(f -> f.functions().stream()).map(ReplacedFunction::target).toList();
        Map<String, String> ordered = new LinkedHashMap<>();
        ordered.put(MAIN, main(moduleName, fixes, states));
        ordered.put(KBUILD, kbuild(moduleName, objects));
        ordered.putAll(files);
        return new GeneratedModule(moduleName, ordered, functions, states);
    }

    /** The folder of each fix in the build tree: {@code fix<N>_<id>}, safe for make and the shell. */
    static List<String> folders(List<FixSource> fixes) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < fixes.size(); i++) {
            out.add(String.format(java.util.Locale.ROOT, "fix%02d_%s", i + 1, fixes.get(i).fix().id().replaceAll("[^A-Za-z0-9]", "_")));
        }
        return out;
    }

    private static void requireUnique(List<FixSource> fixes) {
        Map<String, FixSource> fixById = new LinkedHashMap<>();
        Map<String, ReplacedFunction> seen = new LinkedHashMap<>();
        Map<String, FixSource> owner = new LinkedHashMap<>();
        for (FixSource fix : fixes) {
            FixSource other = fixById.putIfAbsent(fix.fix().id(), fix);
            if (other != null) {
                throw new FixSourceException(fix.folder() + "/" + FixSourceParser.PROPERTIES + ": fix " + fix.fix().id()
                        + " is also in " + other.folder() + "; one folder per fix");
            }
            for (ReplacedFunction r : fix.functions()) {
                // sympos 0 and 1 name the same symbol when it is unique
                String key = r.target().object() + ":" + r.target().name() + "," + Math.max(1, r.target().sympos());
                ReplacedFunction before = seen.putIfAbsent(key, r);
                if (before != null) {
                    FixSource first = owner.get(key);
                    throw new FixSourceException(r.where() + ": " + r.target() + " is replaced twice: by fix " + fix.fix().id()
                            + (first == fix ? "" : " and by fix " + first.fix().id()) + " (" + before.where() + ");"
                            + " the kernel takes one replacement per function, so merge the two changes into one fix");
                }
                owner.put(key, fix);
            }
        }
    }

    private static String main(String moduleName, List<FixSource> fixes, List<SystemState> states) {
        StringBuilder c = new StringBuilder();
        c.append("// SPDX-License-Identifier: GPL-2.0\n")
                .append("/* Generated by klp-pack build from ").append(fixes.size()).append(" fix(es); do not edit. */\n")
                .append("#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/livepatch.h>\n\n");
        for (FixSource fix : fixes) {
            c.append("/* ").append(fix.fix().id()).append(" (").append(fix.folder().replace("*/", "* /")).append(") */\n");
            for (String name : fix.functions().stream().map(ReplacedFunction::replacement).distinct().toList()) {
                c.append("extern void ").append(name).append("(void);\n");
            }
            fix.init().ifPresent(n -> c.append("extern int ").append(n).append("(void);\n"));
            fix.cleanup().ifPresent(n -> c.append("extern void ").append(n).append("(void);\n"));
        }
        Map<String, List<ReplacedFunction>> byObject = new TreeMap<>((a, b) -> a.equals(b) ? 0
                : a.equals(PatchedFunction.VMLINUX) ? -1 : b.equals(PatchedFunction.VMLINUX) ? 1 : a.compareTo(b));
        for (FixSource fix : fixes) {
            for (ReplacedFunction r : fix.functions()) {
                byObject.computeIfAbsent(r.target().object(), k -> new ArrayList<>()).add(r);
            }
        }
        int index = 0;
        List<String> objectLines = new ArrayList<>();
        for (Map.Entry<String, List<ReplacedFunction>> e : byObject.entrySet()) {
            String array = "klp_funcs_" + index++;
            c.append("\nstatic struct klp_func ").append(array).append("[] = {\n");
            for (ReplacedFunction r : e.getValue()) {
                c.append("\t{\n\t\t.old_name = \"").append(r.target().name()).append("\",\n")
                        .append("\t\t.new_func = ").append(r.replacement()).append(",\n")
                        .append("\t\t.old_sympos = ").append(r.target().sympos()).append(",\n\t},\n");
            }
            c.append("\t{ }\n};\n");
            objectLines.add("\t{\n\t\t.name = " + (e.getKey().equals(PatchedFunction.VMLINUX) ? "NULL" : "\"" + e.getKey() + "\"")
                    + ",\n\t\t.funcs = " + array + ",\n\t},\n");
        }
        c.append("\nstatic struct klp_object klp_objects[] = {\n");
        objectLines.forEach(c::append);
        c.append("\t{ }\n};\n");
        if (!states.isEmpty()) {
            c.append("\nstatic struct klp_state klp_states[] = {\n");
            for (SystemState s : states) {
                c.append("\t{ .id = ").append(s.id()).append("UL, .version = ").append(s.version()).append(" },\n");
            }
            c.append("\t{ }\n};\n");
        }
        c.append("\nstatic struct klp_patch klp_patch = {\n\t.mod = THIS_MODULE,\n\t.objs = klp_objects,\n");
        if (!states.isEmpty()) {
            c.append("\t.states = klp_states,\n");
        }
        c.append("\t.replace = true,\n};\n");

        c.append("\nstatic int __init klp_module_init(void)\n{\n\tint ret;\n\n");
        List<FixSource> initialized = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (FixSource fix : fixes) {
            if (fix.init().isPresent()) {
                c.append("\tret = ").append(fix.init().get()).append("();\n")
                        .append("\tif (ret) {\n\t\tpr_err(\"").append(moduleName).append(": init of ").append(fix.fix().id())
                        .append(" failed: %d\\n\", ret);\n\t\tgoto ").append(label(initialized, used)).append(";\n\t}\n");
            }
            if (fix.cleanup().isPresent()) {
                initialized.add(fix);
            }
        }
        c.append("\tret = klp_enable_patch(&klp_patch);\n\tif (ret)\n\t\tgoto ").append(label(initialized, used)).append(";\n\treturn 0;\n");
        for (int i = initialized.size() - 1; i >= 0; i--) {
            if (used.contains("undo_" + (i + 1))) {
                c.append("undo_").append(i + 1).append(":\n");
            }
            c.append('\t').append(initialized.get(i).cleanup().get()).append("();\n");
        }
        if (used.contains("undo_0")) {
            c.append("undo_0:\n");
        }
        c.append("\treturn ret;\n}\n");
        c.append("\nstatic void __exit klp_module_exit(void)\n{\n");
        for (int i = initialized.size() - 1; i >= 0; i--) {
            c.append("\t").append(initialized.get(i).cleanup().get()).append("();\n");
        }
        c.append("}\n\nmodule_init(klp_module_init);\nmodule_exit(klp_module_exit);\nMODULE_LICENSE(\"GPL\");\n")
                .append("MODULE_DESCRIPTION(\"Cumulative live patch generated by klp-pack build\");\n")
                .append("MODULE_INFO(livepatch, \"Y\");\nMODULE_INFO(replace, \"Y\");\n");
        for (FixSource fix : fixes) {
            c.append("MODULE_INFO(fix, \"").append(fix.fix().id()).append("\");\n");
        }
        for (FixSource fix : fixes) {
            for (ReplacedFunction r : fix.functions()) {
                c.append("MODULE_INFO(function, \"").append(r.target().object()).append(':').append(r.target().name()).append(',')
                        .append(r.target().sympos()).append("\");\n");
            }
        }
        for (SystemState s : states) {
            c.append("MODULE_INFO(state, \"").append(s).append("\");\n");
        }
        return c.toString();
    }

    /** The label that undoes the fixes initialized so far: undo_N runs cleanups N…1. */
    private static String label(List<FixSource> initialized, java.util.Set<String> used) {
        String label = "undo_" + initialized.size();
        used.add(label);
        return label;
    }

    private static String kbuild(String moduleName, List<String> objects) {
        StringBuilder k = new StringBuilder("# Generated by klp-pack build; do not edit.\n");
        k.append("obj-m := ").append(moduleName).append(".o\n");
        k.append(moduleName).append("-y := ").append(String.join(" \\\n\t", objects)).append('\n');
        return k.toString();
    }
}
