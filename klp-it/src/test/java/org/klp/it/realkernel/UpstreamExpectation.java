package org.klp.it.realkernel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one test of an upstream livepatch selftest script ({@code tools/testing/selftests/livepatch/
 * test-*.sh}) expects the kernel to log, read from the script itself: the {@code check_result}
 * block after its {@code start_test "NAME"}, with the script's {@code MOD_*} variables filled in,
 * without the lines of commands ({@code % modprobe ...}) and of user-space tools
 * ({@code modprobe: ERROR: ...}), which the kernel does not log.
 *
 * <p>{@link #kernelLines(String)} filters a kernel log the way the scripts' {@code check_result}
 * does: lines with {@code livepatch:} or {@code test_klp}, not the taint notices, timestamps cut.
 *
 * @param script the script's file name, e.g. {@code test-state.sh}
 * @param test the test's name as {@code start_test} gives it
 * @param lines what the kernel must log, in order
 */
record UpstreamExpectation(String script, String test, List<String> lines) {

    private static final Pattern VARIABLE = Pattern.compile("(?m)^(MOD_[A-Z0-9_]+)=([A-Za-z0-9_-]+)\\s*$");
    private static final Pattern TIMESTAMP = Pattern.compile("^\\[[ 0-9.]*\\] ");
    private static final Pattern TAINT = Pattern.compile("(tainting|taints) kernel");

    UpstreamExpectation {
        lines = List.copyOf(lines);
    }

    /**
     * The expectation of test {@code test} in the script's text.
     *
     * @throws IllegalArgumentException when the script has no such test or no {@code check_result} after it
     */
    static UpstreamExpectation of(String script, String text, String test) {
        Map<String, String> variables = new LinkedHashMap<>();
        Matcher v = VARIABLE.matcher(text);
        while (v.find()) {
            variables.put(v.group(1), v.group(2));
        }
        int start = text.indexOf("start_test \"" + test + "\"\n");
        if (start < 0) {
            throw new IllegalArgumentException(script + " has no test \"" + test + "\"");
        }
        int next = text.indexOf("\nstart_test \"", start + 1);
        int check = text.indexOf("check_result \"", start);
        if (check < 0 || next >= 0 && check > next) {
            throw new IllegalArgumentException(script + ": test \"" + test + "\" has no check_result");
        }
        int open = check + "check_result \"".length();
        int close = text.indexOf("\"\n", open);
        if (close < 0) {
            throw new IllegalArgumentException(script + ": the check_result of \"" + test + "\" does not end");
        }
        String block = substitute(text.substring(open, close), variables);
        List<String> kernel = new ArrayList<>();
        for (String line : block.split("\n", -1)) {
            if (!line.startsWith("% ") && !line.startsWith("modprobe: ") && !line.startsWith("insmod: ") && !line.isEmpty()) {
                kernel.add(line);
            }
        }
        return new UpstreamExpectation(script, test, kernel);
    }

    /** The lines of a kernel log ({@code dmesg}) that {@code check_result} compares, in order. */
    static List<String> kernelLines(String dmesg) {
        List<String> out = new ArrayList<>();
        for (String line : dmesg.split("\n")) {
            if ((line.contains("livepatch:") || line.contains("test_klp")) && !TAINT.matcher(line).find()) {
                out.add(TIMESTAMP.matcher(line).replaceFirst(""));
            }
        }
        return out;
    }

    private static String substitute(String block, Map<String, String> variables) {
        String out = block;
        // the longest names first, so $MOD_LIVEPATCH2 is not read as $MOD_LIVEPATCH followed by 2
        List<String> names = variables.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        for (String name : names) {
            out = out.replace("${" + name + "}", variables.get(name)).replace("$" + name, variables.get(name));
        }
        if (out.contains("$")) {
            throw new IllegalArgumentException("Unknown variable left in an upstream check_result: " + out);
        }
        return out;
    }
}
