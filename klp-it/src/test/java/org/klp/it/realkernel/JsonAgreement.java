package org.klp.it.realkernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Walks two JSON documents side by side and lists every place where they differ, field by field
 * and element by element, except where a {@link Rule} excuses it. A rule names its path as a JSON
 * pointer in which {@code *} stands for any field name or array index ({@code /blocking/*}{@code /pid}),
 * and says why the values there cannot agree.
 */
final class JsonAgreement {

    /** How a rule treats the values at its path. */
    enum Kind {
        /** Not compared at all. */
        IGNORED,
        /** Compared after every match of {@code pattern} (in the text of the value) is replaced by {@code <…>}. */
        MASKED,
        /** Task ids: compared after each id the side's task map knows is replaced by the task's name there. */
        TASK_IDS
    }

    /** Why the values at {@code path} may differ, and how they are compared anyway. */
    record Rule(String path, Kind kind, Optional<Pattern> pattern, String reason) {

        static Rule ignored(String path, String reason) {
            return new Rule(path, Kind.IGNORED, Optional.empty(), reason);
        }

        static Rule masked(String path, String regex, String reason) {
            return new Rule(path, Kind.MASKED, Optional.of(Pattern.compile(regex)), reason);
        }

        static Rule taskIds(String path, String reason) {
            return new Rule(path, Kind.TASK_IDS, Optional.empty(), reason);
        }

        boolean matches(List<String> at) {
            String[] parts = path.substring(1).split("/");
            if (parts.length != at.size()) {
                return false;
            }
            for (int i = 0; i < parts.length; i++) {
                if (!parts[i].equals("*") && !parts[i].equals(at.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private final List<Rule> rules;
    private final Map<String, String> realTasks;
    private final Map<String, String> simulatedTasks;

    /**
     * @param realTasks      task id on the real kernel → a name for the task ({@code SLEEPER})
     * @param simulatedTasks task id on the simulated host → the same names
     */
    JsonAgreement(List<Rule> rules, Map<String, String> realTasks, Map<String, String> simulatedTasks) {
        this.rules = List.copyOf(rules);
        this.realTasks = Map.copyOf(realTasks);
        this.simulatedTasks = Map.copyOf(simulatedTasks);
    }

    /** Every difference, as {@code /path: real <value>, simulated <value>}; empty when the documents agree. */
    List<String> differences(JsonNode real, JsonNode simulated) {
        List<String> out = new ArrayList<>();
        compare(new ArrayList<>(), real, simulated, out);
        return out;
    }

    private void compare(List<String> at, JsonNode real, JsonNode simulated, List<String> out) {
        Optional<Rule> rule = rules.stream().filter(r -> r.matches(at)).findFirst();
        if (rule.isPresent()) {
            switch (rule.get().kind()) {
                case IGNORED -> {
                    return;
                }
                case MASKED -> {
                    real = mask(real, rule.get().pattern().orElseThrow());
                    simulated = mask(simulated, rule.get().pattern().orElseThrow());
                }
                case TASK_IDS -> {
                    real = tasks(real, realTasks);
                    simulated = tasks(simulated, simulatedTasks);
                }
                default -> throw new IllegalStateException(rule.get().kind().toString());
            }
        }
        if (real.isObject() && simulated.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            real.fieldNames().forEachRemaining(names::add);
            simulated.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                List<String> child = child(at, name);
                if (!real.has(name) || !simulated.has(name)) {
                    if (rules.stream().noneMatch(r -> r.kind() == Kind.IGNORED && r.matches(child))) {
                        out.add(pointer(child) + ": " + (real.has(name) ? "only on the real kernel: " + real.get(name)
                                : "only on the simulated host: " + simulated.get(name)));
                    }
                    continue;
                }
                compare(child, real.get(name), simulated.get(name), out);
            }
        } else if (real.isArray() && simulated.isArray()) {
            if (real.size() != simulated.size()) {
                out.add(pointer(at) + ": " + real.size() + " elements on the real kernel, " + simulated.size() + " on the simulated host: real "
                        + real + ", simulated " + simulated);
                return;
            }
            Iterator<JsonNode> r = real.elements();
            Iterator<JsonNode> s = simulated.elements();
            for (int i = 0; r.hasNext(); i++) {
                compare(child(at, Integer.toString(i)), r.next(), s.next(), out);
            }
        } else if (!real.equals(simulated)) {
            out.add(pointer(at) + ": real " + real + ", simulated " + simulated);
        }
    }

    private static JsonNode mask(JsonNode value, Pattern pattern) {
        if (value.isContainerNode() || value.isNull()) {
            return value;
        }
        return TextNode.valueOf(pattern.matcher(value.asText()).replaceAll("<…>"));
    }

    /** A task id (a number) or a text naming task ids, with each known id replaced by the task's name. */
    private static JsonNode tasks(JsonNode value, Map<String, String> names) {
        if (value.isContainerNode() || value.isNull()) {
            return value;
        }
        Matcher m = Pattern.compile("\\b\\d+\\b").matcher(value.asText());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(names.containsKey(m.group()) ? "<" + names.get(m.group()) + ">" : m.group()));
        }
        return TextNode.valueOf(m.appendTail(sb).toString());
    }

    private static List<String> child(List<String> at, String name) {
        List<String> c = new ArrayList<>(at);
        c.add(name);
        return c;
    }

    private static String pointer(List<String> at) {
        return at.isEmpty() ? "/" : "/" + String.join("/", at);
    }
}
